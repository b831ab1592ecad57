// Stripe webhooks in workerd, against the FAKE Stripe and real Postgres/Redis: signature checks,
// exactly-once processing, ordering, and the subscription lifecycle.
import { describe, expect, it } from 'vitest';
import { api, signUp } from './api-client.ts';
import {
  billingAudit,
  checkoutCompleted,
  deliver,
  invoiceEvent,
  nowSeconds,
  PRICE,
  recordedEvent,
  subscribe,
  subscriptionEvent,
  subscriptionRow,
  withCustomer,
} from './billing-helpers.ts';

const DAY = 86400;
/** Stripe ids are global: a per-run suffix keeps reruns against a kept test database apart. */
const RUN = crypto.randomUUID().slice(0, 8);

describe('Stripe webhook', () => {
  it('refuses a bad or missing signature with 400 and changes nothing', async () => {
    const owner = await signUp('wh-sig');
    const customer = await withCustomer(owner);
    const before = await subscriptionRow(owner);
    const e = subscriptionEvent('customer.subscription.created', { customer, subscription: `sub_forged_${RUN}`, price: PRICE.business, created: nowSeconds() });

    const wrongSecret = await deliver(e, { secret: 'whsec_not_the_endpoint_secret' });
    expect(wrongSecret.status).toBe(400);
    expect(wrongSecret.body.error.code).toBe('invalid_signature');
    const missing = await deliver(e, { signature: null });
    expect(missing.status).toBe(400);
    const garbage = await deliver(e, { signature: 't=1,v1=deadbeef' });
    expect(garbage.status).toBe(400);

    expect(await subscriptionRow(owner)).toEqual(before);
    expect(await recordedEvent(e.id)).toBeUndefined();
    expect(await billingAudit(owner)).toHaveLength(0);
    // The same event, properly signed, is accepted: only the signature was wrong.
    expect((await deliver(e)).body.outcome).toBe('applied');
    expect((await subscriptionRow(owner)).planId).toBe('business');
  });

  it('applies a replayed event once', async () => {
    const owner = await signUp('wh-replay');
    const customer = await withCustomer(owner);
    const e = subscriptionEvent('customer.subscription.created', { customer, subscription: `sub_replay_${RUN}`, price: PRICE.professional, created: nowSeconds() });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await deliver(e)).body.outcome);
    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(await billingAudit(owner)).toHaveLength(1);
    expect(await recordedEvent(e.id)).toMatchObject({ id: e.id, type: 'customer.subscription.created', organizationId: owner.organizationId });
  });

  it('applies concurrently duplicated deliveries once', async () => {
    const owner = await signUp('wh-concurrent');
    const customer = await withCustomer(owner);
    const e = subscriptionEvent('customer.subscription.created', { customer, subscription: `sub_conc_${RUN}`, price: PRICE.business, created: nowSeconds() });
    const results = await Promise.all(Array.from({ length: 6 }, () => deliver(e)));
    const applied = results.filter((r) => r.status === 200 && r.body.outcome === 'applied');
    expect(applied).toHaveLength(1);
    // The others were either seen as duplicates or told to come back (409: Stripe retries).
    for (const r of results) expect(r.status === 200 ? ['applied', 'duplicate'] : [409]).toContain(r.status === 200 ? r.body.outcome : r.status);
    expect(await billingAudit(owner)).toHaveLength(1);
    // A retry after the dust settles is a duplicate.
    expect((await deliver(e)).body.outcome).toBe('duplicate');
    expect((await subscriptionRow(owner)).planId).toBe('business');
  });

  it('never rolls a subscription back when events arrive out of order', async () => {
    const owner = await signUp('wh-order');
    const t0 = nowSeconds() - 600;
    const { customer, subscription } = await subscribe(owner, 'professional', t0);
    const upgrade = subscriptionEvent('customer.subscription.updated', { customer, subscription, price: PRICE.business, created: t0 + 120 });
    const olderDowngrade = subscriptionEvent('customer.subscription.updated', { customer, subscription, price: PRICE.starter, created: t0 + 60 });
    const olderPastDue = invoiceEvent('invoice.payment_failed', { customer, subscription, created: t0 + 90 });
    expect((await deliver(upgrade)).body.outcome).toBe('applied');
    expect((await deliver(olderDowngrade)).body.outcome).toBe('stale');
    expect((await deliver(olderPastDue)).body.outcome).toBe('stale');
    const row = await subscriptionRow(owner);
    expect(row).toMatchObject({ planId: 'business', status: 'active', pastDueSince: null });
    expect(row.lastEventAt!.getTime()).toBe((t0 + 120) * 1000);
    // Stale events are recorded, so Stripe's retries of them are duplicates, not reprocessing.
    expect(await recordedEvent(olderDowngrade.id)).toBeDefined();
    expect((await deliver(olderDowngrade)).body.outcome).toBe('duplicate');
  });

  it('links the subscription on checkout completion and follows plan changes and cancel at period end', async () => {
    const owner = await signUp('wh-lifecycle');
    const customer = await withCustomer(owner, 'professional');
    const t0 = nowSeconds() - 300;
    const done = checkoutCompleted({ customer, subscription: `sub_life_${RUN}`, organizationId: owner.organizationId, plan: 'professional', created: t0 });
    expect((await deliver(done)).body.outcome).toBe('applied');
    expect(await subscriptionRow(owner)).toMatchObject({ planId: 'professional', status: 'active', stripeSubscriptionId: `sub_life_${RUN}` });
    expect((await api('GET', `/organizations/${owner.organizationId}/subscription`, { token: owner.token })).body.stripeSubscription).toBe(true);

    const periodStart = t0;
    const periodEnd = t0 + 30 * DAY;
    await deliver(subscriptionEvent('customer.subscription.updated', { customer, subscription: `sub_life_${RUN}`, price: PRICE.business, created: t0 + 10, periodStart, periodEnd, cancelAtPeriodEnd: true }));
    const sub = await api('GET', `/organizations/${owner.organizationId}/subscription`, { token: owner.token });
    expect(sub.body).toMatchObject({
      mode: 'stripe',
      plan: { id: 'business' },
      effectivePlan: { id: 'business' },
      status: 'active',
      cancelAtPeriodEnd: true,
      currentPeriodStart: new Date(periodStart * 1000).toISOString(),
      currentPeriodEnd: new Date(periodEnd * 1000).toISOString(),
    });
    // An event about some other subscription of the customer leaves the current one alone.
    const other = subscriptionEvent('customer.subscription.deleted', { customer, subscription: `sub_someone_else_${RUN}`, price: PRICE.business, created: t0 + 20 });
    expect((await deliver(other)).body.outcome).toBe('ignored');

    await deliver(subscriptionEvent('customer.subscription.deleted', { customer, subscription: `sub_life_${RUN}`, price: PRICE.business, status: 'canceled', created: t0 + 30 }));
    const after = await api('GET', `/organizations/${owner.organizationId}/subscription`, { token: owner.token });
    expect(after.body).toMatchObject({ status: 'canceled', plan: { id: 'business' }, effectivePlan: { id: 'starter' }, cancelAtPeriodEnd: false, stripeSubscription: false });
  });

  it('past due keeps the paid limits through the grace period, then falls back to Starter; invoice.paid restores', async () => {
    const owner = await signUp('wh-pastdue');
    const t0 = nowSeconds() - 20 * DAY;
    const { customer, subscription } = await subscribe(owner, 'professional', t0);
    const ws = (n: number) => api('POST', `/organizations/${owner.organizationId}/workspaces`, { token: owner.token, body: { name: `Desk ${n}` } });
    expect((await ws(2)).status).toBe(201);

    // Failed 2 days ago: within the 7-day grace, Professional limits still apply.
    await deliver(invoiceEvent('invoice.payment_failed', { customer, subscription, created: nowSeconds() - 2 * DAY }));
    let sub = await api('GET', `/organizations/${owner.organizationId}/subscription`, { token: owner.token });
    expect(sub.body).toMatchObject({ status: 'past_due', effectivePlan: { id: 'professional' } });
    expect(new Date(sub.body.graceEndsAt).getTime()).toBeGreaterThan(Date.now());
    expect((await ws(3)).status).toBe(201);

    // A second failure does not restart the grace period.
    await deliver(invoiceEvent('invoice.payment_failed', { customer, subscription, created: nowSeconds() - DAY }));
    expect((await subscriptionRow(owner)).pastDueSince!.getTime()).toBe(new Date(sub.body.pastDueSince).getTime());

    // The same story with a failure 8 days ago on another organization: grace is over.
    const late = await signUp('wh-pastdue-late');
    const lateSub = await subscribe(late, 'professional', t0);
    await api('POST', `/organizations/${late.organizationId}/workspaces`, { token: late.token, body: { name: 'Second' } });
    await deliver(invoiceEvent('invoice.payment_failed', { customer: lateSub.customer, subscription: lateSub.subscription, created: nowSeconds() - 8 * DAY }));
    sub = await api('GET', `/organizations/${late.organizationId}/subscription`, { token: late.token });
    expect(sub.body).toMatchObject({ status: 'past_due', plan: { id: 'professional' }, effectivePlan: { id: 'starter' }, exceeded: ['workspaces'] });
    const blocked = await api('POST', `/organizations/${late.organizationId}/workspaces`, { token: late.token, body: { name: 'Third' } });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error).toMatchObject({ code: 'plan_limit', details: { limit: 'workspaces', max: 1 } });
    // Nothing was deleted.
    expect((await api('GET', `/organizations/${late.organizationId}/workspaces`, { token: late.token })).body.workspaces).toHaveLength(2);

    await deliver(invoiceEvent('invoice.paid', { customer: lateSub.customer, subscription: lateSub.subscription, created: nowSeconds() }));
    sub = await api('GET', `/organizations/${late.organizationId}/subscription`, { token: late.token });
    expect(sub.body).toMatchObject({ status: 'active', effectivePlan: { id: 'professional' }, pastDueSince: null, graceEndsAt: null, exceeded: [] });
    expect((await api('POST', `/organizations/${late.organizationId}/workspaces`, { token: late.token, body: { name: 'Third' } })).status).toBe(201);
  });

  it('ignores events for customers it does not know, once', async () => {
    const e = subscriptionEvent('customer.subscription.created', { customer: 'cus_unknown_to_us', subscription: `sub_x_${RUN}`, price: PRICE.business, created: nowSeconds() });
    expect((await deliver(e)).body.outcome).toBe('ignored');
    expect((await deliver(e)).body.outcome).toBe('duplicate');
  });
});
