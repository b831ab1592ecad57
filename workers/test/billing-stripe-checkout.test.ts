// Checkout and the Billing Portal against the FAKE Stripe: who may start them, one Stripe
// customer per organization even under concurrent first checkouts, and the plan list.
import { describe, expect, it } from 'vitest';
import { addMember, api, signUp } from './api-client.ts';
import { customerOf, fakeRequests, PRICE, subscribe } from './billing-helpers.ts';

describe('Checkout and portal (Stripe mode)', () => {
  it('lists the plans with limits, prices and which can be bought online (public)', async () => {
    const res = await api('GET', '/subscriptions/plans');
    expect(res.status).toBe(200);
    expect(res.body.mode).toBe('stripe');
    expect(res.body.plans.map((p: any) => [p.id, p.priceCents, p.checkout])).toEqual([
      ['starter', 4900, true],
      ['professional', 14900, true],
      ['business', 44900, true],
      ['enterprise', null, false],
    ]);
    expect(res.body.plans[1]).toMatchObject({ limits: { workspaces: 3, rooms: 10, hosts: 3, viewersPerRoom: 200 }, features: { recording: true, sso: false, apiAccess: true } });
  });

  it('creates the Stripe customer once under concurrent checkouts, and each checkout session uses it', async () => {
    const owner = await signUp('co-race');
    const results = await Promise.all(
      Array.from({ length: 5 }, () => api('POST', '/subscriptions', { token: owner.token, body: { organizationId: owner.organizationId, plan: 'business' } })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    for (const r of results) expect(r.body.url).toMatch(/\/__fake\/checkout\/cs_test_/);

    const customer = await customerOf(owner);
    expect(customer).toMatch(/^cus_/);
    // Only this organization's customer creations: other files' tests use the same fake Stripe at the same time.
    const customerCreates = async () => (await fakeRequests('/v1/customers')).filter((r) => r.body.metadata?.organization_id === owner.organizationId);
    const creates = await customerCreates();
    expect(creates.length).toBeGreaterThanOrEqual(1);
    expect(new Set(creates.map((r) => r.response.id))).toEqual(new Set([customer]));
    expect(creates.every((r) => r.idempotencyKey === `customer-${owner.organizationId}`)).toBe(true);

    const sessions = (await fakeRequests('/v1/checkout/sessions')).filter((r) => r.body.client_reference_id === owner.organizationId);
    expect(sessions).toHaveLength(5);
    for (const s of sessions) {
      expect(s.body).toMatchObject({
        mode: 'subscription',
        customer,
        line_items: [{ price: PRICE.business, quantity: '1' }],
        metadata: { organization_id: owner.organizationId, plan: 'business' },
        subscription_data: { metadata: { organization_id: owner.organizationId, plan: 'business' } },
      });
      expect(s.body.success_url).toContain(`/app/${owner.organizationId}/billing?checkout=success`);
    }
    // A later checkout reuses the stored customer without asking Stripe again.
    const before = (await customerCreates()).length;
    expect((await api('POST', '/subscriptions', { token: owner.token, body: { organizationId: owner.organizationId, plan: 'professional' } })).status).toBe(200);
    expect((await customerCreates()).length).toBe(before);
  });

  it('lets owners and admins start checkout, not hosts; other tenants get 404', async () => {
    const owner = await signUp('co-roles');
    await subscribe(owner, 'business'); // room for more hosts than Starter's one
    const admin = await addMember(owner, 'admin');
    const cohost = await addMember(owner, 'cohost');
    const stranger = await signUp('co-stranger');
    const body = { organizationId: owner.organizationId, plan: 'professional' };
    const portalBody = { organizationId: owner.organizationId };
    expect((await api('POST', '/subscriptions/portal', { token: admin.token, body: portalBody })).status).toBe(200);
    // Past the permission check: the organization already has a subscription.
    expect((await api('POST', '/subscriptions', { token: admin.token, body })).body.error.code).toBe('subscription_exists');
    for (const res of [await api('POST', '/subscriptions', { token: cohost.token, body }), await api('POST', '/subscriptions/portal', { token: cohost.token, body: portalBody })]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await api('POST', '/subscriptions', { token: stranger.token, body })).status).toBe(404);
    expect((await api('POST', '/subscriptions', { body })).status).toBe(401);
    const bad = await api('POST', '/subscriptions', { token: owner.token, body: { organizationId: owner.organizationId, plan: 'gold' } });
    expect(bad.status).toBe(400);
    const enterprise = await api('POST', '/subscriptions', { token: owner.token, body: { organizationId: owner.organizationId, plan: 'enterprise' } });
    expect(enterprise.status).toBe(400);
    expect(enterprise.body.error.code).toBe('plan_not_purchasable');
    const offsite = await api('POST', '/subscriptions', { token: owner.token, body: { ...body, returnPath: '//evil.example/x' } });
    expect(offsite.status).toBe(400);
  });

  it('sends a subscribed organization to the portal instead of a second subscription', async () => {
    const owner = await signUp('co-portal');
    const noCustomer = await api('POST', '/subscriptions/portal', { token: owner.token, body: { organizationId: owner.organizationId } });
    expect(noCustomer.status).toBe(409);
    const { customer } = await subscribe(owner, 'professional');
    const again = await api('POST', '/subscriptions', { token: owner.token, body: { organizationId: owner.organizationId, plan: 'business' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('subscription_exists');
    const portal = await api('POST', '/subscriptions/portal', { token: owner.token, body: { organizationId: owner.organizationId, returnPath: '/app/x/billing' } });
    expect(portal.status).toBe(200);
    expect(portal.body.url).toMatch(/\/__fake\/portal\/bps_/);
    const [sent] = (await fakeRequests('/v1/billing_portal/sessions')).filter((r) => r.body.customer === customer);
    expect(sent!.body.return_url).toMatch(/\/app\/x\/billing$/);
  });

  it('refuses the local-mode plan switch when Stripe manages billing', async () => {
    const owner = await signUp('co-nolocal');
    const res = await api('POST', `/organizations/${owner.organizationId}/subscription/local-plan`, { token: owner.token, body: { plan: 'business' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('billing_stripe_mode');
    const sub = await api('GET', `/organizations/${owner.organizationId}/subscription`, { token: owner.token });
    expect(sub.body).toMatchObject({ mode: 'stripe', plan: { id: 'starter' } });
  });
});
