// Billing without Stripe keys (the `workers` project, like `npm run dev` without keys): LOCAL
// MODE, where an owner switches plans directly and everything else behaves as with Stripe.
import { describe, expect, it } from 'vitest';
import { participantSessions, roomSessions } from '@roomcast/schema/db';
import { env } from 'cloudflare:workers';
import { loadConfig } from '../src/config.ts';
import type { Env } from '../src/env.ts';
import { addMember, api, signUp } from './api-client.ts';
import { asTenant } from './billing-helpers.ts';

const MIN = 60_000;

describe('Billing in local mode', () => {
  it('labels itself local and refuses the Stripe-only endpoints', async () => {
    const owner = await signUp('local-mode');
    const plans = await api('GET', '/subscriptions/plans');
    expect(plans.body.mode).toBe('local');
    expect(plans.body.plans.every((p: any) => p.checkout === false)).toBe(true);
    const sub = await api('GET', `/organizations/${owner.organizationId}/subscription`, { token: owner.token });
    expect(sub.body).toMatchObject({ mode: 'local', plan: { id: 'starter' }, status: 'trialing', exceeded: [] });
    const checkout = await api('POST', '/subscriptions', { token: owner.token, body: { organizationId: owner.organizationId, plan: 'business' } });
    expect(checkout.status).toBe(409);
    expect(checkout.body.error.code).toBe('billing_local_mode');
    expect((await api('POST', '/subscriptions/portal', { token: owner.token, body: { organizationId: owner.organizationId } })).status).toBe(409);
    expect((await api('POST', '/webhooks/stripe', { rawBody: '{}', headers: { 'stripe-signature': 't=1,v1=x' } })).status).toBe(404);
  });

  it('is refused in production: there, missing Stripe keys are a configuration error', () => {
    const base = env as unknown as Env;
    expect(() => loadConfig({ ...base, APP_ENV: 'production' })).toThrow(/STRIPE_SECRET_KEY is required in production/);
    expect(() => loadConfig({ ...base, APP_ENV: 'production', STRIPE_SECRET_KEY: 'sk_live_x' })).toThrow(/STRIPE_WEBHOOK_SECRET/);
    const stripe = loadConfig({ ...base, APP_ENV: 'production', STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x', STRIPE_PRICE_BUSINESS: 'price_b' });
    expect(stripe.billing).toMatchObject({ mode: 'stripe', api: undefined, priceIds: { business: 'price_b' } });
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x', STRIPE_API_BASE: 'http://127.0.0.1:18111' }).billing).toMatchObject({
      api: { host: '127.0.0.1', port: 18111, protocol: 'http' },
    });
  });

  it('lets only the owner switch plans; limits follow at once', async () => {
    const owner = await signUp('local-switch');
    const stranger = await signUp('local-stranger');
    const url = `/organizations/${owner.organizationId}/subscription/local-plan`;
    expect((await api('POST', `/organizations/${owner.organizationId}/workspaces`, { token: owner.token, body: { name: 'Two' } })).status).toBe(403);

    const switched = await api('POST', url, { token: owner.token, body: { plan: 'business' } });
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({ mode: 'local', plan: { id: 'business' }, status: 'active' });
    expect((await api('POST', `/organizations/${owner.organizationId}/workspaces`, { token: owner.token, body: { name: 'Two' } })).status).toBe(201);

    const admin = await addMember(owner, 'admin');
    const refused = await api('POST', url, { token: admin.token, body: { plan: 'enterprise' } });
    expect(refused.status).toBe(403);
    expect((await api('POST', url, { token: stranger.token, body: { plan: 'enterprise' } })).status).toBe(404);
    expect((await api('POST', url, { token: owner.token, body: { plan: 'platinum' } })).status).toBe(400);

    // Back to Starter: over the limit now, blocked, nothing deleted, and the response says so.
    expect((await api('POST', url, { token: owner.token, body: { plan: 'starter' } })).status).toBe(200);
    const sub = await api('GET', `/organizations/${owner.organizationId}/subscription`, { token: owner.token });
    expect(sub.body.exceeded).toEqual(['workspaces', 'hosts']);
    expect((await api('POST', `/organizations/${owner.organizationId}/workspaces`, { token: owner.token, body: { name: 'Three' } })).status).toBe(403);
    expect((await api('GET', `/organizations/${owner.organizationId}/workspaces`, { token: owner.token })).body.workspaces).toHaveLength(2);
    // Billing details are for owners and admins.
    const viewer = await addMember(owner, 'viewer');
    expect((await api('GET', `/organizations/${owner.organizationId}/subscription`, { token: viewer.token })).status).toBe(403);
    expect((await api('GET', `/organizations/${owner.organizationId}/subscription`, { token: admin.token })).status).toBe(200);
  });

  it('shows usage for the current period, including rooms deleted since, whose slugs can be reused', async () => {
    const owner = await signUp('local-usage');
    const room = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'Desk', slug: 'desk' } });
    const now = Date.now();
    await asTenant(owner.organizationId, async (tx) => {
      await tx.insert(roomSessions).values({ organizationId: owner.organizationId, roomId: room.body.id, startedAt: new Date(now - 30 * MIN), endedAt: new Date(now - 12 * MIN) });
      for (const minutes of [10, 5]) {
        await tx.insert(participantSessions).values({
          organizationId: owner.organizationId,
          roomId: room.body.id,
          identity: `guest:${minutes}`,
          name: 'Guest',
          role: 'viewer',
          joinedAt: new Date(now - 25 * MIN),
          leftAt: new Date(now - 25 * MIN + minutes * MIN),
        });
      }
    });
    expect((await api('DELETE', `/organizations/${owner.organizationId}/rooms/${room.body.id}`, { token: owner.token })).status).toBe(204);
    expect((await api('GET', `/organizations/${owner.organizationId}/rooms/${room.body.id}`, { token: owner.token })).status).toBe(404);
    expect((await api('GET', `/organizations/${owner.organizationId}/rooms`, { token: owner.token })).body.rooms).toHaveLength(0);
    const again = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'Desk', slug: 'desk' } });
    expect(again.status).toBe(201);

    const usage = await api('GET', `/organizations/${owner.organizationId}/usage`, { token: owner.token });
    expect(usage.status).toBe(200);
    const start = new Date(usage.body.period.start).getTime();
    if (start <= now - 30 * MIN) {
      expect(usage.body.participantMinutes).toBeCloseTo(15, 1);
      expect(usage.body.streamHours).toBeCloseTo(18 / 60, 2);
    } else {
      // The month began in the last half hour: only the part after it counts.
      expect(usage.body.participantMinutes).toBeLessThan(15);
    }
    expect(usage.body.limits).toEqual(expect.arrayContaining([{ limit: 'rooms', max: 3, current: 1, exceeded: false }]));

    // Deleting the workspace that held the deleted room does not take its usage along either.
    const before = usage.body.participantMinutes;
    await api('POST', `/organizations/${owner.organizationId}/subscription/local-plan`, { token: owner.token, body: { plan: 'business' } });
    const second = await api('POST', `/organizations/${owner.organizationId}/workspaces`, { token: owner.token, body: { name: 'Second' } });
    const moved = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: second.body.id, title: 'Moved' } });
    await asTenant(owner.organizationId, (tx) =>
      tx.insert(participantSessions).values({
        organizationId: owner.organizationId,
        roomId: moved.body.id,
        identity: 'guest:moved',
        name: 'Guest',
        role: 'viewer',
        joinedAt: new Date(now - 9 * MIN),
        leftAt: new Date(now - 2 * MIN),
      }),
    );
    expect((await api('DELETE', `/organizations/${owner.organizationId}/workspaces/${second.body.id}`, { token: owner.token })).status).toBe(409);
    expect((await api('DELETE', `/organizations/${owner.organizationId}/rooms/${moved.body.id}`, { token: owner.token })).status).toBe(204);
    expect((await api('DELETE', `/organizations/${owner.organizationId}/workspaces/${second.body.id}`, { token: owner.token })).status).toBe(204);
    const after = await api('GET', `/organizations/${owner.organizationId}/usage`, { token: owner.token });
    expect(after.body.participantMinutes - before).toBeCloseTo(7, 1);
  });
});
