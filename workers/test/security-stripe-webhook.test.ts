// Attacker's tests of the Stripe webhook (workers-stripe project: FAKE Stripe, real Postgres and
// Redis): signatures over the raw body within Stripe's tolerance, events that name another
// organization, and signed-but-malformed events, which must answer 4xx and change nothing.
import Stripe from 'stripe';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { api, signUp } from './api-client.ts';
import { billingAudit, checkoutCompleted, deliver, nowSeconds, PRICE, recordedEvent, subscriptionEvent, subscriptionRow, withCustomer } from './billing-helpers.ts';

const secret = (env as unknown as Env).STRIPE_WEBHOOK_SECRET!;
const signer = new Stripe('sk_test_signing_only', { httpClient: Stripe.createFetchHttpClient() });
const cryptoProvider = Stripe.createSubtleCryptoProvider();
const sign = (payload: string, timestamp?: number) => signer.webhooks.generateTestHeaderStringAsync({ payload, secret, cryptoProvider, ...(timestamp ? { timestamp } : {}) });
const post = (payload: string, signature?: string) => api('POST', '/webhooks/stripe', { rawBody: payload, headers: signature ? { 'stripe-signature': signature } : {} });
const RUN = crypto.randomUUID().slice(0, 8);

describe('Stripe webhook under attack', () => {
  it('checks the signature over the raw bytes, within the tolerance', async () => {
    const owner = await signUp('sec-wh-raw');
    const customer = await withCustomer(owner);
    const before = await subscriptionRow(owner);
    const e = subscriptionEvent('customer.subscription.created', { customer, subscription: `sub_sec_raw_${RUN}`, price: PRICE.business, created: nowSeconds() });
    const payload = JSON.stringify(e);
    // Re-serialized (same JSON value, other bytes): not what was signed.
    expect((await post(JSON.stringify(e, null, 1), await sign(payload))).status).toBe(400);
    expect((await post(payload + ' ', await sign(payload))).status).toBe(400);
    // A genuine signature from 10 minutes ago (a captured delivery replayed): outside the tolerance.
    const stale = await post(payload, await sign(payload, nowSeconds() - 600));
    expect(stale).toMatchObject({ status: 400, body: { error: { code: 'invalid_signature' } } });
    // Huge bodies are refused before any signature work, even with a valid signature.
    const huge = 'x'.repeat(3 * 1024 * 1024);
    expect(await post(huge, 't=1,v1=00')).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    expect((await post(huge, await sign(huge))).status).toBe(413);
    expect(await subscriptionRow(owner)).toEqual(before);
    expect(await recordedEvent(e.id)).toBeUndefined();
  });

  it('acts on the organization of the Stripe customer, never on one the event names in metadata', async () => {
    const victim = await signUp('sec-wh-victim');
    const attacker = await signUp('sec-wh-attacker');
    const attackerCustomer = await withCustomer(attacker);
    const victimBefore = await subscriptionRow(victim);
    const e = checkoutCompleted({ customer: attackerCustomer, subscription: `sub_sec_meta_${RUN}`, organizationId: victim.organizationId, plan: 'business', created: nowSeconds() });
    const res = await deliver(e);
    expect(res.status).toBe(200);
    expect(await subscriptionRow(victim)).toEqual(victimBefore);
    expect(await billingAudit(victim)).toHaveLength(0);
    expect(await recordedEvent(e.id)).toMatchObject({ organizationId: attacker.organizationId });
  });

  it('answers signed but malformed events with 400 and the standard body, changing nothing', async () => {
    const owner = await signUp('sec-wh-shape');
    const customer = await withCustomer(owner);
    const before = await subscriptionRow(owner);
    const good = subscriptionEvent('customer.subscription.updated', { customer, subscription: `sub_sec_shape_${RUN}`, price: PRICE.business, created: nowSeconds() });
    const noItems = { ...good, id: `${good.id}_a`, data: { object: { ...good.data.object, items: undefined } } };
    const badCreated = { ...good, id: `${good.id}_b`, created: 'yesterday' };
    const noData = { id: `${good.id}_c`, type: good.type, created: good.created };
    const nullObject = { ...good, id: `${good.id}_d`, data: { object: null } };
    const noId = { ...good, id: undefined };
    for (const e of [noItems, badCreated, noData, nullObject, noId, [], 'text', 42]) {
      const payload = JSON.stringify(e);
      const res = await post(payload, await sign(payload));
      expect({ what: payload.slice(0, 60), status: res.status }).toEqual({ what: payload.slice(0, 60), status: 400 });
      expect(res.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    expect(await subscriptionRow(owner)).toEqual(before);
    expect(await billingAudit(owner)).toHaveLength(0);
  });
});
