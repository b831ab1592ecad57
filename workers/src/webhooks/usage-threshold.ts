// usage.threshold: when a count the plan limits crosses 80 % or 100 % of its limit, upwards.
// Called in the transaction that changed the count, with the count before and after (`before` is
// what assertWithinLimit returned: null on an unlimited plan). Rooms, workspaces and host seats
// are counted in Postgres (their routes call this); viewers per room by the RoomDO (hello.ts, which
// queues the event in its usage outbox, once per room session and threshold).
import { LIMIT_COLUMNS, type LimitName } from '@roomcast/schema';
import type { Tx } from '../db/database.ts';
import { effectivePlan } from '../plans/limits.ts';
import { emitWebhookEvent } from './events.ts';

const THRESHOLDS = [80, 100] as const;

/** The thresholds (percent of `max`) a count passes going from `before` to `after`, upwards. */
export function thresholdsCrossed(max: number, before: number, after: number): (typeof THRESHOLDS)[number][] {
  if (max <= 0) return [];
  return THRESHOLDS.filter((threshold) => {
    const line = (threshold / 100) * max;
    return before < line && after >= line;
  });
}

/** Logs an event per threshold crossed; true when any delivery was made. */
export async function emitUsageThreshold(tx: Tx, organizationId: string, limit: LimitName, before: number | null, after: number): Promise<boolean> {
  if (before === null) return false;
  const plan = await effectivePlan(tx, organizationId);
  const max = plan[LIMIT_COLUMNS[limit]];
  if (max === null || max <= 0) return false;
  let delivered = 0;
  for (const threshold of thresholdsCrossed(max, before, after)) {
    delivered += await emitWebhookEvent(tx, organizationId, 'usage.threshold', { limit, threshold, used: after, max, plan: plan.id });
  }
  return delivered > 0;
}
