// Every plan limit after an upgrade and after a downgrade driven by signed Stripe webhooks:
// workspaces, rooms, hosts, API access and recording. A downgrade blocks new resources, deletes
// nothing, and the subscription response names the limits the organization is over.
import { describe, expect, it } from 'vitest';
import { api, signUp, type Tenant } from './api-client.ts';
import { deliver, nowSeconds, PRICE, subscribe, subscriptionEvent } from './billing-helpers.ts';

const path = (t: Tenant, rest: string) => `/organizations/${t.organizationId}${rest}`;
const createWorkspace = (t: Tenant, name: string) => api('POST', path(t, '/workspaces'), { token: t.token, body: { name } });
const createRoom = (t: Tenant, title: string, recording = false) =>
  api('POST', path(t, '/rooms'), { token: t.token, body: { workspaceId: t.workspaceId, title, recording } });
const inviteHost = (t: Tenant) => api('POST', path(t, '/invitations'), { token: t.token, body: { email: `${crypto.randomUUID().slice(0, 8)}@example.test`, role: 'host' } });
const createKey = (t: Tenant) => api('POST', path(t, '/api-keys'), { token: t.token, body: { name: 'k' } });

function expectLimit(res: { status: number; body: any }, limit: string, max?: number) {
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('plan_limit');
  expect(res.body.error.details.limit).toBe(limit);
  if (max !== undefined) expect(res.body.error.details.max).toBe(max);
}

describe('Plan limits follow Stripe', () => {
  it('an upgrade raises every limit to the new plan', async () => {
    const owner = await signUp('lim-up');
    for (let i = 0; i < 3; i++) expect((await createRoom(owner, `Room ${i}`)).status).toBe(201);
    // Starter first.
    expectLimit(await createWorkspace(owner, 'Second'), 'workspaces', 1);
    expectLimit(await createRoom(owner, 'Fourth'), 'rooms', 3);
    expectLimit(await inviteHost(owner), 'hosts', 1);
    expectLimit(await createKey(owner), 'api_access');
    const roomId = (await api('GET', path(owner, '/rooms'), { token: owner.token })).body.rooms[0].id;
    expectLimit(await api('PATCH', path(owner, `/rooms/${roomId}`), { token: owner.token, body: { recording: true } }), 'recording');

    await subscribe(owner, 'professional');

    for (const name of ['Second', 'Third']) expect((await createWorkspace(owner, name)).status).toBe(201);
    expectLimit(await createWorkspace(owner, 'Fourth'), 'workspaces', 3);
    for (let i = 3; i < 10; i++) expect((await createRoom(owner, `Room ${i}`)).status).toBe(201);
    expectLimit(await createRoom(owner, 'Eleventh'), 'rooms', 10);
    for (let i = 0; i < 2; i++) expect((await inviteHost(owner)).status).toBe(201);
    expectLimit(await inviteHost(owner), 'hosts', 3);
    expect((await createKey(owner)).status).toBe(201);
    const recorded = await api('PATCH', path(owner, `/rooms/${roomId}`), { token: owner.token, body: { recording: true } });
    expect(recorded.status).toBe(200);
    expect(recorded.body.recording).toBe(true);
  });

  it('a downgrade blocks new resources, deletes nothing, and names the limits exceeded', async () => {
    const owner = await signUp('lim-down');
    const t0 = nowSeconds() - 60;
    const { customer, subscription } = await subscribe(owner, 'professional', t0);
    for (const name of ['Second', 'Third']) expect((await createWorkspace(owner, name)).status).toBe(201);
    const rooms = [];
    for (let i = 0; i < 5; i++) rooms.push((await createRoom(owner, `Room ${i}`, i === 0)).body);
    expect(rooms[0].recording).toBe(true);
    for (let i = 0; i < 2; i++) expect((await inviteHost(owner)).status).toBe(201);
    const key = (await createKey(owner)).body.secret as string;
    expect((await api('GET', path(owner, '/rooms'), { token: key })).status).toBe(200);

    const downgrade = subscriptionEvent('customer.subscription.updated', { customer, subscription, price: PRICE.starter, created: t0 + 30 });
    expect((await deliver(downgrade)).body.outcome).toBe('applied');

    const sub = await api('GET', path(owner, '/subscription'), { token: owner.token });
    expect(sub.body).toMatchObject({ plan: { id: 'starter' }, effectivePlan: { id: 'starter' }, status: 'active' });
    expect(sub.body.exceeded).toEqual(['workspaces', 'rooms', 'hosts']);
    expect(sub.body.limits).toEqual(
      expect.arrayContaining([
        { limit: 'workspaces', max: 1, current: 3, exceeded: true },
        { limit: 'rooms', max: 3, current: 5, exceeded: true },
        { limit: 'hosts', max: 1, current: 3, exceeded: true },
      ]),
    );

    expectLimit(await createWorkspace(owner, 'Fourth'), 'workspaces', 1);
    expectLimit(await createRoom(owner, 'Sixth'), 'rooms', 3);
    expectLimit(await inviteHost(owner), 'hosts', 1);
    expectLimit(await api('GET', path(owner, '/rooms'), { token: key }), 'api_access');
    expectLimit(await api('PATCH', path(owner, `/rooms/${rooms[1].id}`), { token: owner.token, body: { recording: true } }), 'recording');

    // Nothing was deleted, and what exists keeps working (a room that records may stop recording).
    const list = await api('GET', path(owner, '/rooms'), { token: owner.token });
    expect(list.body.rooms).toHaveLength(5);
    expect((await api('GET', path(owner, '/workspaces'), { token: owner.token })).body.workspaces).toHaveLength(3);
    expect((await api('PATCH', path(owner, `/rooms/${rooms[0].id}`), { token: owner.token, body: { recording: false } })).status).toBe(200);
    expect((await api('POST', path(owner, `/rooms/${rooms[2].id}/start`), { token: owner.token })).status).toBe(201);

    // Back under the limit, creating works again.
    for (const r of rooms.slice(3)) expect((await api('DELETE', path(owner, `/rooms/${r.id}`), { token: owner.token })).status).toBe(204);
    expectLimit(await createRoom(owner, 'Still too many'), 'rooms', 3);
    expect((await api('POST', path(owner, `/rooms/${rooms[2].id}/end`), { token: owner.token })).status).toBe(200);
    expect((await api('DELETE', path(owner, `/rooms/${rooms[1].id}`), { token: owner.token })).status).toBe(204);
    expect((await createRoom(owner, 'Fits again')).status).toBe(201);
  });
});
