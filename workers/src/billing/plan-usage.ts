// What an organization pays for, what applies now, and how far it is into each limit. Shared by
// GET .../subscription and GET .../usage so the web app can say which limits a downgrade left it
// over (new resources are blocked there; nothing existing is ever deleted).
import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { plans, rooms, subscriptions, workspaces } from '@roomcast/schema/db';
import type { z } from 'zod';
import type { LimitUsage, Plan } from '@roomcast/schema/api';
import type { Tx } from '../db/database.ts';
import { countHostSeats, effectivePlan, PAST_DUE_GRACE_MS, type PlanRow } from '../plans/limits.ts';
import { trialState } from '../plans/trial.ts';
import { storageUse } from '../storage/storage-quota.ts';

export const toPlan = (p: PlanRow): z.infer<typeof Plan> => ({
  id: p.id,
  name: p.name,
  priceCents: p.priceCents,
  limits: {
    workspaces: p.maxWorkspaces,
    rooms: p.maxRooms,
    hosts: p.maxHosts,
    viewersPerRoom: p.maxViewersPerRoom,
    storageBytes: p.storageBytes,
  },
  features: { recording: p.recording, sso: p.sso, apiAccess: p.apiAccess },
});

export async function loadSubscription(tx: Tx, organizationId: string) {
  const [row] = await tx
    .select({ subscription: subscriptions, plan: plans })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.organizationId, organizationId));
  if (!row) throw new Error(`organization ${organizationId} has no subscription row`);
  const effective = await effectivePlan(tx, organizationId);
  const { subscription } = row;
  const graceEndsAt = subscription.status === 'past_due' && subscription.pastDueSince ? new Date(subscription.pastDueSince.getTime() + PAST_DUE_GRACE_MS) : null;
  return { subscription, plan: row.plan, effective, graceEndsAt, trial: trialState(subscription) };
}

/** Counts against the effective plan. Viewers are admitted live by each RoomDO, not counted here. */
export async function limitUsage(tx: Tx, organizationId: string, plan: PlanRow): Promise<z.infer<typeof LimitUsage>[]> {
  const [[ws], [rm], hostSeats, storage] = await Promise.all([
    tx.select({ n: count() }).from(workspaces).where(eq(workspaces.organizationId, organizationId)),
    tx.select({ n: count() }).from(rooms).where(and(eq(rooms.organizationId, organizationId), isNull(rooms.deletedAt))),
    countHostSeats(tx, organizationId),
    // Confirmed uploads and recordings (uploads still pending reserve space but are not shown as used).
    storageUse(tx, organizationId),
  ]);
  const entry = (limit: z.infer<typeof LimitUsage>['limit'], max: number | null, current: number | null) => ({
    limit,
    max,
    current,
    exceeded: max !== null && current !== null && current > max,
  });
  return [
    entry('workspaces', plan.maxWorkspaces, ws!.n),
    entry('rooms', plan.maxRooms, rm!.n),
    entry('hosts', plan.maxHosts, hostSeats),
    entry('viewers_per_room', plan.maxViewersPerRoom, null),
    entry('storage', plan.storageBytes, storage.storedBytes),
  ];
}

/**
 * Seconds of participant presence and of live room sessions between `from` and `to`, counting only
 * the overlap of each session with the window (open sessions count up to `now`). Deleted rooms
 * keep their sessions, so their usage stays billed.
 */
export async function usageSeconds(tx: Tx, organizationId: string, from: Date, to: Date): Promise<{ participant: number; stream: number }> {
  const f = from.toISOString();
  const t = to.toISOString();
  const result = await tx.execute<{ participant: string | null; stream: string | null }>(sql`
    select
      (select sum(extract(epoch from least(coalesce(left_at, now()), ${t}::timestamptz) - greatest(joined_at, ${f}::timestamptz)))
         from participant_sessions
        where organization_id = ${organizationId} and joined_at < ${t}::timestamptz and coalesce(left_at, now()) > ${f}::timestamptz) as participant,
      (select sum(extract(epoch from least(coalesce(ended_at, now()), ${t}::timestamptz) - greatest(started_at, ${f}::timestamptz)))
         from room_sessions
        where organization_id = ${organizationId} and started_at < ${t}::timestamptz and coalesce(ended_at, now()) > ${f}::timestamptz) as stream`);
  const row = result.rows[0];
  return { participant: Math.max(0, Number(row?.participant ?? 0)), stream: Math.max(0, Number(row?.stream ?? 0)) };
}

/** The billing period: Stripe's current period when known, otherwise the calendar month (UTC). */
export function currentPeriod(subscription: { currentPeriodStart: Date | null; currentPeriodEnd: Date | null }, now = new Date()) {
  const { currentPeriodStart: start, currentPeriodEnd: end } = subscription;
  if (start && end && start.getTime() <= now.getTime() && now.getTime() < end.getTime()) return { start, end };
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start: monthStart, end: monthEnd };
}
