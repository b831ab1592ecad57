// How many organizations one user may start: each new one comes with a Starter trial, so without
// a bound one account could hold hundreds of trials (and their rooms). A rate per hour stops
// scripted bursts; a cap on organizations owned without a paid subscription stops the slow
// accumulation. Paid organizations never count, and nothing existing is touched.
import { sql } from 'drizzle-orm';
import type { Context } from 'hono';
import type { Tx } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import type { AppEnv } from '../http.ts';
import { enforceRateLimit } from '../platform/rate-limit.ts';

export async function limitOrganizationCreationRate(c: Context<AppEnv>, userId: string): Promise<void> {
  const { redis, config } = c.var;
  await enforceRateLimit(redis, `org-create:user:${userId}`, config.organizations.createPerHour, 3600, 'Too many new organizations; try again in an hour');
}

/** Runs in the creating transaction (scoped to the user): concurrent creates queue on the lock. */
export async function assertUnpaidOrganizationCap(tx: Tx, userId: string, max: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${userId}), hashtext('organizations'))`);
  const result = await tx.execute<{ n: number }>(sql`select app_unpaid_owned_organizations() as n`);
  const current = Number(result.rows[0]?.n ?? 0);
  if (current >= max) {
    throw new ApiError(
      403,
      'plan_limit',
      `You already own ${current} organizations without a paid plan (the most allowed is ${max}). Subscribe one of them to a plan to create more.`,
      { limit: 'unpaid_organizations', max, current },
    );
  }
}
