// An encoder (WHIP or RTMP) is the room's host: its first connection makes the room live like the
// host's Go live (trial and plan checked, room.started sent, the recording opened when the room
// records automatically), or joins the live session there is.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { rooms, roomSessions } from '@roomcast/schema/db';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { assertTrialActive } from '../plans/trial.ts';
import { openFlaggedRecording } from '../recordings/open-recording.ts';
import { ObjectStore } from '../storage/object-store.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import type { StreamKeyOwner } from './stream-key.ts';

/** The caller announces `recording` to the room (announceRecording) once this has committed. */
export async function openEncoderSession(db: Database, config: Config, key: StreamKeyOwner) {
  return db.scoped({ organizationId: key.organizationId }, async (tx) => {
    await assertTrialActive(tx, key.organizationId);
    assertFeature(await effectivePlan(tx, key.organizationId), 'apiAccess');
    const [created] = await tx
      .insert(roomSessions)
      .values({ organizationId: key.organizationId, roomId: key.roomId, startedBy: null })
      .onConflictDoNothing({ target: roomSessions.roomId, where: sql`ended_at is null` })
      .returning();
    const [live] = created ? [created] : await tx.select().from(roomSessions).where(and(eq(roomSessions.roomId, key.roomId), isNull(roomSessions.endedAt)));
    let recording: Awaited<ReturnType<typeof openFlaggedRecording>>;
    if (created) {
      const [room] = await tx.select().from(rooms).where(eq(rooms.id, key.roomId));
      await emitWebhookEvent(tx, key.organizationId, 'room.started', {
        room: { id: key.roomId, workspaceId: room!.workspaceId, title: room!.title, slug: room!.slug },
        session: { id: created.id, startedAt: created.startedAt.toISOString() },
      }, created.startedAt);
      if (room!.recording) recording = await openFlaggedRecording(tx, config.storage && new ObjectStore(config.storage), { organizationId: key.organizationId, roomId: key.roomId, sessionId: created.id });
    }
    return { session: live!, started: Boolean(created), recording };
  });
}
