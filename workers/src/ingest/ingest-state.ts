// The ingest state Postgres keeps for the room page (`ingest_keys.state`) and the
// ingest.disconnected webhook, written from wherever a WHIP session ends: its DELETE, a rotated or
// revoked key (the Worker), or the node losing it (the RoomDO).
import { eq } from 'drizzle-orm';
import { ingestKeys } from '@roomcast/schema/db';
import { sha256Hex } from '../auth/crypto.ts';
import type { Config } from '../config.ts';
import { Database } from '../db/database.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import { wakeWebhookDelivery } from '../webhooks/wake.ts';

export type EncoderProtocol = 'whip' | 'rtmp';

/** What webhooks and the room page call a session: never its URL id, which is a credential. */
export const publicSessionId = async (sessionId: string, protocol: EncoderProtocol = 'whip') => `${protocol}_${(await sha256Hex(sessionId)).slice(0, 24)}`;

/** The room's encoder sessions ended: state idle, one ingest.disconnected per session. */
export async function recordIngestEnded(db: Database, organizationId: string, roomId: string, sessionIds: string[], reason: string, protocol: EncoderProtocol = 'whip'): Promise<void> {
  if (sessionIds.length === 0) return;
  const at = new Date();
  await db.scoped({ organizationId }, async (tx) => {
    await tx.update(ingestKeys).set({ state: 'idle', stateChangedAt: at }).where(eq(ingestKeys.roomId, roomId));
    for (const id of sessionIds) {
      await emitWebhookEvent(tx, organizationId, 'ingest.disconnected', { ingest: { id: await publicSessionId(id, protocol), roomId, protocol }, at: at.toISOString(), reason }, at);
    }
  });
  await wakeWebhookDelivery(organizationId);
}

/** The same, on a connection of its own, logged rather than thrown (after a response, in a DO). */
export async function recordIngestEndedLater(config: Config, organizationId: string, roomId: string, sessionIds: string[], reason: string, protocol: EncoderProtocol = 'whip'): Promise<void> {
  const db = new Database(config);
  try {
    await recordIngestEnded(db, organizationId, roomId, sessionIds, reason, protocol);
  } catch (error) {
    console.error('ingest: recording the end of an encoder session failed', error);
  } finally {
    await db.close();
  }
}
