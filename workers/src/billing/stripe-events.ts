// Applies one verified Stripe event to the organization's subscription row, exactly once.
//
// Exactly once, under retries and concurrent deliveries:
//  1. A Redis claim (SET NX with a TTL) lets one delivery of an event id work at a time; a
//     concurrent duplicate is answered 409 and Stripe delivers it again later.
//  2. The durable record is the stripe_events row, inserted in the SAME transaction as the state
//     change (ON CONFLICT DO NOTHING): if it already exists the event was applied and nothing runs.
//  A crash between claim and commit leaves no row and rolls the change back; the claim expires
//  after its TTL and Stripe's next retry applies the event. A crash after commit leaves the row, so
//  the retry is a no-op. Redis is only the fast path; Postgres is the truth.
//
// Out of order: each applied event stores its Stripe `created` in subscriptions.last_event_at; an
// older event is recorded (so it is not retried) and ignored, so state never rolls backwards.
// Events created in the same second apply in arrival order.
//
// Row-level security: a webhook has no tenant principal. The organization is found from the
// Stripe customer id with the SECURITY DEFINER function app_find_organization_by_stripe_customer
// (migration 0005), the same narrow pattern as API-key and invitation lookups (0002); the write
// itself then runs in a transaction scoped to that organization, so RLS still applies to it and
// the API role never needs to bypass RLS.
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type Stripe from 'stripe';
import type { Redis } from '@upstash/redis/cloudflare';
import { auditLog, stripeEvents, subscriptions } from '@roomcast/schema/db';
import type { PlanId } from '@roomcast/schema';
import type { Database } from '../db/database.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import { wakeWebhookDelivery } from '../webhooks/wake.ts';
import { ApiError } from '../errors.ts';
import { planForPrice, type StripeBilling } from './stripe.ts';

export type EventOutcome = 'applied' | 'duplicate' | 'stale' | 'ignored';

const CLAIM_TTL_SECONDS = 120;
const HANDLED = new Set([
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.payment_failed',
  'invoice.paid',
]);

/**
 * What the code below reads of an event, checked before anything is claimed or written. A valid
 * signature proves who sent the bytes, not their shape (a Stripe API version change, a test
 * event): a malformed event is a 400 with the standard body, never a TypeError turned 500.
 */
const EventEnvelope = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  created: z.number().int().positive(),
  data: z.object({ object: z.looseObject({}) }),
});
const SubscriptionObject = z.looseObject({
  id: z.string().min(1),
  items: z.looseObject({ data: z.array(z.looseObject({ price: z.looseObject({ id: z.string() }).optional() })) }),
});

function assertEventShape(event: Stripe.Event): void {
  const envelope = EventEnvelope.safeParse(event);
  const object = envelope.success && event.type.startsWith('customer.subscription.') ? SubscriptionObject.safeParse(event.data.object) : envelope;
  if (!envelope.success || !object.success) {
    const issue = (envelope.success ? object : envelope).error?.issues[0];
    throw new ApiError(400, 'invalid_event', `The Stripe event is malformed: ${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'}`);
  }
}

export async function processStripeEvent(db: Database, redis: Redis, billing: StripeBilling, event: Stripe.Event): Promise<EventOutcome> {
  assertEventShape(event);
  const claimKey = `stripe-event:${event.id}`;
  // Redis down: go on without the fast path; the stripe_events row still applies the event once.
  const claimed = await redis.set(claimKey, 'processing', { nx: true, ex: CLAIM_TTL_SECONDS }).catch((error: unknown) => {
    console.error('stripe event claim: Redis unavailable', error);
    return 'OK' as const;
  });
  if (claimed !== 'OK') {
    if (await alreadyRecorded(db, event.id)) return 'duplicate';
    throw new ApiError(409, 'event_in_progress', 'This event is being processed by another delivery; Stripe will retry');
  }
  try {
    const outcome = await apply(db, billing, event);
    await redis.set(claimKey, 'done', { ex: CLAIM_TTL_SECONDS }).catch(() => {});
    return outcome;
  } catch (error) {
    // Let the next delivery try at once instead of waiting for the claim to expire.
    await redis.del(claimKey).catch(() => {});
    throw error;
  }
}

async function alreadyRecorded(db: Database, eventId: string) {
  const [row] = await db.global((g) => g.select({ id: stripeEvents.id }).from(stripeEvents).where(eq(stripeEvents.id, eventId)));
  return Boolean(row);
}

async function apply(db: Database, billing: StripeBilling, event: Stripe.Event): Promise<EventOutcome> {
  const eventAt = new Date(event.created * 1000);
  const record = { id: event.id, type: event.type, stripeCreatedAt: eventAt };
  const customerId = HANDLED.has(event.type) ? customerOf(event) : undefined;
  const organizationId = customerId ? await organizationForCustomer(db, customerId) : undefined;
  if (!organizationId) {
    // Not ours to act on (an unhandled type, or a customer we never created): recorded once, ignored.
    const [inserted] = await db.global((g) => g.insert(stripeEvents).values({ ...record, organizationId: null }).onConflictDoNothing().returning());
    return inserted ? 'ignored' : 'duplicate';
  }
  const outcome = await db.scoped({ organizationId }, async (tx): Promise<EventOutcome> => {
    const [inserted] = await tx.insert(stripeEvents).values({ ...record, organizationId }).onConflictDoNothing().returning();
    if (!inserted) return 'duplicate';
    // Serializes concurrent events of one organization on its subscription row.
    const [current] = await tx.select().from(subscriptions).where(eq(subscriptions.organizationId, organizationId)).for('update');
    if (!current) return 'ignored';
    if (current.lastEventAt && eventAt.getTime() < current.lastEventAt.getTime()) return 'stale';
    const change = changeFor(billing, event, current, eventAt);
    if (!change) return 'ignored';
    await tx
      .update(subscriptions)
      .set({ ...change, lastEventAt: eventAt, updatedAt: new Date() })
      .where(eq(subscriptions.organizationId, organizationId));
    await tx.insert(auditLog).values({
      organizationId,
      action: `billing.${event.type}`,
      targetType: 'subscription',
      targetId: current.id,
      data: { eventId: event.id, ...change },
    });
    const [after] = await tx.select().from(subscriptions).where(eq(subscriptions.organizationId, organizationId));
    if (after && (after.planId !== current.planId || after.status !== current.status || after.cancelAtPeriodEnd !== current.cancelAtPeriodEnd)) {
      await emitWebhookEvent(tx, organizationId, 'subscription.updated', {
        plan: after.planId,
        status: after.status,
        previousPlan: current.planId,
        cancelAtPeriodEnd: after.cancelAtPeriodEnd,
      }, eventAt);
    }
    return 'applied';
  });
  if (outcome === 'applied') await wakeWebhookDelivery(organizationId);
  return outcome;
}

function customerOf(event: Stripe.Event): string | undefined {
  const customer = (event.data.object as { customer?: string | { id: string } | null }).customer;
  return typeof customer === 'string' ? customer : (customer?.id ?? undefined);
}

async function organizationForCustomer(db: Database, customerId: string): Promise<string | undefined> {
  const rows = await db.global((g) => g.execute<{ organization_id: string }>(sql`select organization_id from app_find_organization_by_stripe_customer(${customerId})`));
  return rows.rows[0]?.organization_id;
}

type SubscriptionRow = typeof subscriptions.$inferSelect;
type Change = Partial<Pick<SubscriptionRow, 'planId' | 'status' | 'stripeSubscriptionId' | 'currentPeriodStart' | 'currentPeriodEnd' | 'cancelAtPeriodEnd' | 'pastDueSince'>>;

const STATUS: Record<string, SubscriptionRow['status'] | undefined> = {
  trialing: 'trialing',
  active: 'active',
  past_due: 'past_due',
  unpaid: 'past_due',
  paused: 'past_due',
  canceled: 'canceled',
  incomplete_expired: 'canceled',
  // `incomplete`: the first payment has not gone through yet; nothing changes until it does.
};

/** The subscription change an event asks for, or null when it does not concern this row. */
function changeFor(billing: StripeBilling, event: Stripe.Event, current: SubscriptionRow, eventAt: Date): Change | null {
  const pastDue = (status: SubscriptionRow['status']) => (status === 'past_due' ? (current.pastDueSince ?? eventAt) : null);
  // Events about another (older) Stripe subscription of this customer must not touch the current one.
  const isCurrent = (subscriptionId: string | null | undefined) => !current.stripeSubscriptionId || current.stripeSubscriptionId === subscriptionId;

  switch (event.type) {
    case 'checkout.session.completed': {
      const session = event.data.object;
      if (session.mode !== 'subscription' || typeof session.subscription !== 'string') return null;
      const plan = session.metadata?.plan;
      const paid = session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
      return {
        stripeSubscriptionId: session.subscription,
        ...(paid && plan && billing.priceIds[plan as PlanId] ? { planId: plan, status: 'active' as const, pastDueSince: null } : {}),
      };
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted': {
      const sub = event.data.object;
      if (event.type !== 'customer.subscription.created' && !isCurrent(sub.id)) return null;
      const status = event.type === 'customer.subscription.deleted' ? 'canceled' : STATUS[sub.status];
      if (!status) return null;
      const item = sub.items.data[0];
      const plan = planForPrice(billing, item?.price.id);
      const period = item ?? (sub as unknown as { current_period_start?: number; current_period_end?: number });
      return {
        stripeSubscriptionId: sub.id,
        status,
        ...(plan ? { planId: plan } : {}),
        cancelAtPeriodEnd: status !== 'canceled' && (sub.cancel_at_period_end || Boolean(sub.cancel_at)),
        currentPeriodStart: period.current_period_start ? new Date(period.current_period_start * 1000) : current.currentPeriodStart,
        currentPeriodEnd: period.current_period_end ? new Date(period.current_period_end * 1000) : current.currentPeriodEnd,
        pastDueSince: pastDue(status),
      };
    }
    case 'invoice.payment_failed':
    case 'invoice.paid': {
      const invoice = event.data.object;
      const subscriptionId = invoice.parent?.subscription_details?.subscription;
      const id = typeof subscriptionId === 'string' ? subscriptionId : subscriptionId?.id;
      if (!id || !isCurrent(id)) return null;
      if (event.type === 'invoice.paid') {
        // A paid invoice ends a past-due spell; it never revives a canceled subscription.
        return current.status === 'past_due' ? { status: 'active', pastDueSince: null } : null;
      }
      if (current.status === 'canceled') return null;
      return { status: 'past_due', pastDueSince: pastDue('past_due') };
    }
    default:
      return null;
  }
}
