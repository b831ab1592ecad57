// The one write that ends a room's live session (sets ended_at), whoever ends it: the REST `end`
// route (inside its audited transaction), a host's `room.end` on the socket, or the RoomDO's
// empty-room alarm. Ending an ended session changes nothing and returns undefined. The room.ended
// webhook event is logged in the same transaction, and a recording still running is stopped
// (recordings/stop-on-end.ts); callers wake webhook delivery after the commit.
// Participants still in the room leave with it, in the same transaction and BEFORE room.ended, so a
// receiver sees a room's participant.left events before its room.ended (deliveries go out in log
// order). The RoomDO's own leave rows for them, flushed later, find the sessions closed and emit
// nothing more (usage.ts: `left_at is null`).
import { and, eq, isNull } from 'drizzle-orm';
import { participantSessions, roomSessions } from '@roomcast/schema/db';
import type { Tx } from '../db/database.ts';
import { stopActiveRecordings, type StopRecorder } from '../recordings/stop-on-end.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';

export async function endLiveSession(tx: Tx, roomId: string, sessionId?: string, stopRecorder?: StopRecorder): Promise<typeof roomSessions.$inferSelect | undefined> {
  const [ended] = await tx
    .update(roomSessions)
    .set({ endedAt: new Date() })
    .where(and(eq(roomSessions.roomId, roomId), isNull(roomSessions.endedAt), ...(sessionId ? [eq(roomSessions.id, sessionId)] : [])))
    .returning();
  if (ended?.endedAt) {
    await stopActiveRecordings(tx, roomId, stopRecorder);
    const stillIn = await tx
      .update(participantSessions)
      .set({ leftAt: ended.endedAt })
      .where(and(eq(participantSessions.roomSessionId, ended.id), isNull(participantSessions.leftAt)))
      .returning();
    for (const p of stillIn.sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime())) {
      await emitWebhookEvent(tx, ended.organizationId, 'participant.left', {
        room: { id: roomId },
        session: { id: ended.id },
        participant: { id: p.id, identity: p.identity, name: p.name, role: p.role, userId: p.userId },
        joinedAt: p.joinedAt.toISOString(),
        leftAt: ended.endedAt.toISOString(),
        reason: 'room_ended',
      }, ended.endedAt);
    }
    await emitWebhookEvent(tx, ended.organizationId, 'room.ended', {
      room: { id: roomId },
      session: { id: ended.id, startedAt: ended.startedAt.toISOString(), endedAt: ended.endedAt.toISOString() },
    }, ended.endedAt);
  }
  return ended;
}
