// The studio's client frames: moving guests between backstage and the stage, muting a guest's
// microphone, switching the layout, and showing or hiding a banner. The stage is enforced here and
// in the media gate: a guest who is not on stage cannot produce, and sending a guest backstage
// closes their producers on the node, so viewers stop receiving them whatever the guest's page does.
import { ProtocolError, STAGE_LIMIT, type Banner } from '@roomcast/schema/protocol';
import type { RoomRole } from '@roomcast/schema';
import { send, type Joined, type MessageOf } from '../realtime/connection.ts';
import type { LiveRoom } from '../realtime/live-room.ts';
import { hasGrant, requireGrant } from '../realtime/moderation.ts';

export const isStudioGuest = (role: string) => role === 'guest';

/** Who is backstage with the guests: hosts and co-hosts (the stage grant), and the guests themselves. */
export const inBackstage = (role: RoomRole) => hasGrant(role, 'stage') || isStudioGuest(role);

function broadcastStudio(room: LiveRoom): void {
  room.sockets.broadcast({ type: 'room.updated', room: room.state.view() });
}

/** A no-op still answers the sender, so a client can tell its frame arrived. */
function unchanged(room: LiveRoom, ws: WebSocket): void {
  send(ws, { type: 'room.updated', room: room.state.view() });
}

function guest(room: LiveRoom, identity: string) {
  const row = room.presence.get(identity);
  if (!row) throw new ProtocolError('not_found', `${identity} is not in this room`);
  if (!isStudioGuest(row.role)) {
    throw new ProtocolError('forbidden', 'Only studio guests move between backstage and the stage; hosts and co-hosts are on stage while they are here');
  }
  return row;
}

export function stageMove(room: LiveRoom, ws: WebSocket, att: Joined, message: MessageOf<'stage.move'>, now: number): void {
  requireGrant(att.role, 'stage');
  const row = guest(room, message.identity);
  const studio = room.state.studio;
  if (message.to === 'stage') {
    if (studio.onStage(row.identity)) return unchanged(room, ws);
    if (!studio.add(row.identity, now)) {
      const { stageLimit, planName } = studio.limit();
      const why = planName && stageLimit < STAGE_LIMIT ? `the ${planName} plan allows ${stageLimit} people on stage at once (${STAGE_LIMIT} on Business and Enterprise)` : `at most ${stageLimit} people can be on stage at once`;
      throw new ProtocolError('stage_full', `The stage is full: ${why}; send someone backstage first`);
    }
  } else {
    if (!studio.remove(row.identity)) return unchanged(room, ws);
    room.media.closeProducersOf(row.identity);
  }
  broadcastStudio(room);
}

export async function stageMute(room: LiveRoom, _ws: WebSocket, att: Joined, message: MessageOf<'stage.mute'>): Promise<void> {
  requireGrant(att.role, 'stage');
  const row = guest(room, message.identity);
  await room.media.pauseMicrophoneOf(row.identity);
}

export function studioLayout(room: LiveRoom, ws: WebSocket, att: Joined, message: MessageOf<'studio.layout'>): void {
  requireGrant(att.role, 'stage');
  const studio = room.state.studio;
  const spotlight = message.spotlight ?? null;
  if (spotlight !== null && !studio.onStage(spotlight)) throw new ProtocolError('not_found', `${spotlight} is not on stage`);
  const current = studio.view();
  if (current.layout === message.layout && current.spotlight === spotlight) return unchanged(room, ws);
  studio.setLayout(message.layout, spotlight);
  broadcastStudio(room);
}

export function bannerShow(room: LiveRoom, _ws: WebSocket, att: Joined, message: MessageOf<'banner.show'>, now: number): void {
  requireGrant(att.role, 'moderate');
  const shownAt = new Date(now).toISOString();
  let banner: Banner;
  if (message.source === 'chat') {
    const chat = room.chat.get(message.messageId);
    if (!chat) throw new ProtocolError('not_found', `No chat message ${message.messageId} in this room`);
    banner = { source: 'chat', id: chat.id, text: chat.text, author: chat.author.name, shownAt };
  } else {
    const alert = room.alerts.get(message.messageId);
    if (!alert) throw new ProtocolError('not_found', `No alert ${message.messageId} in this room`);
    banner = { source: 'alert', id: alert.id, text: alert.text, author: alert.author.name, symbol: alert.symbol, price: alert.price, shownAt };
  }
  room.state.studio.setBanner(banner);
  broadcastStudio(room);
}

export function bannerHide(room: LiveRoom, ws: WebSocket, att: Joined): void {
  requireGrant(att.role, 'moderate');
  if (!room.state.studio.banner) return unchanged(room, ws);
  room.state.studio.setBanner(null);
  broadcastStudio(room);
}

/** A chat message was deleted: a banner showing it goes too. */
export function chatDeleted(room: LiveRoom, messageId: number): void {
  const banner = room.state.studio.banner;
  if (banner?.source !== 'chat' || banner.id !== messageId) return;
  room.state.studio.setBanner(null);
  broadcastStudio(room);
}

/**
 * Hosts and co-hosts go on stage as they join (while there is room); guests wait backstage. True
 * when the stage changed (the caller tells the others once the joiner has its welcome).
 */
export function joinedStudio(room: LiveRoom, identity: string, role: RoomRole, now: number): boolean {
  if (!['owner', 'admin', 'host', 'cohost'].includes(role) || room.state.studio.onStage(identity)) return false;
  return room.state.studio.add(identity, now);
}

/** Whoever leaves for good leaves the stage. */
export function leftStudio(room: LiveRoom, identity: string): void {
  if (room.state.studio.remove(identity)) broadcastStudio(room);
}

/** The backstage chat: stored for the session and sent to hosts, co-hosts and guests only. */
export function backstageSend(room: LiveRoom, _ws: WebSocket, att: Joined, message: MessageOf<'backstage.send'>, now: number): void {
  if (!inBackstage(att.role)) throw new ProtocolError('forbidden', 'The backstage chat is for the host, co-hosts and guests');
  const stored = room.state.studio.addBackstage({ identity: att.identity, name: att.name, text: message.text, sentAt: new Date(now).toISOString() });
  room.sockets.broadcastTo({ type: 'backstage.message', message: stored }, (a) => inBackstage(a.role));
}

/** A backstage guest's camera thumbnail, relayed to hosts and co-hosts (never stored, never to viewers). */
export function backstagePreview(room: LiveRoom, _ws: WebSocket, att: Joined, message: MessageOf<'backstage.preview'>): void {
  if (!isStudioGuest(att.role)) throw new ProtocolError('forbidden', 'Only studio guests send a backstage preview');
  // On stage the guest's real camera is on the air: no thumbnail needed.
  if (room.state.studio.onStage(att.identity)) return;
  room.sockets.broadcastTo({ type: 'backstage.preview', identity: att.identity, image: message.image }, (a) => hasGrant(a.role, 'stage'));
}
