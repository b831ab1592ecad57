// `egress.failed` for the organization's webhook endpoints: sent by the RoomDO when the room's HLS
// run fails or a multistream destination is given up (rooms/media/room-hls.ts,
// room-multistream.ts). Written to the delivery log in its own transaction, then the
// organization's delivery object is woken (the cron backstop finds a lost wake-up).
import type { WebhookEventData } from '@roomcast/schema/api';
import type { Config } from '../config.ts';
import { Database } from '../db/database.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import { wakeWebhookDelivery } from '../webhooks/wake.ts';

export type EgressFailure = WebhookEventData<'egress.failed'>['egress'] & { reason: string };

export async function emitEgressFailed(config: Config, organizationId: string, failure: EgressFailure, at = new Date()): Promise<void> {
  const { reason, ...egress } = failure;
  const db = new Database(config);
  try {
    const sent = await db.scoped({ organizationId }, (tx) => emitWebhookEvent(tx, organizationId, 'egress.failed', { egress, reason: reason.slice(0, 500), at: at.toISOString() }, at));
    if (sent > 0) await wakeWebhookDelivery(organizationId);
  } finally {
    await db.close();
  }
}
