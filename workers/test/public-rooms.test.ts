import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { addMember, api, signUp, unique, withinOneRateWindow, type Tenant } from './api-client.ts';
import { config, connect } from './room-client.ts';

const orgSlug = async (t: Tenant) => (await api('GET', `/organizations/${t.organizationId}`, { token: t.token })).body.slug as string;

async function room(t: Tenant, visibility: 'public' | 'members' | 'invite') {
  const slug = unique('pub');
  const res = await api('POST', `/organizations/${t.organizationId}/rooms`, {
    token: t.token,
    body: { workspaceId: t.workspaceId, title: `A ${visibility} room`, slug, visibility },
  });
  if (res.status !== 201) throw new Error(`create room: ${JSON.stringify(res.body)}`);
  return { id: res.body.id as string, slug, org: await orgSlug(t) };
}
const start = (t: Tenant, roomId: string) => api('POST', `/organizations/${t.organizationId}/rooms/${roomId}/start`, { token: t.token });
const end = (t: Tenant, roomId: string) => api('POST', `/organizations/${t.organizationId}/rooms/${roomId}/end`, { token: t.token });

describe('public room API', () => {
  it('shows a public room to anyone, by slugs and by id, with its status through idle, live and ended', async () => {
    const owner = await signUp('pub-status');
    const r = await room(owner, 'public');
    const bySlugs = () => api('GET', `/public/rooms/${r.org}/${r.slug}`);
    const expected = { roomId: r.id, organizationId: owner.organizationId, title: 'A public room', visibility: 'public' };
    expect(await bySlugs()).toMatchObject({ status: 200, body: { ...expected, status: 'idle' } });
    await start(owner, r.id);
    expect((await bySlugs()).body.status).toBe('live');
    expect(await api('GET', `/public/rooms-by-id/${r.id}`)).toMatchObject({ status: 200, body: { ...expected, status: 'live' } });
    await end(owner, r.id);
    expect((await bySlugs()).body.status).toBe('ended');
    // A deleted room is gone for the public pages too.
    expect((await api('DELETE', `/organizations/${owner.organizationId}/rooms/${r.id}`, { token: owner.token })).status).toBe(204);
    expect((await bySlugs()).status).toBe(404);
    expect((await api('GET', `/public/rooms-by-id/${r.id}`)).status).toBe(404);
  });

  it('hides members rooms from anonymous visitors and other tenants (404), and shows them to members', async () => {
    const owner = await signUp('pub-members');
    const viewer = await addMember(owner, 'viewer');
    const stranger = await signUp('pub-stranger');
    for (const visibility of ['members', 'invite'] as const) {
      const r = await room(owner, visibility);
      for (const path of [`/public/rooms/${r.org}/${r.slug}`, `/public/rooms-by-id/${r.id}`]) {
        const anonymous = await api('GET', path);
        expect(anonymous.status, path).toBe(404);
        expect(anonymous.body.error.code).toBe('not_found');
        // The same answer as a room that does not exist: nothing tells them it is there.
        expect(await api('GET', path, { token: stranger.token })).toMatchObject({ status: 404, body: anonymous.body });
        expect(await api('GET', path, { token: viewer.token })).toMatchObject({ status: 200, body: { roomId: r.id, visibility } });
      }
    }
    const missing = await api('GET', `/public/rooms/${await orgSlug(owner)}/no-such-room`);
    expect(missing.status).toBe(404);
    expect((await api('GET', '/public/rooms-by-id/not-a-uuid')).status).toBe(404);
    expect((await api('GET', `/public/rooms-by-id/${crypto.randomUUID()}`)).status).toBe(404);
  });

  it('gives an anonymous visitor of a live public room a guest viewer token that opens the room socket', async () => {
    const owner = await signUp('pub-join');
    const r = await room(owner, 'public');
    const path = `/public/rooms/${r.org}/${r.slug}/join`;
    const notLive = await api('POST', path, { body: { name: 'Early Bird' } });
    expect(notLive.status).toBe(409);
    expect(notLive.body.error.code).toBe('room_not_live');
    await start(owner, r.id);

    const joined = await api('POST', path, { body: { name: '  Ada <b>  ' } });
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({ role: 'viewer', signalingUrl: expect.stringMatching(new RegExp(`^wss?://.+/api/v1/rooms/${r.id}/signal$`)) });
    const claims = decodeJwt(joined.body.token);
    expect(claims).toMatchObject({ room: r.id, org: owner.organizationId, role: 'viewer', name: 'Ada <b>', uid: null });
    expect(claims.sub).toMatch(/^guest-[0-9a-f-]{36}$/);
    expect(claims.grants).toEqual(['chat']);
    // Two joins are two different guests.
    const again = await api('POST', `/public/rooms-by-id/${r.id}/join`, { body: { name: 'Ada' } });
    expect(decodeJwt(again.body.token).sub).not.toBe(claims.sub);

    const socket = await connect(r.id, joined.body.token);
    socket.send({ type: 'hello', protocol: 1, token: joined.body.token });
    const welcome = await socket.next('welcome');
    expect(welcome).toMatchObject({ self: { identity: claims.sub, name: 'Ada <b>', role: 'viewer', grants: ['chat'] } });
    socket.close();
  });

  it('refuses guests in members rooms, validates the name, and answers 404 for rooms it may not show', async () => {
    const owner = await signUp('pub-refuse');
    const members = await room(owner, 'members');
    await start(owner, members.id);
    expect((await api('POST', `/public/rooms/${members.org}/${members.slug}/join`, { body: { name: 'Eve' } })).status).toBe(404);
    // A member who can see the room is told to join through the organization instead.
    const refused = await api('POST', `/public/rooms/${members.org}/${members.slug}/join`, { token: owner.token, body: { name: 'Owner' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('members_only');

    const pub = await room(owner, 'public');
    await start(owner, pub.id);
    for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(61) }, { name: 42 }]) {
      const res = await api('POST', `/public/rooms-by-id/${pub.id}/join`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
  });

  it('rate-limits anonymous joins per client address', async () => {
    const owner = await signUp('pub-limit');
    const r = await room(owner, 'public');
    await start(owner, r.id);
    const ip = `10.99.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const limit = config.publicJoinRateLimitPerIp;
    const statuses: number[] = [];
    await withinOneRateWindow();
    for (let i = 0; i <= limit; i++) {
      statuses.push((await api('POST', `/public/rooms-by-id/${r.id}/join`, { ip, body: { name: `Guest ${i}` } })).status);
    }
    expect(statuses.slice(0, limit).every((s) => s === 200)).toBe(true);
    expect(statuses[limit]).toBe(429);
    // Another address is not affected.
    expect((await api('POST', `/public/rooms-by-id/${r.id}/join`, { body: { name: 'Other' } })).status).toBe(200);
  });
});
