// A pending socket's hello: the token, the organization and session it names, bans, join rate and
// seats (admission.ts decides those), then presence and the welcome. A hello with the participant's
// resumeId resumes their presence instead of starting a new one.
import { errors as joseErrors } from 'jose';
import { CLOSE_CODES, PROTOCOL_VERSION, ProtocolError } from '@roomcast/schema/protocol';
import { grantsFor, HOST_ROLES } from '@roomcast/schema';
import { isGuestIdentity } from '../identities.ts';
import { verifyRoomToken, type RoomTokenClaims } from '../room-token.ts';
import { thresholdsCrossed } from '../../webhooks/usage-threshold.ts';
import { currentClaims, isHostRole, seatRefusal } from './admission.ts';
import { send, type MessageOf } from './connection.ts';
import { MAX_GUESTS_PER_CLIENT } from './guest-clients.ts';
import { finishLeave } from './leaving.ts';
import type { LiveRoom } from './live-room.ts';
import { PRESENCE_FANOUT_LIMIT } from './presence-broadcast.ts';
import { toParticipant, type ParticipantRow } from './presence.ts';
import { inBackstage, joinedStudio } from '../studio/studio-handlers.ts';
import { stageLimitFor } from '@roomcast/schema';

export async function hello(room: LiveRoom, ws: WebSocket, hello: MessageOf<'hello'>): Promise<void> {
  if (hello.protocol !== PROTOCOL_VERSION) {
    throw new ProtocolError('unsupported_protocol', `Protocol ${hello.protocol} is not supported; this room speaks protocol ${PROTOCOL_VERSION}`, CLOSE_CODES.policy);
  }
  const meta = room.state.meta;
  const roomId = meta.room_id ?? '';
  const token = await verify(room, hello.token, roomId);
  if (meta.organization_id && meta.organization_id !== token.organizationId) {
    throw new ProtocolError('invalid_token', 'The token belongs to another organization', CLOSE_CODES.policy);
  }
  if (token.roomSessionId && token.roomSessionId === meta.ended_session_id) {
    throw new ProtocolError('room_ended', 'This live session has ended', CLOSE_CODES.policy);
  }
  // Await everything before reading presence, so the admission decision and the insert that
  // follows run without another event in between.
  const claims = await currentClaims(room.config, room.apiKeys, token, roomId, meta.session_id);
  const limit = await room.plans.viewerLimit(claims.organizationId, Date.now());

  const pending = room.sockets.get(ws);
  if (pending.phase !== 'pending') return;
  const now = Date.now();
  if (!meta.organization_id) room.state.bindOrganization(claims.organizationId);
  if (claims.roomSessionId && claims.roomSessionId !== room.state.meta.session_id) {
    room.state.startSession(claims.roomSessionId);
    room.guests.reset();
  }
  // A guest is also known by the client they join from, so a ban holds against a new identity.
  const guestFps = isGuestIdentity(claims.identity) ? [...new Set([claims.clientFp, pending.clientFp])].filter((fp): fp is string => !!fp) : [];
  if (room.state.isBanned(claims.identity) || room.guests.isBanned(guestFps)) {
    throw new ProtocolError('banned', 'You were removed from this room for the rest of the session', CLOSE_CODES.policy);
  }
  if (isGuestIdentity(claims.identity) && room.state.membersOnly) {
    throw new ProtocolError('forbidden', 'This room is for members only', CLOSE_CODES.policy);
  }
  room.fanout.check('join', claims.identity, now, true);
  for (const fp of guestFps) room.fanout.check('join', `client:${fp}`, now, true);

  const existing = room.presence.get(claims.identity);
  if (existing && hello.resumeId !== undefined && hello.resumeId === existing.resume_id && existing.role === claims.role) {
    return admit(room, ws, claims, existing, true, now);
  }
  if (existing) {
    // Same identity without its resumeId: the old presence ends and a new one begins.
    room.sockets.closeSocketsOf(existing.identity, CLOSE_CODES.replaced, 'replaced');
    finishLeave(room, existing, 'replaced', now);
  }
  // A publishing encoder (WHIP or RTMP) is the room's host: it holds a host seat like one.
  const encoder = room.media.encoderActive() ? 1 : 0;
  const seated = { hosts: room.presence.countRoles(HOST_ROLES) + encoder, total: room.presence.count() + encoder };
  const full = seatRefusal(limit, claims, seated);
  if (full) throw full;
  if (guestFps.length > 0 && room.guests.presentFrom(guestFps) >= MAX_GUESTS_PER_CLIENT) {
    throw new ProtocolError('room_full', `At most ${MAX_GUESTS_PER_CLIENT} guests from one network may be in this room`, CLOSE_CODES.policy);
  }
  room.guests.record(claims.identity, guestFps);
  const row = room.presence.add({
    identity: claims.identity,
    name: claims.name,
    role: claims.role,
    userId: claims.userId,
    joinedAt: now,
    resumeId: crypto.randomUUID(),
    usageId: crypto.randomUUID(),
  });
  room.usage.joined({
    id: row.usage_id,
    organizationId: claims.organizationId,
    roomId,
    roomSessionId: room.state.meta.session_id,
    identity: claims.identity,
    userId: claims.userId,
    name: claims.name,
    role: claims.role,
    joinedAt: now,
  });
  const sessionId = room.state.meta.session_id;
  if (!isHostRole(claims.role) && limit.max !== null && sessionId) {
    const viewers = seated.total - seated.hosts + 1;
    for (const threshold of thresholdsCrossed(limit.max, viewers - 1, viewers)) {
      room.usage.thresholdReached(claims.organizationId, sessionId, {
        limit: 'viewers_per_room', threshold, used: viewers, max: limit.max, plan: limit.planId, room: { id: roomId, sessionId },
      });
    }
  }
  // On stage before the welcome, so the welcome already shows them there; the others hear after.
  room.state.studio.setPlan(stageLimitFor(limit.planId), limit.planName);
  const staged = joinedStudio(room, claims.identity, claims.role, now);
  admit(room, ws, claims, row, false, now);
  room.presenceBroadcast.send({ type: 'participant.joined', participant: toParticipant(row), participantCount: room.presence.count() }, row.role, ws);
  if (staged) room.sockets.broadcast({ type: 'room.updated', room: room.state.view() }, ws);
  // The counts taken for admission, with this participant: no second count per join.
  if (!isHostRole(claims.role)) room.hlsAudience(seated.total - seated.hosts + 1);
  room.flushUsage();
}

async function verify(room: LiveRoom, token: string, roomId: string): Promise<RoomTokenClaims> {
  try {
    return await verifyRoomToken(room.config.roomTokenSecret, token, roomId);
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new ProtocolError('token_expired', 'The room token has expired; ask for a new one', CLOSE_CODES.policy);
    throw new ProtocolError('invalid_token', 'The room token is not valid for this room', CLOSE_CODES.policy);
  }
}

function admit(room: LiveRoom, ws: WebSocket, claims: RoomTokenClaims, row: ParticipantRow, resumed: boolean, now: number): void {
  // An older socket of the same participant (a half-open connection) gives way silently.
  if (resumed) room.sockets.closeSocketsOf(row.identity, CLOSE_CODES.replaced, 'resumed elsewhere', ws);
  room.presence.setConnected(row.identity, true, now);
  room.state.setEmptySince(null);
  room.sockets.set(ws, {
    phase: 'joined',
    connectedAt: now,
    lastSeen: now,
    identity: claims.identity,
    name: claims.name,
    role: claims.role,
    organizationId: claims.organizationId,
    ...(claims.apiKeyId ? { apiKeyId: claims.apiKeyId } : {}),
  });
  const self = toParticipant(row);
  send(ws, {
    type: 'welcome',
    protocol: PROTOCOL_VERSION,
    self: { ...self, grants: grantsFor(claims.role) },
    participants: room.presence.listed(PRESENCE_FANOUT_LIMIT).map(toParticipant),
    participantCount: room.presence.count(),
    room: room.state.view(),
    chat: room.chat.page(50),
    pinnedAlerts: room.alerts.pinned(),
    resumeId: row.resume_id,
    resumed,
    heartbeatMs: room.config.room.heartbeatMs,
    ...(inBackstage(claims.role) ? { backstage: room.state.studio.backstage() } : {}),
  });
  room.media.onJoined(ws);
}
