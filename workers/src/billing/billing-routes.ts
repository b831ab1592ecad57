// Billing API: the public plan list, Checkout and Billing Portal sessions (Stripe mode), the
// organization's subscription and usage, and the LOCAL MODE plan switch (no Stripe keys).
import { createRoute } from '@hono/zod-openapi';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Context } from 'hono';
import {
  CreateCheckoutInput,
  CreatePortalInput,
  LocalPlanInput,
  OrganizationSubscription,
  OrganizationUsage,
  PlanList,
  RedirectUrl,
} from '@roomcast/schema/api';
import { organizations, plans, subscriptions } from '@roomcast/schema/db';
import type { PlanId } from '@roomcast/schema';
import { ApiError, conflict, forbidden } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, iso, jsonBody, jsonContent, OrgParam, type AppEnv } from '../http.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import { wakeWebhookDelivery } from '../webhooks/wake.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import { currentPeriod, limitUsage, loadSubscription, toPlan, usageSeconds } from './plan-usage.ts';
import { callStripe, requireStripe, stripeClient, type StripeBilling } from './stripe.ts';

export const subscriptionRoutes = createRouter();
export const organizationBillingRoutes = createRouter();

subscriptionRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/plans',
    tags: ['billing'],
    summary: 'The plans with their limits and prices (public)',
    responses: { 200: jsonContent(PlanList, 'Plans') },
  }),
  async (c) => {
    const billing = c.var.config.billing;
    const rows = await c.var.db.global((db) => db.select().from(plans).orderBy(asc(plans.sortOrder)));
    return c.json(
      {
        mode: billing.mode,
        plans: rows.map((p) => ({ ...toPlan(p), checkout: billing.mode === 'stripe' && Boolean(billing.priceIds[p.id as PlanId]) })),
      },
      200,
    );
  },
);

/** Where Stripe sends the browser back: a path on our own origin, never a caller-chosen host. */
function returnUrl(c: Context<AppEnv>, organizationId: string, path: string | undefined, outcome?: string) {
  const url = new URL(path ?? `/app/${organizationId}/billing`, c.var.config.webUrl ?? c.req.url);
  if (outcome) url.searchParams.set('checkout', outcome);
  return url.toString();
}

/**
 * The organization's Stripe customer, created at most once. Concurrent first checkouts send the
 * same idempotency key, so Stripe answers them all with one customer; the conditional update
 * (only while the column is still empty) keeps the first one stored even after keys expire.
 */
async function ensureCustomer(c: Context<AppEnv>, billing: StripeBilling, organizationId: string, known: { name: string; customerId: string | null }) {
  if (known.customerId) return known.customerId;
  const customer = await callStripe('create the customer', () =>
    stripeClient(billing).customers.create({ name: known.name, metadata: { organization_id: organizationId } }, { idempotencyKey: `customer-${organizationId}` }),
  );
  return c.var.db.scoped({ organizationId }, async (tx) => {
    const [stored] = await tx
      .update(organizations)
      .set({ stripeCustomerId: customer.id, updatedAt: new Date() })
      .where(and(eq(organizations.id, organizationId), isNull(organizations.stripeCustomerId)))
      .returning({ customerId: organizations.stripeCustomerId });
    if (stored?.customerId) return stored.customerId;
    const [existing] = await tx.select({ customerId: organizations.stripeCustomerId }).from(organizations).where(eq(organizations.id, organizationId));
    return existing!.customerId!;
  });
}

subscriptionRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/',
    tags: ['billing'],
    summary: 'Start Stripe Checkout for a plan (owner, admin); returns the Checkout URL',
    security: bearerSecurity,
    request: jsonBody(CreateCheckoutInput),
    responses: { 200: jsonContent(RedirectUrl, 'Checkout session'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const input = c.req.valid('json');
    const org = input.organizationId;
    const billing = requireStripe(c.var.config);
    const priceId = billing.priceIds[input.plan];
    if (!priceId) throw new ApiError(400, 'plan_not_purchasable', `The ${input.plan} plan cannot be bought online; contact sales`);
    const known = await withOrganization(c.var.db, c.var.principal, org, 'billing.manage', async (tx) => {
      const [row] = await tx
        .select({ name: organizations.name, customerId: organizations.stripeCustomerId, subscriptionId: subscriptions.stripeSubscriptionId, status: subscriptions.status })
        .from(organizations)
        .innerJoin(subscriptions, eq(subscriptions.organizationId, organizations.id))
        .where(eq(organizations.id, org));
      return row!;
    });
    // One Stripe subscription per organization: plan changes of a live one go through the Portal.
    if (known.subscriptionId && known.status !== 'canceled') {
      throw conflict('This organization already has a Stripe subscription; change its plan in the billing portal', 'subscription_exists');
    }
    const customer = await ensureCustomer(c, billing, org, known);
    const session = await callStripe('start Checkout', () =>
      stripeClient(billing).checkout.sessions.create({
        mode: 'subscription',
        customer,
        line_items: [{ price: priceId, quantity: 1 }],
        client_reference_id: org,
        metadata: { organization_id: org, plan: input.plan },
        subscription_data: { metadata: { organization_id: org, plan: input.plan } },
        success_url: returnUrl(c, org, input.returnPath, 'success'),
        cancel_url: returnUrl(c, org, input.returnPath, 'canceled'),
      }),
    );
    if (!session.url) throw new Error('Stripe returned a Checkout session without a URL');
    return c.json({ url: session.url }, 200);
  },
);

subscriptionRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/portal',
    tags: ['billing'],
    summary: 'A Stripe Billing Portal session (owner, admin); returns its URL',
    security: bearerSecurity,
    request: jsonBody(CreatePortalInput),
    responses: { 200: jsonContent(RedirectUrl, 'Portal session'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const input = c.req.valid('json');
    const billing = requireStripe(c.var.config);
    const customerId = await withOrganization(c.var.db, c.var.principal, input.organizationId, 'billing.manage', async (tx) => {
      const [row] = await tx.select({ customerId: organizations.stripeCustomerId }).from(organizations).where(eq(organizations.id, input.organizationId));
      return row!.customerId;
    });
    if (!customerId) throw conflict('This organization has no Stripe customer yet; subscribe to a plan first', 'no_customer');
    const session = await callStripe('open the billing portal', () =>
      stripeClient(billing).billingPortal.sessions.create({ customer: customerId, return_url: returnUrl(c, input.organizationId, input.returnPath) }),
    );
    return c.json({ url: session.url }, 200);
  },
);

organizationBillingRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/subscription',
    tags: ['billing'],
    summary: 'The plan, status, period, past-due grace and exceeded limits (owner, admin)',
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: { 200: jsonContent(OrganizationSubscription, 'Subscription'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const body = await withOrganization(c.var.db, c.var.principal, org, 'usage.read', async (tx) => {
      const { subscription: s, plan, effective, graceEndsAt, trial } = await loadSubscription(tx, org);
      const limits = await limitUsage(tx, org, effective);
      return {
        organizationId: org,
        mode: c.var.config.billing.mode,
        plan: toPlan(plan),
        effectivePlan: toPlan(effective),
        status: s.status,
        stripeSubscription: Boolean(s.stripeSubscriptionId) && s.status !== 'canceled',
        currentPeriodStart: iso(s.currentPeriodStart),
        currentPeriodEnd: iso(s.currentPeriodEnd),
        cancelAtPeriodEnd: s.cancelAtPeriodEnd,
        pastDueSince: iso(s.pastDueSince),
        graceEndsAt: iso(graceEndsAt),
        trialEndsAt: iso(trial.trialEndsAt),
        trialExpired: trial.trialExpired,
        limits,
        exceeded: limits.filter((l) => l.exceeded).map((l) => l.limit),
      };
    });
    return c.json(body, 200);
  },
);

organizationBillingRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/usage',
    tags: ['billing'],
    summary: 'Usage in the current billing period: participant minutes, stream hours, limits (owner, admin)',
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: { 200: jsonContent(OrganizationUsage, 'Usage'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const body = await withOrganization(c.var.db, c.var.principal, org, 'usage.read', async (tx) => {
      const { subscription, effective, trial } = await loadSubscription(tx, org);
      const now = new Date();
      const period = currentPeriod(subscription, now);
      const seconds = await usageSeconds(tx, org, period.start, now);
      const limits = await limitUsage(tx, org, effective);
      return {
        organizationId: org,
        period: { start: period.start.toISOString(), end: period.end.toISOString() },
        participantMinutes: Math.round((seconds.participant / 60) * 100) / 100,
        streamHours: Math.round((seconds.stream / 3600) * 1000) / 1000,
        trialEndsAt: iso(trial.trialEndsAt),
        trialExpired: trial.trialExpired,
        limits,
        exceeded: limits.filter((l) => l.exceeded).map((l) => l.limit),
      };
    });
    return c.json(body, 200);
  },
);

organizationBillingRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/subscription/local-plan',
    tags: ['billing'],
    summary: 'LOCAL MODE only (no Stripe keys): switch the plan directly (owner only)',
    security: bearerSecurity,
    request: { params: OrgParam, ...jsonBody(LocalPlanInput) },
    responses: { 200: jsonContent(OrganizationSubscription.pick({ organizationId: true, mode: true, plan: true, status: true }), 'Switched'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const { plan: planId } = c.req.valid('json');
    if (c.var.config.billing.mode !== 'local') {
      throw conflict('Stripe manages this organization\'s plan; use Checkout or the billing portal', 'billing_stripe_mode');
    }
    const body = await withOrganization(c.var.db, c.var.principal, org, 'billing.manage', async (tx, access) => {
      // Billing changes are the owner's call; admins may start Checkout but not bypass it.
      if (access.role !== 'owner') throw forbidden('Only an owner switches plans in local mode');
      const [previous] = await tx.select({ planId: subscriptions.planId }).from(subscriptions).where(eq(subscriptions.organizationId, org));
      await tx
        .update(subscriptions)
        .set({ planId, status: 'active', pastDueSince: null, cancelAtPeriodEnd: false, updatedAt: new Date() })
        .where(eq(subscriptions.organizationId, org));
      await audit(tx, access, 'billing.local_plan_switched', { type: 'subscription', id: org }, { from: previous?.planId, to: planId });
      const { plan, subscription } = await loadSubscription(tx, org);
      await emitWebhookEvent(tx, org, 'subscription.updated', {
        plan: subscription.planId,
        status: subscription.status,
        previousPlan: previous?.planId ?? null,
        cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
      });
      return { organizationId: org, mode: 'local' as const, plan: toPlan(plan), status: subscription.status };
    });
    await wakeWebhookDelivery(org);
    return c.json(body, 200);
  },
);

