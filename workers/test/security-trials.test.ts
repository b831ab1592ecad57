// Attacker's tests of trials: one account must not hold endless free Starter trials. Creating
// organizations is rate-limited per user and capped while unpaid, and accounts (each with an
// organization) per client network; a trial ends, after which the
// organization keeps everything but cannot go live until it subscribes.
import { describe, expect, it } from 'vitest';
import { api, bindingsWith, endTrial, fetchWith, signUp, type Tenant } from './api-client.ts';

const DAY = 24 * 3600_000;

async function room(tenant: Tenant) {
  const created = await api('POST', `/organizations/${tenant.organizationId}/rooms`, {
    token: tenant.token,
    body: { workspaceId: tenant.workspaceId, title: 'Desk', visibility: 'public' },
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

describe('trials', () => {
  it('a new organization is on a 14-day trial, shown in its subscription and usage', async () => {
    const owner = await signUp('trial-new');
    for (const path of ['subscription', 'usage']) {
      const res = await api('GET', `/organizations/${owner.organizationId}/${path}`, { token: owner.token });
      expect(res.status).toBe(200);
      expect(res.body.trialExpired).toBe(false);
      expect(Math.abs(Date.parse(res.body.trialEndsAt) - (Date.now() + 14 * DAY))).toBeLessThan(60_000);
    }
  });

  it('after the trial ends without a subscription, starting a room answers 402 trial_expired and nothing is lost', async () => {
    const owner = await signUp('trial-over');
    const roomId = await room(owner);
    await endTrial(owner);
    const start = await api('POST', `/organizations/${owner.organizationId}/rooms/${roomId}/start`, { token: owner.token });
    expect({ status: start.status, body: start.body }).toMatchObject({
      status: 402,
      body: { error: { code: 'trial_expired', message: expect.stringMatching(/trial ended.*Subscribe/), details: { trialEndsAt: expect.any(String) } } },
    });
    const subscription = await api('GET', `/organizations/${owner.organizationId}/subscription`, { token: owner.token });
    expect(subscription.body).toMatchObject({ status: 'trialing', trialExpired: true, trialEndsAt: expect.any(String) });
    // Everything is still there and editable.
    const rooms = await api('GET', `/organizations/${owner.organizationId}/rooms`, { token: owner.token });
    expect(rooms.body.rooms.map((r: { id: string }) => r.id)).toEqual([roomId]);
    expect((await api('PATCH', `/organizations/${owner.organizationId}/rooms/${roomId}`, { token: owner.token, body: { title: 'Still mine' } })).status).toBe(200);
  });

  it('subscribing (the local plan switch in local billing mode) ends the trial and lets the organization go live', async () => {
    const owner = await signUp('trial-paid');
    const roomId = await room(owner);
    await endTrial(owner);
    const switched = await api('POST', `/organizations/${owner.organizationId}/subscription/local-plan`, { token: owner.token, body: { plan: 'starter' } });
    expect(switched.body.status).toBe('active');
    const subscription = await api('GET', `/organizations/${owner.organizationId}/subscription`, { token: owner.token });
    expect(subscription.body).toMatchObject({ trialEndsAt: null, trialExpired: false });
    expect((await api('POST', `/organizations/${owner.organizationId}/rooms/${roomId}/start`, { token: owner.token })).status).toBe(201);
  });
});

describe('creating organizations', () => {
  it('one user may own at most 3 organizations without a paid plan; a 4th answers 403 plan_limit', async () => {
    const owner = await signUp('org-cap');
    const created: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await api('POST', '/organizations', { token: owner.token, body: { name: `Trial ${i}` } });
      expect(res.status).toBe(201);
      created.push(res.body.id);
    }
    const fourth = await api('POST', '/organizations', { token: owner.token, body: { name: 'One too many' } });
    expect({ status: fourth.status, body: fourth.body }).toMatchObject({
      status: 403,
      body: { error: { code: 'plan_limit', message: expect.stringContaining('without a paid plan'), details: { limit: 'unpaid_organizations', max: 3, current: 3 } } },
    });
    const list = await api('GET', '/organizations', { token: owner.token });
    expect(list.body.organizations).toHaveLength(3);
    // Paying for one frees its place.
    await api('POST', `/organizations/${created[0]}/subscription/local-plan`, { token: owner.token, body: { plan: 'professional' } });
    expect((await api('POST', '/organizations', { token: owner.token, body: { name: 'After paying' } })).status).toBe(201);
  });

  it('concurrent creates cannot slip past the cap', async () => {
    const owner = await signUp('org-race');
    const results = await Promise.all([0, 1, 2, 3].map((i) => api('POST', '/organizations', { token: owner.token, body: { name: `Race ${i}` } })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 403, 403]);
  });

  it('creating organizations is rate-limited per user: 429 rate_limited with retry-after', async () => {
    // The cap is lifted here so the rate limit (5 an hour by default, 2 here) is what bites.
    const bindings = bindingsWith({ ORG_CREATE_RATE_LIMIT_PER_HOUR: '2', MAX_UNPAID_ORGS_PER_USER: '50' });
    const owner = await signUp('org-rate');
    const create = (i: number) =>
      fetchWith(
        bindings,
        new Request('http://roomcast.test/api/v1/organizations', {
          method: 'POST',
          headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `Burst ${i}` }),
        }),
      );
    const statuses = [];
    let last;
    for (let i = 0; i < 4; i++) statuses.push((last = await create(i)).status);
    expect(statuses).toEqual([201, 201, 429, 429]);
    expect(last!.body).toMatchObject({ error: { code: 'rate_limited', message: expect.stringContaining('hour') } });
    expect(Number(last!.headers.get('retry-after'))).toBe(3600);
  });

  it('signing up (a new account, each with its own trial) is limited per client network per hour, IPv6 /64 included', async () => {
    const signupFrom = (ip: string) =>
      api('POST', '/auth/signup', {
        ip,
        body: { email: `trial-farm-${crypto.randomUUID().slice(0, 8)}@example.test`, password: 'a long password', name: 'Farm', organizationName: 'Farm' },
      });
    const network = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await signupFrom(`${network}::${(i + 1).toString(16)}`)).status);
    // 10 an hour by default (SIGNUP_RATE_LIMIT_PER_IP_PER_HOUR), under the per-minute limit of 30.
    expect(statuses).toEqual([...Array<number>(10).fill(201), 429]);
    const refused = await signupFrom(`${network}::ffff`);
    expect(refused.body).toMatchObject({ error: { code: 'rate_limited', message: expect.stringContaining('hour') } });
    expect(Number(refused.headers.get('retry-after'))).toBe(3600);
    expect((await signupFrom(`10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.7`)).status).toBe(201);
  });
});
