// How participants leave: for good (leave, kick, ban, replaced, resume window over), or, when their
// last socket drops, into a resume window in which they may come back as the same presence.
import { CLOSE_CODES, type ServerMessage } from '@roomcast/schema/protocol';
import { closeSocket, sendError, type Joined } from './connection.ts';
import type { LiveRoom } from './live-room.ts';
import type { ParticipantRow } from './presence.ts';
import { leftStudio } from '../studio/studio-handlers.ts';

export type LeaveReason = Extract<ServerMessage, { type: 'participant.left' }>['reason'];

/** The participant has left for good: one left event, one left_at. */
export function finishLeave(room: LiveRoom, row: ParticipantRow, reason: LeaveReason, now: number): void {
  room.presence.remove(row.identity);
  room.chatLimits.forget(row.identity);
  room.media.onLeft(row.identity);
  const org = room.state.meta.organization_id;
  if (org) room.usage.left(row.usage_id, org, now, reason);
  room.presenceBroadcast.send({ type: 'participant.left', identity: row.identity, reason, participantCount: room.presence.count() }, row.role);
  leftStudio(room, row.identity);
  if (room.presence.count() === 0) {
    room.state.setEmptySince(now);
    void room.ensureAlarm(now + room.config.room.emptyTimeoutMs);
  }
  room.flushUsage();
}

/** Tells the participant why, closes their sockets and ends their presence. */
export function eject(
  room: LiveRoom,
  row: ParticipantRow,
  code: 'banned' | 'kicked' | 'forbidden' | 'role_changed',
  text: string,
  closeCode: number,
  reason: LeaveReason,
  now: number,
): void {
  for (const [ws, a] of room.sockets.live()) {
    if (a.phase === 'joined' && a.identity === row.identity) {
      sendError(ws, code, text);
      room.sockets.markAndClose(ws, closeCode, code);
    }
  }
  finishLeave(room, row, reason, now);
}

/** `leave` from the client: presence ends now, then the socket closes. */
export function leaveBySocket(room: LiveRoom, ws: WebSocket, att: Joined): void {
  room.sockets.markClosed(ws);
  const row = room.presence.get(att.identity);
  if (row) finishLeave(room, row, 'left', Date.now());
  closeSocket(ws, CLOSE_CODES.normal, 'leave');
}

/** A client socket closed: after a clean leave presence ends; a drop starts the resume window. */
export async function socketGone(room: LiveRoom, ws: WebSocket, how: 'left' | 'dropped'): Promise<void> {
  const att = room.sockets.get(ws);
  room.sockets.forget(ws);
  // Completes the closing handshake; harmless when the runtime already answered it.
  closeSocket(ws);
  if (att.phase !== 'joined') return;
  const row = room.presence.get(att.identity);
  if (!row) return;
  const now = Date.now();
  if (how === 'left') {
    finishLeave(room, row, 'left', now);
  } else if (!room.sockets.hasOtherSocket(att.identity, ws)) {
    room.presence.setConnected(att.identity, false, now);
    await room.ensureAlarm(now + room.config.room.resumeWindowMs);
  }
}
