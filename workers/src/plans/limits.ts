// The organization's effective plan and the checks that keep it within its limits. A limit is
// checked under a per-organization advisory lock so two concurrent creates cannot both pass.
import { and, count, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { invitations, memberships, plans, subscriptions } from '@roomcast/schema/db';
import { DEFAULT_PLAN, HOST_ROLES, LIMIT_COLUMNS, type LimitName } from '@roomcast/schema';
import type { Tx } from '../db/database.ts';
import { ApiError } from '../errors.ts';

/** How long a past-due organization keeps its paid limits before falling back to Starter. */
export const PAST_DUE_GRACE_MS = 7 * 24 * 3600_000;

export type PlanRow = typeof plans.$inferSelect;

export async function effectivePlan(tx: Tx, organizationId: string): Promise<PlanRow> {
  const [row] = await tx
    .select({ plan: plans, status: subscriptions.status, pastDueSince: subscriptions.pastDueSince })
    .from(subscriptions)
    .innerJoin(plans, eq(plans.id, subscriptions.planId))
    .where(eq(subscriptions.organizationId, organizationId));
  const lapsed =
    !row ||
    row.status === 'canceled' ||
    (row.status === 'past_due' && row.pastDueSince !== null && Date.now() - row.pastDueSince.getTime() > PAST_DUE_GRACE_MS);
  if (row && !lapsed) return row.plan;
  const [fallback] = await tx.select().from(plans).where(eq(plans.id, DEFAULT_PLAN));
  if (!fallback) throw new Error('plans table is empty: run npm run db:migrate');
  return fallback;
}

const LIMIT_LABELS: Record<LimitName, string> = {
  workspaces: 'workspaces',
  rooms: 'rooms',
  hosts: 'hosts (owners, admins, hosts and co-hosts)',
  viewers_per_room: 'viewers per room',
};

/**
 * Throws `plan_limit` when adding `adding` more would exceed the plan's limit. Returns the count
 * before the addition (null on an unlimited plan), for `emitUsageThreshold` after the insert.
 */
export async function assertWithinLimit(
  tx: Tx,
  organizationId: string,
  limit: LimitName,
  countExisting: () => Promise<number>,
  adding = 1,
): Promise<number | null> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${organizationId}), hashtext(${limit}))`);
  const plan = await effectivePlan(tx, organizationId);
  const max = plan[LIMIT_COLUMNS[limit]];
  if (max === null) return null;
  const current = await countExisting();
  if (current + adding > max) {
    throw new ApiError(
      403,
      'plan_limit',
      `The ${plan.name} plan allows ${max} ${LIMIT_LABELS[limit]}; this organization has ${current}. Upgrade to add more.`,
      { limit, max, current, plan: plan.id },
    );
  }
  return current;
}

/** Host seats = members plus pending invitations whose role may go live (the `hosts` limit). */
export async function countHostSeats(tx: Tx, organizationId: string): Promise<number> {
  const [[members], [pending]] = await Promise.all([
    tx.select({ n: count() }).from(memberships).where(and(eq(memberships.organizationId, organizationId), inArray(memberships.role, [...HOST_ROLES]))),
    tx
      .select({ n: count() })
      .from(invitations)
      .where(
        and(
          eq(invitations.organizationId, organizationId),
          inArray(invitations.role, [...HOST_ROLES]),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
          gt(invitations.expiresAt, sql`now()`),
        ),
      ),
  ]);
  return members!.n + pending!.n;
}

export function assertFeature(plan: PlanRow, feature: 'apiAccess' | 'recording' | 'sso') {
  if (plan[feature]) return;
  const names = { apiAccess: 'API access', recording: 'Recording', sso: 'SSO' } as const;
  throw new ApiError(403, 'plan_limit', `${names[feature]} is not included in the ${plan.name} plan. Upgrade to use it.`, {
    limit: feature === 'apiAccess' ? 'api_access' : feature,
    plan: plan.id,
  });
}
