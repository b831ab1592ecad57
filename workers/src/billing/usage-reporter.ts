// Reports metered usage to Stripe (cron trigger, every 5 minutes): for each organization with a
// Stripe customer, participant minutes and stream minutes per closed UTC hour ("slice") become
// Stripe meter events. Each slice is sent once:
//  - the event's identifier and the request's idempotency key are the same string per
//    organization + meter + slice, so a resend (crash after Stripe accepted, before we recorded)
//    is deduplicated by Stripe;
//  - a usage_reports row is written after Stripe accepts, and slices with a row are skipped, so a
//    rerun reports nothing new;
//  - a per-organization Redis lock keeps two overlapping runs from working on one organization.
// A slice closes REPORT_LAG after its hour ends, giving the RoomDO usage outbox time to flush.
// Stream usage is metered in minutes (integers); price the meter per 60 units for stream hours.
import { and, eq, gte, sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { usageReports } from '@roomcast/schema/db';
import type { Config } from '../config.ts';
import { Database } from '../db/database.ts';
import { createRedis } from '../platform/redis.ts';
import { stripeClient, type StripeBilling } from './stripe.ts';

const HOUR_MS = 3600_000;
export const REPORT_LAG_MS = 10 * 60_000;
/** How far back unreported slices are looked for (Stripe accepts meter events up to 35 days old). */
export const REPORT_WINDOW_MS = 72 * HOUR_MS;

export interface ReportSummary {
  organizations: number;
  reported: number;
}

export async function reportUsage(config: Config, now = new Date()): Promise<ReportSummary> {
  if (config.billing.mode !== 'stripe') return { organizations: 0, reported: 0 };
  const billing = config.billing;
  const redis = createRedis(config);
  const db = new Database(config);
  const until = new Date(Math.floor((now.getTime() - REPORT_LAG_MS) / HOUR_MS) * HOUR_MS);
  const from = new Date(until.getTime() - REPORT_WINDOW_MS);
  let reported = 0;
  try {
    const customers = await db.global((g) =>
      g.execute<{ organization_id: string; stripe_customer_id: string }>(sql`select organization_id, stripe_customer_id from app_billing_customers()`),
    );
    for (const { organization_id: organizationId, stripe_customer_id: customerId } of customers.rows) {
      const lock = `usage-report:${organizationId}`;
      if ((await redis.set(lock, '1', { nx: true, ex: 300 })) !== 'OK') continue;
      try {
        reported += await reportOrganization(db, billing, organizationId, customerId, from, until);
      } catch (error) {
        // One organization's failure must not stop the others; its slices are retried next run.
        console.error(`usage report for ${organizationId} failed`, error);
      } finally {
        await redis.del(lock);
      }
    }
    return { organizations: customers.rows.length, reported };
  } finally {
    await db.close();
  }
}

interface Slice {
  meter: string;
  sliceStart: Date;
  quantity: number;
}

async function reportOrganization(db: Database, billing: StripeBilling, organizationId: string, customerId: string, from: Date, until: Date) {
  if (until <= from) return 0;
  const pending = await db.scoped({ organizationId }, async (tx) => {
    const slices = await tx.execute<{ slice_start: string; participant: string | null; stream: string | null }>(sql`
      with slices as (
        select s as slice_start, s + interval '1 hour' as slice_end
          from generate_series(${from.toISOString()}::timestamptz, ${until.toISOString()}::timestamptz - interval '1 hour', interval '1 hour') s)
      select slices.slice_start,
        (select sum(extract(epoch from least(coalesce(p.left_at, now()), slice_end) - greatest(p.joined_at, slice_start)))
           from participant_sessions p
          where p.organization_id = ${organizationId} and p.joined_at < slice_end and coalesce(p.left_at, now()) > slice_start) as participant,
        (select sum(extract(epoch from least(coalesce(r.ended_at, now()), slice_end) - greatest(r.started_at, slice_start)))
           from room_sessions r
          where r.organization_id = ${organizationId} and r.started_at < slice_end and coalesce(r.ended_at, now()) > slice_start) as stream
        from slices`);
    const done = await tx
      .select({ meter: usageReports.meter, sliceStart: usageReports.sliceStart })
      .from(usageReports)
      .where(and(eq(usageReports.organizationId, organizationId), gte(usageReports.sliceStart, from)));
    const doneKeys = new Set(done.map((d) => `${d.meter}|${d.sliceStart.getTime()}`));
    const out: Slice[] = [];
    for (const row of slices.rows) {
      const sliceStart = new Date(row.slice_start);
      for (const [meter, seconds] of [
        [billing.meters.participantMinutes, row.participant],
        [billing.meters.streamMinutes, row.stream],
      ] as const) {
        const quantity = Math.round(Number(seconds ?? 0) / 60);
        if (quantity > 0 && !doneKeys.has(`${meter}|${sliceStart.getTime()}`)) out.push({ meter, sliceStart, quantity });
      }
    }
    return out;
  });

  const stripe = stripeClient(billing);
  for (const slice of pending) {
    const identifier = `usage-${organizationId}-${slice.meter}-${slice.sliceStart.getTime() / 1000}`;
    try {
      await stripe.billing.meterEvents.create(
        {
          event_name: slice.meter,
          identifier,
          // Inside the hour it measures, so Stripe bills it to the right period.
          timestamp: Math.floor((slice.sliceStart.getTime() + HOUR_MS) / 1000) - 1,
          payload: { stripe_customer_id: customerId, value: String(slice.quantity) },
        },
        { idempotencyKey: identifier },
      );
    } catch (error) {
      // The key was already used for this slice (a concurrent or crashed earlier run got through):
      // Stripe has the event, so record it rather than retry it forever.
      if (!(error instanceof Stripe.errors.StripeIdempotencyError)) throw error;
    }
    await db.scoped({ organizationId }, (tx) =>
      tx.insert(usageReports).values({ organizationId, meter: slice.meter, sliceStart: slice.sliceStart, quantity: slice.quantity, identifier }).onConflictDoNothing(),
    );
  }
  return pending.length;
}
