import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { addMember, api, setPlan, signUp, unique, type Tenant } from './api-client.ts';


const roomsPath = (t: Tenant) => `/organizations/${t.organizationId}/rooms`;
const createRoom = (t: Tenant, body: Record<string, unknown> = {}) =>
  api('POST', roomsPath(t), { token: t.token, body: { workspaceId: t.workspaceId, title: 'Morning Session', slug: unique('room'), visibility: 'public', ...body } });

describe('rooms', () => {
  it('creates, lists, reads, updates and deletes', async () => {
    const owner = await signUp('rooms');
    const created = await createRoom(owner, { slug: 'morning' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'Morning Session', slug: 'morning', visibility: 'public', status: 'idle', liveSessionId: null });
    const list = await api('GET', roomsPath(owner), { token: owner.token });
    expect(list.body.rooms).toHaveLength(1);
    const byWorkspace = await api('GET', `${roomsPath(owner)}?workspaceId=${owner.workspaceId}`, { token: owner.token });
    expect(byWorkspace.body.rooms).toHaveLength(1);
    const path = `${roomsPath(owner)}/${created.body.id}`;
    expect((await api('GET', path, { token: owner.token })).body.id).toBe(created.body.id);
    const patched = await api('PATCH', path, { token: owner.token, body: { title: 'Evening', visibility: 'invite' } });
    expect(patched.body).toMatchObject({ title: 'Evening', visibility: 'invite' });
    expect((await api('DELETE', path, { token: owner.token })).status).toBe(204);
    expect((await api('GET', path, { token: owner.token })).status).toBe(404);
  });

  it('defaults slug and visibility, and rejects a duplicate slug with 409', async () => {
    const owner = await signUp('slugs');
    const first = await api('POST', roomsPath(owner), { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'Gold & Silver Desk!' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ slug: 'gold-silver-desk', visibility: 'members' });
    const dup = await createRoom(owner, { slug: 'gold-silver-desk' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('slug_taken');
  });

  it('validates input', async () => {
    const owner = await signUp('room-validate');
    for (const body of [{ title: 'x' }, { workspaceId: owner.workspaceId, title: '' }, { workspaceId: owner.workspaceId, title: 'x', slug: 'Bad Slug' }, { workspaceId: owner.workspaceId, title: 'x', visibility: 'secret' }]) {
      const res = await api('POST', roomsPath(owner), { token: owner.token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
  });

  it('enforces the Starter room limit and frees a seat on delete', async () => {
    const owner = await signUp('room-limit');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createRoom(owner)).body.id);
    const fourth = await createRoom(owner);
    expect(fourth.status).toBe(403);
    expect(fourth.body.error).toMatchObject({ code: 'plan_limit', details: { limit: 'rooms', max: 3, current: 3 } });
    expect(fourth.body.error.message).toMatch(/Starter plan allows 3 rooms/);
    await api('DELETE', `${roomsPath(owner)}/${ids[0]}`, { token: owner.token });
    expect((await createRoom(owner)).status).toBe(201);
  });

  it('allows more rooms after an upgrade and blocks new ones (keeping old ones) after a downgrade', async () => {
    const owner = await signUp('room-upgrade');
    await setPlan(owner, 'professional');
    for (let i = 0; i < 5; i++) expect((await createRoom(owner)).status).toBe(201);
    await setPlan(owner, 'starter');
    const blocked = await createRoom(owner);
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.details).toMatchObject({ limit: 'rooms', current: 5, max: 3 });
    expect((await api('GET', roomsPath(owner), { token: owner.token })).body.rooms).toHaveLength(5);
  });

  it('never shows or touches another tenant\u2019s room (404)', async () => {
    const a = await signUp('room-a');
    const b = await signUp('room-b');
    const bRoom = (await createRoom(b)).body;
    for (const [method, suffix] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['POST', '/start'], ['POST', '/join'], ['POST', '/end']] as const) {
      // Through A's organization path and through B's path with A's token: both are unknown to A.
      const viaOwnOrg = await api(method, `${roomsPath(a)}/${bRoom.id}${suffix}`, { token: a.token, body: method === 'PATCH' ? { title: 'x' } : undefined });
      expect(viaOwnOrg.status, `${method} ${suffix}`).toBe(404);
      const viaTheirOrg = await api(method, `${roomsPath(b)}/${bRoom.id}${suffix}`, { token: a.token, body: method === 'PATCH' ? { title: 'x' } : undefined });
      expect(viaTheirOrg.status, `${method} ${suffix}`).toBe(404);
    }
    const crossWorkspace = await api('POST', roomsPath(a), { token: a.token, body: { workspaceId: b.workspaceId, title: 'sneaky' } });
    expect(crossWorkspace.status).toBe(404);
  });

  it('applies roles: viewers read and join, hosts manage, moderators cannot start', async () => {
    const owner = await signUp('room-roles');
    await setPlan(owner, 'business');
    const viewer = await addMember(owner, 'viewer');
    const moderator = await addMember(owner, 'moderator');
    const host = await addMember(owner, 'host');
    const room = (await createRoom(owner)).body;
    const path = `${roomsPath(owner)}/${room.id}`;
    expect((await api('GET', path, { token: viewer.token })).status).toBe(200);
    expect((await createRoom({ ...owner, token: viewer.token })).status).toBe(403);
    expect((await api('PATCH', path, { token: viewer.token, body: { title: 'x' } })).status).toBe(403);
    expect((await api('DELETE', path, { token: viewer.token })).status).toBe(403);
    expect((await api('POST', `${path}/start`, { token: viewer.token })).status).toBe(403);
    expect((await api('POST', `${path}/start`, { token: moderator.token })).status).toBe(403);
    expect((await createRoom({ ...owner, token: host.token })).status).toBe(201);
    expect((await api('POST', `${path}/start`, { token: host.token })).status).toBe(201);
    expect((await api('POST', `${path}/end`, { token: viewer.token })).status).toBe(403);
    const join = await api('POST', `${path}/join`, { token: viewer.token });
    expect(join.status).toBe(200);
    expect(join.body.role).toBe('viewer');
    expect(decodeJwt(join.body.token)).toMatchObject({ role: 'viewer', grants: ['chat'] });
  });
});

describe('room lifecycle', () => {
  it('starts once, joins with a short-lived token naming room, organization and role, and ends', async () => {
    const owner = await signUp('live');
    const room = (await createRoom(owner)).body;
    const path = `${roomsPath(owner)}/${room.id}`;
    const started = await api('POST', `${path}/start`, { token: owner.token });
    expect(started.status).toBe(201);
    expect(started.body.room.status).toBe('live');
    expect(started.body.join.signalingUrl).toBe(`ws://roomcast.test/api/v1/rooms/${room.id}/signal`);
    const again = await api('POST', `${path}/start`, { token: owner.token });
    expect(again.status).toBe(200);
    expect(again.body.session.id).toBe(started.body.session.id);

    const join = await api('POST', `${path}/join`, { token: owner.token });
    expect(join.status).toBe(200);
    const claims = decodeJwt(join.body.token);
    expect(claims).toMatchObject({ room: room.id, org: owner.organizationId, sid: started.body.session.id, role: 'owner', sub: `user:${owner.userId}` });
    expect(claims.grants).toEqual(expect.arrayContaining(['publish', 'chat', 'moderate', 'room.end']));
    expect(claims.exp! - claims.iat!).toBe(15 * 60);
    expect(Date.parse(join.body.expiresAt)).toBeGreaterThan(Date.now());

    const ended = await api('POST', `${path}/end`, { token: owner.token });
    expect(ended.status).toBe(200);
    expect(ended.body.session.endedAt).not.toBeNull();
    expect(ended.body.room.status).toBe('idle');
    const endAgain = await api('POST', `${path}/end`, { token: owner.token });
    expect(endAgain.status).toBe(409);
    expect(endAgain.body.error.code).toBe('room_not_live');
  });

  it('opens a single session under concurrent starts', async () => {
    const owner = await signUp('race');
    const room = (await createRoom(owner)).body;
    const results = await Promise.all(Array.from({ length: 5 }, () => api('POST', `${roomsPath(owner)}/${room.id}/start`, { token: owner.token })));
    expect(new Set(results.map((r) => r.body.session.id)).size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
  });

  it('refuses to delete a live room', async () => {
    const owner = await signUp('live-delete');
    const room = (await createRoom(owner)).body;
    await api('POST', `${roomsPath(owner)}/${room.id}/start`, { token: owner.token });
    const res = await api('DELETE', `${roomsPath(owner)}/${room.id}`, { token: owner.token });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('room_live');
  });

  it('validates the join body', async () => {
    const owner = await signUp('join-validate');
    const room = (await createRoom(owner)).body;
    const bad = await api('POST', `${roomsPath(owner)}/${room.id}/join`, { token: owner.token, rawBody: '{oops' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_json');
    const unauth = await api('POST', `${roomsPath(owner)}/${room.id}/join`);
    expect(unauth.status).toBe(401);
  });
});
