// The room's alarm and its end. The alarm reaps silent sockets, ends expired resume windows,
// closes a room left empty and retries usage; it is always re-armed while there is work left.
// While media nodes that send keepalives serve the room it also runs between those sweeps, at
// the moment a node could first be overdue, and then only checks the nodes (node-liveness.ts).
import { CLOSE_CODES, type ServerMessage } from '@roomcast/schema/protocol';
import { isShardSocket } from '../fanout/shard-sockets.ts';
import { sendError, sendRaw, type Joined } from './connection.ts';
import { finishLeave } from './leaving.ts';
import type { LiveRoom } from './live-room.ts';
import { requireGrant } from './moderation.ts';
import { endRoomSession } from './postgres.ts';

/** How many heartbeat intervals a joined socket may stay silent before the alarm drops it. */
const STALE_AFTER_HEARTBEATS = 3;

/** The alarm: the media nodes' liveness every time; the full sweep unless it was armed only for the nodes. */
export async function alarm(room: LiveRoom, now: number): Promise<void> {
  const nodesAt = room.media.checkNodes(now);
  if (!room.nodeCheckOnly || now >= room.sweepDueAt) return sweep(room, now, nodesAt);
  await armAlarm(room, now, room.sweepDueAt, nodesAt);
}

async function sweep(room: LiveRoom, now: number, nodesAt: number | undefined): Promise<void> {
  const { heartbeatMs, resumeWindowMs, emptyTimeoutMs } = room.config.room;
  for (const [ws, att] of room.sockets.live()) {
    // A shard answers its sockets' pings and reaps the silent ones itself (fanout/room-shard-do.ts).
    if (isShardSocket(ws)) continue;
    if (att.phase === 'pending' && now - att.connectedAt > heartbeatMs) {
      sendError(ws, 'hello_required', 'No hello in time');
      room.sockets.markAndClose(ws, CLOSE_CODES.policy, 'hello_required');
    } else if (att.phase === 'joined' && now - att.lastSeen > STALE_AFTER_HEARTBEATS * heartbeatMs) {
      room.sockets.markAndClose(ws, CLOSE_CODES.stale, 'no heartbeat');
    }
  }
  // Participants without a live socket (dropped, reaped, or a close event that never came) enter
  // their resume window; those whose window ran out leave.
  const connected = new Set<string>();
  for (const att of room.sockets.live().values()) if (att.phase === 'joined') connected.add(att.identity);
  for (const identity of room.presence.connectedIdentities()) {
    if (!connected.has(identity)) room.presence.setConnected(identity, false, now);
  }
  for (const row of room.presence.expired(now - resumeWindowMs)) finishLeave(room, row, 'timeout', now);

  const meta = room.state.meta;
  // An encoder publishing (WHIP) is the room's host even with no socket: the room stays open.
  if (room.presence.count() === 0 && room.sockets.live().size === 0 && !room.media.encoderActive() && meta.empty_since !== null && now - meta.empty_since >= emptyTimeoutMs) {
    if (meta.session_id && meta.room_id && meta.organization_id) {
      await endRoomSession(room.config, meta.organization_id, meta.room_id, meta.session_id, (id) => room.media.stopRecorder(id));
    }
    await closeRoom(room, 'empty');
    return;
  }
  room.media.retry();
  await room.usage.flush().catch((error: unknown) => console.error('room: usage flush failed; retrying', error));
  await scheduleNext(room, now, nodesAt);
}

/** `room.end` from a client with the grant: the session ends in Postgres, then here. */
export async function endFromSocket(room: LiveRoom, _ws: WebSocket, att: Joined): Promise<void> {
  requireGrant(att.role, 'room.end');
  const { room_id, session_id } = room.state.meta;
  if (session_id && room_id) await endRoomSession(room.config, att.organizationId, room_id, session_id, (id) => room.media.stopRecorder(id));
  await closeRoom(room, 'ended');
}

export async function closeRoom(room: LiveRoom, reason: 'ended' | 'empty'): Promise<void> {
  const now = Date.now();
  const frame = JSON.stringify({ type: 'room.ended', reason } satisfies ServerMessage);
  for (const [ws] of room.sockets.live()) {
    sendRaw(ws, frame);
    room.sockets.markAndClose(ws, CLOSE_CODES.normal, 'room ended');
  }
  const org = room.state.meta.organization_id;
  for (const row of room.presence.all()) {
    room.presence.remove(row.identity);
    if (org) room.usage.left(row.usage_id, org, now, 'room_ended');
  }
  room.state.endSession();
  room.guests.reset();
  await room.media.endRoom();
  await room.usage.flush().catch((error: unknown) => console.error('room: usage flush failed; the alarm retries', error));
  await scheduleNext(room, now);
}

/** The next sweep (every heartbeat while anyone is here), and the nodes' check if sooner. */
async function scheduleNext(room: LiveRoom, now: number, nodesAt?: number): Promise<void> {
  const { heartbeatMs, emptyTimeoutMs } = room.config.room;
  const emptySince = room.state.meta.empty_since;
  let next: number | undefined;
  if (room.sockets.live().size > 0 || room.presence.count() > 0) next = now + heartbeatMs;
  else if (emptySince !== null) next = emptySince + emptyTimeoutMs;
  if (room.usage.pending() > 0) next = Math.min(next ?? Infinity, now + heartbeatMs);
  room.sweepDueAt = next ?? Infinity;
  await armAlarm(room, now, next, nodesAt);
}

async function armAlarm(room: LiveRoom, now: number, sweepAt: number | undefined, nodesAt: number | undefined): Promise<void> {
  const sweep = sweepAt ?? Infinity;
  const nodes = nodesAt ?? Infinity;
  const at = Math.min(sweep, nodes);
  room.nodeCheckOnly = nodes < sweep;
  if (at === Infinity) await room.ctx.storage.deleteAlarm();
  else await room.ctx.storage.setAlarm(Math.max(at, now + 10));
}
