// An encoder (WHIP or RTMP) is the room's host: its first connection makes the room live like the
// host's Go live (trial and plan checked, room.started sent), or joins the live session there is.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { roomSessions } from '@roomcast/schema/db';
import type { Database } from '../db/database.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { assertTrialActive } from '../plans/trial.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import type { StreamKeyOwner } from './stream-key.ts';

export async function openEncoderSession(db: Database, key: StreamKeyOwner) {
  return db.scoped({ organizationId: key.organizationId }, async (tx) => {
    await assertTrialActive(tx, key.organizationId);
    assertFeature(await effectivePlan(tx, key.organizationId), 'apiAccess');
    const [created] = await tx
      .insert(roomSessions)
      .values({ organizationId: key.organizationId, roomId: key.roomId, startedBy: null })
      .onConflictDoNothing({ target: roomSessions.roomId, where: sql`ended_at is null` })
      .returning();
    const [live] = created ? [created] : await tx.select().from(roomSessions).where(and(eq(roomSessions.roomId, key.roomId), isNull(roomSessions.endedAt)));
    if (created) {
      const room = await tx.query.rooms.findFirst({ where: (r, { eq: is }) => is(r.id, key.roomId) });
      await emitWebhookEvent(tx, key.organizationId, 'room.started', {
        room: { id: key.roomId, workspaceId: room!.workspaceId, title: room!.title, slug: room!.slug },
        session: { id: created.id, startedAt: created.startedAt.toISOString() },
      }, created.startedAt);
    }
    return { session: live!, started: Boolean(created) };
  });
}
