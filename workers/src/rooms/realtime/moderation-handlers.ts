// Hands and moderation from joined clients, and a member's role changing in the organization.
// Who may act on whom is moderation.ts; a no-op (raising a raised hand, the same slow mode)
// answers the sender only: the room hears nothing.
import { CLOSE_CODES, ProtocolError } from '@roomcast/schema/protocol';
import type { RoomRole } from '@roomcast/schema';
import type { RoomVisibility } from '../room-stub.ts';
import { isGuestIdentity, memberIdentity } from '../identities.ts';
import { absentRole } from './absent-rank.ts';
import { send, type Joined, type MessageOf } from './connection.ts';
import { eject } from './leaving.ts';
import type { LiveRoom } from './live-room.ts';
import { requireGrant, requireOutranks } from './moderation.ts';
import { toParticipant, type ParticipantRow } from './presence.ts';

function target(room: LiveRoom, identity: string): ParticipantRow {
  const row = room.presence.get(identity);
  if (!row) throw new ProtocolError('not_found', `${identity} is not in this room`);
  return row;
}

function updateParticipant(room: LiveRoom, ws: WebSocket, identity: string, change: { handRaised?: boolean; muted?: boolean }): void {
  const current = target(room, identity);
  if ((change.handRaised ?? current.hand_raised === 1) === (current.hand_raised === 1) && (change.muted ?? current.muted === 1) === (current.muted === 1)) {
    return send(ws, { type: 'participant.updated', participant: toParticipant(current) });
  }
  const row = room.presence.update(identity, change);
  if (!row) throw new ProtocolError('not_found', `${identity} is not in this room`);
  room.sockets.broadcast({ type: 'participant.updated', participant: toParticipant(row) });
}

export function handRaise(room: LiveRoom, ws: WebSocket, att: Joined): void {
  updateParticipant(room, ws, att.identity, { handRaised: true });
}

export function handLower(room: LiveRoom, ws: WebSocket, att: Joined, message: MessageOf<'hand.lower'>): void {
  const identity = message.identity ?? att.identity;
  if (identity !== att.identity) {
    requireGrant(att.role, 'moderate');
    requireOutranks(att, { identity, role: target(room, identity).role as RoomRole });
  }
  updateParticipant(room, ws, identity, { handRaised: false });
}

export function mute(room: LiveRoom, ws: WebSocket, att: Joined, message: MessageOf<'moderation.mute'>): void {
  requireGrant(att.role, 'moderate');
  const row = target(room, message.identity);
  requireOutranks(att, { identity: row.identity, role: row.role as RoomRole });
  updateParticipant(room, ws, row.identity, { muted: message.muted });
}

export async function remove(room: LiveRoom, _ws: WebSocket, att: Joined, message: MessageOf<'moderation.kick'> | MessageOf<'moderation.ban'>, now: number): Promise<void> {
  requireGrant(att.role, 'moderate');
  const ban = message.type === 'moderation.ban';
  const present = room.presence.get(message.identity);
  if (!present && !ban) throw new ProtocolError('not_found', `${message.identity} is not in this room`);
  // Rank holds whether or not the target is here.
  const role = present ? (present.role as RoomRole) : await absentRole(room.config, att.organizationId, message.identity);
  requireOutranks(att, { identity: message.identity, role });
  if (ban) {
    room.state.ban(message.identity, now);
    if (isGuestIdentity(message.identity)) room.guests.banClientsOf(message.identity);
  }
  const row = room.presence.get(message.identity);
  if (!row) return;
  const code = ban ? 'banned' : 'kicked';
  eject(room, row, code, `${ban ? 'Banned' : 'Removed'} by a moderator${message.reason ? `: ${message.reason}` : ''}`, CLOSE_CODES.policy, code, now);
}

export function slowMode(room: LiveRoom, ws: WebSocket, att: Joined, message: MessageOf<'moderation.slow_mode'>): void {
  requireGrant(att.role, 'moderate');
  if (room.state.view().slowModeSeconds === message.seconds) return send(ws, { type: 'room.updated', room: room.state.view() });
  room.state.setSlowMode(message.seconds);
  room.sockets.broadcast({ type: 'room.updated', room: room.state.view() });
}

export function chatSwitch(room: LiveRoom, ws: WebSocket, att: Joined, message: MessageOf<'moderation.chat'>): void {
  requireGrant(att.role, 'moderate');
  if (room.state.view().chatEnabled === message.enabled) return send(ws, { type: 'room.updated', room: room.state.view() });
  room.state.setChatEnabled(message.enabled);
  room.sockets.broadcast({ type: 'room.updated', room: room.state.view() });
}

/**
 * The room's visibility changed: when it is no longer public, the anonymous guests in it leave and
 * their tokens (still valid for minutes) cannot bring them back.
 */
export function visibilityChanged(room: LiveRoom, visibility: RoomVisibility): void {
  const membersOnly = visibility !== 'public';
  room.state.setMembersOnly(membersOnly);
  if (!membersOnly) return;
  const now = Date.now();
  for (const row of room.presence.all()) {
    if (isGuestIdentity(row.identity)) eject(room, row, 'kicked', 'This room is now for members only', CLOSE_CODES.policy, 'kicked', now);
  }
}

/** An API key was revoked: the participants it minted leave (their tokens are refused from now on). */
export function apiKeyRevoked(room: LiveRoom, apiKeyId: string): void {
  room.apiKeys.revoked(apiKeyId);
  const identities = new Set<string>();
  for (const [, att] of room.sockets.live()) if (att.phase === 'joined' && att.apiKeyId === apiKeyId) identities.add(att.identity);
  const now = Date.now();
  for (const identity of identities) {
    const row = room.presence.get(identity);
    if (row) eject(room, row, 'forbidden', 'The API key that let you in was revoked', CLOSE_CODES.policy, 'kicked', now);
  }
}

/** A member's role changed (null: removed from the organization): they join again, or not at all. */
export function memberChanged(room: LiveRoom, userId: string, role: RoomRole | null): void {
  const row = room.presence.get(memberIdentity(userId));
  if (!row || row.role === role) return;
  if (role === null) eject(room, row, 'forbidden', 'You are no longer a member of this organization', CLOSE_CODES.policy, 'kicked', Date.now());
  else eject(room, row, 'role_changed', `Your role is now ${role}; join again`, CLOSE_CODES.replaced, 'replaced', Date.now());
}
