// The one write that ends a room's live session (sets ended_at), whoever ends it: the REST `end`
// route (inside its audited transaction), a host's `room.end` on the socket, or the RoomDO's
// empty-room alarm. Ending an ended session changes nothing and returns undefined. The room.ended
// webhook event is logged in the same transaction, and a recording still running is stopped
// (recordings/stop-on-end.ts); callers wake webhook delivery after the commit.
import { and, eq, isNull } from 'drizzle-orm';
import { roomSessions } from '@roomcast/schema/db';
import type { Tx } from '../db/database.ts';
import { stopActiveRecordings } from '../recordings/stop-on-end.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';

export async function endLiveSession(tx: Tx, roomId: string, sessionId?: string): Promise<typeof roomSessions.$inferSelect | undefined> {
  const [ended] = await tx
    .update(roomSessions)
    .set({ endedAt: new Date() })
    .where(and(eq(roomSessions.roomId, roomId), isNull(roomSessions.endedAt), ...(sessionId ? [eq(roomSessions.id, sessionId)] : [])))
    .returning();
  if (ended?.endedAt) {
    await stopActiveRecordings(tx, roomId);
    await emitWebhookEvent(tx, ended.organizationId, 'room.ended', {
      room: { id: roomId },
      session: { id: ended.id, startedAt: ended.startedAt.toISOString(), endedAt: ended.endedAt.toISOString() },
    }, ended.endedAt);
  }
  return ended;
}
