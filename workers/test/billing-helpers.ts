// Billing test helpers: Stripe-shaped events signed the way Stripe signs them
// (generateTestHeaderStringAsync with the endpoint secret), the FAKE Stripe's request log, and
// direct reads of the billing rows through the API's own database role.
import { env } from 'cloudflare:workers';
import { and, eq, like } from 'drizzle-orm';
import Stripe from 'stripe';
import { auditLog, organizations, stripeEvents, subscriptions } from '@roomcast/schema/db';
import { loadConfig } from '../src/config.ts';
import { Database, type Tx } from '../src/db/database.ts';
import type { Env } from '../src/env.ts';
import { api, type Tenant } from './api-client.ts';

const bindings = env as unknown as Env;
export const config = () => loadConfig(bindings);
const signer = new Stripe('sk_test_signing_only', { httpClient: Stripe.createFetchHttpClient() });
const cryptoProvider = Stripe.createSubtleCryptoProvider();

export const PRICE = {
  starter: bindings.STRIPE_PRICE_STARTER!,
  professional: bindings.STRIPE_PRICE_PROFESSIONAL!,
  business: bindings.STRIPE_PRICE_BUSINESS!,
};

let counter = 0;
export const eventId = () => `evt_test_${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}_${++counter}`;
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface StripeEvent {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}

const event = (type: string, object: Record<string, unknown>, created: number, id = eventId()): StripeEvent => ({
  id,
  type,
  created,
  data: { object },
});

export function subscriptionEvent(
  type: 'customer.subscription.created' | 'customer.subscription.updated' | 'customer.subscription.deleted',
  o: { customer: string; subscription: string; price: string; status?: string; created: number; cancelAtPeriodEnd?: boolean; periodStart?: number; periodEnd?: number },
): StripeEvent {
  const periodStart = o.periodStart ?? o.created;
  const periodEnd = o.periodEnd ?? periodStart + 30 * 86400;
  return event(
    type,
    {
      id: o.subscription,
      object: 'subscription',
      customer: o.customer,
      status: o.status ?? 'active',
      cancel_at_period_end: o.cancelAtPeriodEnd ?? false,
      cancel_at: null,
      items: {
        object: 'list',
        data: [{ id: `si_${o.subscription}`, object: 'subscription_item', price: { id: o.price, object: 'price' }, quantity: 1, current_period_start: periodStart, current_period_end: periodEnd }],
      },
    },
    o.created,
  );
}

export function checkoutCompleted(o: { customer: string; subscription: string; organizationId: string; plan: string; created: number }): StripeEvent {
  return event(
    'checkout.session.completed',
    {
      id: `cs_test_${crypto.randomUUID().slice(0, 8)}`,
      object: 'checkout.session',
      mode: 'subscription',
      status: 'complete',
      payment_status: 'paid',
      customer: o.customer,
      subscription: o.subscription,
      client_reference_id: o.organizationId,
      metadata: { organization_id: o.organizationId, plan: o.plan },
    },
    o.created,
  );
}

export function invoiceEvent(type: 'invoice.payment_failed' | 'invoice.paid', o: { customer: string; subscription: string; created: number }): StripeEvent {
  return event(
    type,
    {
      id: `in_${crypto.randomUUID().slice(0, 8)}`,
      object: 'invoice',
      customer: o.customer,
      status: type === 'invoice.paid' ? 'paid' : 'open',
      parent: { type: 'subscription_details', subscription_details: { subscription: o.subscription, metadata: {} }, quote_details: null },
    },
    o.created,
  );
}

/** Delivers an event to the webhook endpoint, signed with `secret` (the endpoint's by default). */
export async function deliver(e: StripeEvent, options: { secret?: string; signature?: string | null } = {}) {
  const payload = JSON.stringify(e);
  const signature =
    options.signature === null
      ? undefined
      : (options.signature ??
        (await signer.webhooks.generateTestHeaderStringAsync({ payload, secret: options.secret ?? bindings.STRIPE_WEBHOOK_SECRET!, cryptoProvider })));
  return api('POST', '/webhooks/stripe', { rawBody: payload, headers: signature ? { 'stripe-signature': signature } : {} });
}

export interface FakeRequest {
  method: string;
  path: string;
  body: Record<string, any>;
  idempotencyKey: string | null;
  replayed: boolean;
  status: number;
  response: any;
}

/** What the FAKE Stripe received (its test-only inspection endpoint). */
export async function fakeRequests(path?: string): Promise<FakeRequest[]> {
  const res = await fetch(`${bindings.STRIPE_API_BASE}/__fake/requests`);
  const { requests } = (await res.json()) as { requests: FakeRequest[] };
  return path ? requests.filter((r) => r.path === path) : requests;
}

/** Runs `work` on a fresh connection as the API's database role, scoped to one organization for RLS. */
export async function asTenant<T>(organizationId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  const db = new Database(config());
  try {
    return await db.scoped({ organizationId }, work);
  } finally {
    await db.close();
  }
}

export const subscriptionRow = async (t: Tenant) =>
  (await asTenant(t.organizationId, (tx) => tx.select().from(subscriptions).where(eq(subscriptions.organizationId, t.organizationId))))[0]!;

export const customerOf = async (t: Tenant) =>
  (await asTenant(t.organizationId, (tx) => tx.select({ id: organizations.stripeCustomerId }).from(organizations).where(eq(organizations.id, t.organizationId))))[0]!.id;

/** Billing audit entries written by webhooks: one per applied event. */
export const billingAudit = (t: Tenant) =>
  asTenant(t.organizationId, (tx) => tx.select().from(auditLog).where(and(eq(auditLog.organizationId, t.organizationId), like(auditLog.action, 'billing.%'))));

/** stripe_events is global (no tenant): read without a scope. */
export async function recordedEvent(id: string) {
  const db = new Database(config());
  try {
    return (await db.global((g) => g.select().from(stripeEvents).where(eq(stripeEvents.id, id))))[0];
  } finally {
    await db.close();
  }
}

/** An organization with a Stripe customer, made the way the app makes one: by starting Checkout. */
export async function withCustomer(t: Tenant, plan = 'professional'): Promise<string> {
  const res = await api('POST', '/subscriptions', { token: t.token, body: { organizationId: t.organizationId, plan } });
  if (res.status !== 200) throw new Error(`checkout failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (await customerOf(t))!;
}

/** Subscribes an organization to `plan` through signed webhooks, as Stripe would after Checkout. */
export async function subscribe(t: Tenant, plan: keyof typeof PRICE, created = nowSeconds()) {
  const customer = await withCustomer(t, plan);
  const subscription = `sub_${crypto.randomUUID().slice(0, 12)}`;
  const res = await deliver(subscriptionEvent('customer.subscription.created', { customer, subscription, price: PRICE[plan], created }));
  if (res.status !== 200 || res.body.outcome !== 'applied') throw new Error(`subscribe failed: ${JSON.stringify(res.body)}`);
  return { customer, subscription };
}
