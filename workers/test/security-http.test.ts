// Attacker's tests of the new HTTP routes (public rooms, billing, fleet admin, node sockets): bad
// input of every kind answers 4xx with the standard error body, never a 500 or another shape;
// tenants and anonymous callers learn nothing about rooms they may not see.
import { beforeAll, describe, expect, it } from 'vitest';
import { addMember, api, signUp, unique, type Tenant } from './api-client.ts';
import { ADMIN } from './fleet-test-node.ts';
import { liveRoom, roomTenant, type TestRoom } from './room-client.ts';

const errorBody = { error: { code: expect.any(String), message: expect.any(String) } };

function expectError(res: { status: number; body: unknown }, status: number, code?: string) {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: code ? { error: { code, message: expect.any(String) } } : errorBody });
}

let owner: Tenant;
let orgSlug: string;
let room: TestRoom;
let roomSlug: string;
beforeAll(async () => {
  owner = await roomTenant('sec-http');
  orgSlug = (await api('GET', '/organizations', { token: owner.token })).body.organizations[0].slug;
  // A live PUBLIC room, the one anonymous visitors may join.
  roomSlug = unique('pub');
  const created = await api('POST', `/organizations/${owner.organizationId}/rooms`, {
    token: owner.token,
    body: { workspaceId: owner.workspaceId, title: 'Open desk', slug: roomSlug, visibility: 'public' },
  });
  const started = await api('POST', `/organizations/${owner.organizationId}/rooms/${created.body.id}/start`, { token: owner.token });
  if (started.status !== 201) throw new Error(`start: ${started.status}`);
  room = { tenant: owner, roomId: created.body.id, sessionId: started.body.session.id };
});

describe('bad bodies on the new routes', () => {
  const huge = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });

  it('public join: malformed JSON, wrong types, missing and huge bodies answer 400', async () => {
    for (const path of [`/public/rooms/${orgSlug}/${roomSlug}/join`, `/public/rooms-by-id/${room.roomId}/join`]) {
      expectError(await api('POST', path, { rawBody: '{"name":' }), 400);
      expectError(await api('POST', path, { body: { name: 42 } }), 400);
      expectError(await api('POST', path, { body: { name: ['a'] } }), 400);
      expectError(await api('POST', path, { body: {} }), 400);
      expectError(await api('POST', path, { rawBody: 'null' }), 400);
      expectError(await api('POST', path, { rawBody: '[]' }), 400);
      expectError(await api('POST', path, { body: { name: '\u0000\u0001 \t' } }), 400);
      const big = await api('POST', path, { rawBody: huge });
      expect(big.status).toBeGreaterThanOrEqual(400);
      expect(big.status).toBeLessThan(500);
      expect(big.body).toMatchObject(errorBody);
    }
  });

  it('billing: malformed and wrong-typed bodies answer 400 before anything else', async () => {
    const token = owner.token;
    expectError(await api('POST', '/subscriptions', { token, rawBody: '{' }), 400);
    expectError(await api('POST', '/subscriptions', { token, body: { organizationId: 'not-a-uuid', plan: 'business' } }), 400);
    expectError(await api('POST', '/subscriptions', { token, body: { organizationId: owner.organizationId, plan: 'free-forever' } }), 400);
    expectError(await api('POST', '/subscriptions', { token, body: { organizationId: owner.organizationId, plan: 'business', returnPath: '//evil.example/x' } }), 400);
    expectError(await api('POST', '/subscriptions/portal', { token, body: { organizationId: owner.organizationId, returnPath: 'https://evil.example/' } }), 400);
    expectError(await api('POST', `/organizations/${owner.organizationId}/subscription/local-plan`, { token, rawBody: '{"plan":' }), 400);
    expectError(await api('POST', `/organizations/${owner.organizationId}/subscription/local-plan`, { token, body: { plan: 7 } }), 400);
    // A malformed org id is the same 404 as another tenant's (the API's convention).
    expectError(await api('POST', `/organizations/not-a-uuid/subscription/local-plan`, { token, body: { plan: 'business' } }), 404);
    // Local mode: there is no Stripe webhook; garbage gets the standard body too.
    expectError(await api('POST', '/webhooks/stripe', { rawBody: 'garbage', headers: { 'content-type': 'text/plain' } }), 404, 'billing_local_mode');
  });

  it('fleet: the admin API and node sockets answer the standard body', async () => {
    expectError(await api('GET', '/admin/fleet/nodes'), 401);
    // Same length as the real token, one character off.
    const wrong = ADMIN.slice(0, -1) + (ADMIN.endsWith('x') ? 'y' : 'x');
    expectError(await api('GET', '/admin/fleet/nodes', { token: wrong }), 401);
    expectError(await api('POST', `/admin/fleet/nodes/${'n'.repeat(5000)}/drain`, { token: ADMIN }), 404);
    expectError(await api('POST', `/admin/fleet/nodes/%00/drain`, { token: ADMIN }), 404);
    expectError(await api('GET', '/fleet/connect'), 401);
    expectError(await api('GET', '/fleet/connect', { token: 'a.b.c' }), 401);
    expectError(await api('GET', `/rooms/${room.roomId}/media-node`, { token: 'a.b.c' }), 401);
    expectError(await api('GET', `/rooms/not-a-room/media-node`), 401);
  });
});

describe('tenant isolation of the new routes', () => {
  it('another tenant’s usage, subscription and local plan switch answer 404; an admin may not switch plans', async () => {
    const stranger = await signUp('sec-stranger');
    for (const [method, path, body] of [
      ['GET', `/organizations/${owner.organizationId}/usage`, undefined],
      ['GET', `/organizations/${owner.organizationId}/subscription`, undefined],
      ['POST', `/organizations/${owner.organizationId}/subscription/local-plan`, { plan: 'starter' }],
    ] as const) {
      expectError(await api(method, path, { token: stranger.token, body }), 404);
    }
    const admin = await addMember(owner, 'admin');
    expectError(await api('POST', `/organizations/${owner.organizationId}/subscription/local-plan`, { token: admin.token, body: { plan: 'starter' } }), 403);
    const viewer = await addMember(owner, 'viewer');
    expectError(await api('GET', `/organizations/${owner.organizationId}/usage`, { token: viewer.token }), 403);
  });

  it('a members room is the same 404 as a missing one to anyone outside, by slug and by id', async () => {
    const secret = await liveRoom(owner);
    const detail = await api('GET', `/organizations/${owner.organizationId}/rooms/${secret.roomId}`, { token: owner.token });
    expect(detail.body.visibility).not.toBe('public');
    const stranger = await signUp('sec-peek');
    for (const token of [undefined, stranger.token]) {
      const bySlug = await api('GET', `/public/rooms/${orgSlug}/${detail.body.slug}`, { token });
      const missing = await api('GET', `/public/rooms/${orgSlug}/${unique('nope')}`, { token });
      expect(bySlug).toMatchObject({ status: 404, body: missing.body });
      const byId = await api('GET', `/public/rooms-by-id/${secret.roomId}`, { token });
      expect(byId).toMatchObject({ status: 404, body: (await api('GET', `/public/rooms-by-id/${crypto.randomUUID()}`, { token })).body });
      expect(JSON.stringify(bySlug.body) + JSON.stringify(byId.body)).not.toContain('Live desk');
      const join = await api('POST', `/public/rooms/${orgSlug}/${detail.body.slug}/join`, { token, body: { name: 'Eve' } });
      expect(join).toMatchObject({ status: 404, body: missing.body });
    }
  });

  it('a guest gets a fresh guest identity and the viewer role, whatever name it claims', async () => {
    const res = await api('POST', `/public/rooms-by-id/${room.roomId}/join`, { body: { name: owner.userId, role: 'owner', identity: owner.userId } });
    expect(res.status).toBe(200);
    const claims = JSON.parse(atob(res.body.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    expect(res.body.role).toBe('viewer');
    expect(claims.sub ?? claims.identity).toMatch(/^guest-[0-9a-f-]{36}$/);
    expect(JSON.stringify(claims)).not.toContain('"owner"');
  });
});
