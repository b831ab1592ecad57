// The studio's rules in the RoomDO and the guest-link API: a guest link admits to one room until it
// expires; guests wait backstage and the room refuses their producers until a host brings them on
// stage (and closes them when they go back); at most STAGE_LIMIT on stage; only hosts and co-hosts
// move people or switch the layout; layout and banner frames are validated.
import { decodeJwt } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STAGE_LIMITS } from '@roomcast/schema';
import { STAGE_LIMIT, type StudioState } from '@roomcast/schema/protocol';
import { addMember, api, setPlan, signUp, type Tenant } from './api-client.ts';
import { unique } from './api-client.ts';
import { TestNode } from './fleet-test-node.ts';
import { config, connect, join, upgrade, liveRoom, participantRows, roomTenant, socketAnswer, until, type TestRoom } from './room-client.ts';
import { signGuestInvite } from '../src/rooms/studio/guest-invite.ts';

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('studio');
});
afterEach(() => TestNode.closeAll());


const rtpParameters = { mid: '0', codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 2222 }] };
const dtlsParameters = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'CC:DD' }] };

const invitePath = (room: TestRoom) => `/organizations/${room.tenant.organizationId}/rooms/${room.roomId}/guest-invites`;

async function guestLink(room: TestRoom, token = room.tenant.token) {
  const res = await api('POST', invitePath(room), { token, body: {} });
  expect(res.status).toBe(201);
  return res.body as { id: string; invite: string; path: string; expiresAt: string };
}

async function guestJoin(roomId: string, invite: string, name = 'Gita') {
  return api('POST', `/public/rooms-by-id/${roomId}/guest-join`, { body: { invite, name } });
}

/** A guest in the room through the real link exchange. */
async function joinAsGuest(room: TestRoom, name = 'Gita') {
  const { invite } = await guestLink(room);
  const joined = await guestJoin(room.roomId, invite, name);
  expect(joined.status).toBe(200);
  const socket = await connect(room.roomId, joined.body.token);
  socket.send({ type: 'hello', protocol: 1, token: joined.body.token });
  const welcome = await socket.next('welcome');
  return { socket, welcome, identity: welcome.self.identity as string };
}

/** A guest with a token signed in the test (the room cannot tell): for the rules that need many. */
const quickGuest = (room: TestRoom, name: string) => join(room, { role: 'guest', identity: `studio:${crypto.randomUUID()}`, name });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- frames are read loosely here, as in the other room tests
const studioOf = (m: any) => m.room.studio as StudioState;

describe('studio guest links', () => {
  it('admit to one room as a guest until they expire, and only people who may go live make them', async () => {
    const room = await liveRoom(tenant);
    const other = await liveRoom(tenant);
    const link = await guestLink(room);
    expect(link.path).toBe(`/guest/${room.roomId}#${link.invite}`);

    const joined = await guestJoin(room.roomId, link.invite, '  Gita <b> ');
    expect(joined.status).toBe(200);
    expect(joined.body.role).toBe('guest');
    expect(decodeJwt(joined.body.token)).toMatchObject({ room: room.roomId, role: 'guest', name: 'Gita <b>', grants: ['publish', 'chat'] });

    // Another room's path, an expired link, a forged one, and the link used as a room token.
    expect(await guestJoin(other.roomId, link.invite)).toMatchObject({ status: 403, body: { error: { code: 'invalid_invite' } } });
    const expired = await signGuestInvite(config.roomTokenSecret, { roomId: room.roomId, organizationId: tenant.organizationId, invitedBy: 'test' }, -60);
    expect(await guestJoin(room.roomId, expired.token)).toMatchObject({ status: 403, body: { error: { code: 'invite_expired' } } });
    expect(await guestJoin(room.roomId, `${link.invite}x`)).toMatchObject({ status: 403, body: { error: { code: 'invalid_invite' } } });
    expect(await guestJoin(room.roomId, '')).toMatchObject({ status: 400 });
    expect((await upgrade(room.roomId, link.invite)).status).toBe(401);

    const viewer = await addMember(tenant, 'viewer');
    expect((await api('POST', invitePath(room), { token: viewer.token, body: {} })).status).toBe(403);
    expect((await api('POST', invitePath(room), { token: tenant.token, body: { ttlSeconds: 5 } })).status).toBe(400);
    // Another organization's room is not found.
    const stranger = await roomTenant('studio-stranger');
    expect((await api('POST', invitePath(room), { token: stranger.token, body: {} })).status).toBe(404);
  });

  it('are listed per room and revocable: a revoked link is refused with a clear message, others still admit', async () => {
    const room = await liveRoom(tenant);
    const first = await guestLink(room);
    const second = await guestLink(room);
    const listed = await api('GET', invitePath(room), { token: tenant.token });
    expect(listed.status).toBe(200);
    expect(listed.body.invites.map((i: { id: string }) => i.id)).toEqual([second.id, first.id]);
    expect(listed.body.invites[0]).toMatchObject({ status: 'active', revokedAt: null, expiresAt: second.expiresAt });
    expect(JSON.stringify(listed.body)).not.toContain(first.invite);

    expect((await api('DELETE', `${invitePath(room)}/${first.id}`, { token: tenant.token })).status).toBe(204);
    expect(await guestJoin(room.roomId, first.invite)).toMatchObject({ status: 403, body: { error: { code: 'invite_revoked', message: expect.stringContaining('revoked by the host') } } });
    expect((await guestJoin(room.roomId, second.invite)).status).toBe(200);
    expect((await api('GET', invitePath(room), { token: tenant.token })).body.invites.find((i: { id: string }) => i.id === first.id)).toMatchObject({ status: 'revoked' });
    // Revoking again changes nothing; a link this room never made is not found.
    expect((await api('DELETE', `${invitePath(room)}/${first.id}`, { token: tenant.token })).status).toBe(204);
    expect((await api('DELETE', `${invitePath(room)}/${crypto.randomUUID()}`, { token: tenant.token })).status).toBe(404);

    // Viewers may not list or revoke; another organization sees neither the room nor its links.
    const viewer = await addMember(tenant, 'viewer');
    expect((await api('GET', invitePath(room), { token: viewer.token })).status).toBe(403);
    expect((await api('DELETE', `${invitePath(room)}/${second.id}`, { token: viewer.token })).status).toBe(403);
    const stranger = await roomTenant('studio-revoke-stranger');
    expect((await api('GET', invitePath(room), { token: stranger.token })).status).toBe(404);
    expect((await api('DELETE', `${invitePath(room)}/${second.id}`, { token: stranger.token })).status).toBe(404);
    // A signed link with no record (never issued through the API) admits no one.
    const unrecorded = await signGuestInvite(config.roomTokenSecret, { roomId: room.roomId, organizationId: tenant.organizationId, invitedBy: 'test' }, 600);
    expect(await guestJoin(room.roomId, unrecorded.token)).toMatchObject({ status: 403, body: { error: { code: 'invalid_invite' } } });
  });
});

describe('the stage', () => {
  it('keeps a guest backstage (no producing) until a host brings them on, and closes their producers when sent back', async () => {
    const node = await TestNode.register({ nodeId: unique('studio-node') });
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host', name: 'Hana' });
    await node.acceptAssignment(room.roomId);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    const viewer = await join(room, { role: 'viewer' });
    const guest = await joinAsGuest(room);
    expect(guest.welcome.self).toMatchObject({ role: 'guest', grants: ['publish', 'chat'] });
    // The host is on stage from joining; the guest is not.
    expect(studioOf(guest.welcome).stage).toEqual([host.identity]);

    const send = await socketAnswer(guest.socket, 'media.createTransport', { direction: 'send' });
    expect(send.ok).toBe(true);
    await socketAnswer(guest.socket, 'media.connectTransport', { transportId: send.data.id, dtlsParameters });
    const produce = () => socketAnswer(guest.socket, 'media.produce', { transportId: send.data.id, kind: 'video', rtpParameters, source: 'camera' });
    expect(await produce()).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('backstage') } });

    host.socket.send({ type: 'stage.move', identity: guest.identity, to: 'stage' });
    const onStage = await viewer.socket.next((m) => m.type === 'room.updated' && studioOf(m).stage.includes(guest.identity));
    expect(studioOf(onStage).stage).toEqual([host.identity, guest.identity]);
    const produced = await produce();
    expect(produced).toMatchObject({ ok: true });
    // The program is what recordings carry: only the host or a co-host publishes it, not a guest on stage.
    const program = await socketAnswer(guest.socket, 'media.produce', { transportId: send.data.id, kind: 'video', rtpParameters, source: 'program' });
    expect(program).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('program') } });
    expect(await viewer.socket.next((m) => m.type === 'media.producer_added' && m.producer.identity === guest.identity)).toBeTruthy();

    host.socket.send({ type: 'stage.move', identity: guest.identity, to: 'backstage' });
    expect(await viewer.socket.next((m) => m.type === 'media.producer_closed' && m.producerId === produced.data.id)).toBeTruthy();
    expect(studioOf(await viewer.socket.next('room.updated')).stage).toEqual([host.identity]);
    expect(await produce()).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const listed = await socketAnswer(viewer.socket, 'media.producers');
    expect(listed.data.producers.filter((p: { identity: string }) => p.identity === guest.identity)).toEqual([]);

    // Postgres bills the guest as a guest (the row goes out through the room's outbox, flushed in
    // the background: a CI run under load read before it landed).
    const row = await until('the guest\'s participant row', async () => (await participantRows(room)).find((r) => r.identity === guest.identity));
    expect(row).toMatchObject({ role: 'guest', name: 'Gita' });
  });

  it(`holds at most ${STAGE_LIMIT} people, the host included, with a clear error past that`, async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const guests: Awaited<ReturnType<typeof quickGuest>>[] = [];
    for (let i = 0; i < STAGE_LIMIT; i++) guests.push(await quickGuest(room, `Guest ${i + 1}`));
    for (const g of guests.slice(0, STAGE_LIMIT - 1)) host.socket.send({ type: 'stage.move', identity: g.identity, to: 'stage' });
    await host.socket.next((m) => m.type === 'room.updated' && studioOf(m).stage.length === STAGE_LIMIT);
    host.socket.send({ type: 'stage.move', identity: guests[STAGE_LIMIT - 1]!.identity, to: 'stage', id: 'eleventh' });
    const full = await host.socket.error('stage_full');
    expect(full).toMatchObject({ id: 'eleventh', message: expect.stringContaining(`at most ${STAGE_LIMIT}`) });

    // One leaves the stage for good: the room has a seat again.
    guests[0]!.socket.send({ type: 'leave' });
    await host.socket.next((m) => m.type === 'room.updated' && studioOf(m).stage.length === STAGE_LIMIT - 1);
    host.socket.send({ type: 'stage.move', identity: guests[STAGE_LIMIT - 1]!.identity, to: 'stage' });
    await host.socket.next((m) => m.type === 'room.updated' && studioOf(m).stage.includes(guests[STAGE_LIMIT - 1]!.identity));
  });

  it("holds the plan's stage size (below 10 on smaller plans), saying which plan limits it", async () => {
    const pro = await signUp('studio-pro');
    await setPlan(pro, 'professional');
    const room = await liveRoom(pro);
    const host = await join(room, { role: 'host' });
    const size = STAGE_LIMITS.professional;
    expect(studioOf(host.welcome).stageLimit).toBe(size);
    const guests: Awaited<ReturnType<typeof quickGuest>>[] = [];
    for (let i = 0; i < size; i++) guests.push(await quickGuest(room, `Guest ${i + 1}`));
    for (const g of guests.slice(0, size - 1)) host.socket.send({ type: 'stage.move', identity: g.identity, to: 'stage' });
    await host.socket.next((m) => m.type === 'room.updated' && studioOf(m).stage.length === size);
    host.socket.send({ type: 'stage.move', identity: guests[size - 1]!.identity, to: 'stage', id: 'one-too-many' });
    expect(await host.socket.error('stage_full')).toMatchObject({ id: 'one-too-many', message: expect.stringContaining(`the Professional plan allows ${size} people on stage`) });
  });

  it('lets only hosts and co-hosts move guests, and only guests move', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const guest = await quickGuest(room, 'Gus');
    const other = await quickGuest(room, 'Olga');
    for (const role of ['moderator', 'viewer'] as const) {
      const { socket } = await join(room, { role });
      socket.send({ type: 'stage.move', identity: guest.identity, to: 'stage' });
      expect(await socket.error('forbidden')).toBeTruthy();
      socket.send({ type: 'studio.layout', layout: 'grid' });
      expect(await socket.error('forbidden')).toBeTruthy();
    }
    other.socket.send({ type: 'stage.move', identity: guest.identity, to: 'stage' });
    expect(await other.socket.error('forbidden')).toBeTruthy();
    const viewer = await join(room, { role: 'viewer' });
    host.socket.send({ type: 'stage.move', identity: viewer.identity, to: 'stage' });
    expect(await host.socket.error('forbidden')).toMatchObject({ message: expect.stringContaining('Only studio guests') });
    host.socket.send({ type: 'stage.move', identity: 'studio:nobody', to: 'stage' });
    expect(await host.socket.error('not_found')).toBeTruthy();

    const cohost = await join(room, { role: 'cohost' });
    cohost.socket.send({ type: 'stage.move', identity: guest.identity, to: 'stage' });
    await guest.socket.next((m) => m.type === 'room.updated' && studioOf(m).stage.includes(guest.identity));
    // Hosts mute and remove guests with the room's moderation.
    host.socket.send({ type: 'moderation.kick', identity: guest.identity });
    expect(await guest.socket.error('kicked')).toBeTruthy();
    await host.socket.next((m) => m.type === 'room.updated' && !studioOf(m).stage.includes(guest.identity));
  });
});

describe('layouts and banners', () => {
  it('are room state every client receives, and bad frames get an error frame', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const viewer = await join(room, { role: 'viewer', name: 'Vic' });
    expect(studioOf(viewer.welcome)).toMatchObject({ layout: 'grid', banner: null, stageLimit: STAGE_LIMIT });

    host.socket.send({ type: 'studio.layout', layout: 'carousel', id: 'bad-layout' } as Record<string, unknown>);
    expect(await host.socket.error('invalid_message')).toMatchObject({ id: 'bad-layout' });
    host.socket.send({ type: 'studio.layout', layout: 'spotlight', spotlight: 'studio:not-on-stage' });
    expect(await host.socket.error('not_found')).toBeTruthy();
    host.socket.send({ type: 'studio.layout', layout: 'spotlight', spotlight: host.identity });
    expect(studioOf(await viewer.socket.next('room.updated'))).toMatchObject({ layout: 'spotlight', spotlight: host.identity });

    viewer.socket.send({ type: 'chat.send', text: 'Great call on NVDA' });
    const chat = await host.socket.next('chat.message');
    viewer.socket.send({ type: 'banner.show', source: 'chat', messageId: chat.id });
    expect(await viewer.socket.error('forbidden')).toBeTruthy();
    host.socket.send({ type: 'banner.show', source: 'chat', messageId: 999_999 });
    expect(await host.socket.error('not_found')).toBeTruthy();
    host.socket.send({ type: 'banner.show', source: 'chat', messageId: -1 });
    expect(await host.socket.error('invalid_message')).toBeTruthy();

    const moderator = await join(room, { role: 'moderator' });
    moderator.socket.send({ type: 'banner.show', source: 'chat', messageId: chat.id });
    expect(studioOf(await viewer.socket.next((m) => m.type === 'room.updated' && studioOf(m).banner !== null)).banner).toMatchObject({
      source: 'chat',
      id: chat.id,
      text: 'Great call on NVDA',
      author: 'Vic',
    });

    host.socket.send({ type: 'alert.post', kind: 'buy', text: 'Long above 120', symbol: 'nvda', price: 120.5 });
    const alert = await viewer.socket.next('alert.posted');
    host.socket.send({ type: 'banner.show', source: 'alert', messageId: alert.alert.id });
    expect(studioOf(await viewer.socket.next((m) => m.type === 'room.updated' && (studioOf(m).banner as { source?: string })?.source === 'alert')).banner).toMatchObject({
      text: 'Long above 120',
      symbol: 'NVDA',
      price: 120.5,
    });

    host.socket.send({ type: 'banner.hide' });
    expect(studioOf(await viewer.socket.next((m) => m.type === 'room.updated' && studioOf(m).banner === null)).banner).toBeNull();
  });
});

describe('backstage', () => {
  it('has a chat only the host, co-hosts and guests receive, and backstage guests\' camera thumbnails reach only hosts', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host', name: 'Hana' });
    const viewer = await join(room, { role: 'viewer', name: 'Vic' });
    const moderator = await join(room, { role: 'moderator', name: 'Mo' });
    const guest = await joinAsGuest(room, 'Gita');
    expect(guest.welcome.backstage).toEqual([]);

    guest.socket.send({ type: 'backstage.send', text: '  Ready when you are  ' });
    const heard = await host.socket.next('backstage.message');
    expect(heard.message).toMatchObject({ identity: guest.identity, name: 'Gita', text: 'Ready when you are' });
    expect(await guest.socket.next('backstage.message')).toMatchObject({ message: { id: heard.message.id } });
    host.socket.send({ type: 'backstage.send', text: 'Going to you in 10' });
    await guest.socket.next((m) => m.type === 'backstage.message' && m.message.text === 'Going to you in 10');

    // Viewers and moderators may not talk backstage, and never hear it.
    viewer.socket.send({ type: 'backstage.send', text: 'let me in' });
    expect(await viewer.socket.error('forbidden')).toMatchObject({ message: expect.stringContaining('backstage') });

    // A thumbnail from a guest backstage reaches the host only; one that is not a small JPEG is refused.
    const image = `data:image/jpeg;base64,${btoa('not really a jpeg but base64')}`;
    guest.socket.send({ type: 'backstage.preview', image });
    expect(await host.socket.next('backstage.preview')).toMatchObject({ identity: guest.identity, image });
    guest.socket.send({ type: 'backstage.preview', image: 'data:image/png;base64,AAAA' });
    expect(await guest.socket.error('invalid_message')).toBeTruthy();
    guest.socket.send({ type: 'backstage.preview', image: `data:image/jpeg;base64,${'A'.repeat(12_000)}` });
    expect(await guest.socket.error('invalid_message')).toBeTruthy();
    host.socket.send({ type: 'backstage.preview', image });
    expect(await host.socket.error('forbidden')).toBeTruthy();

    // Everyone's round trip done: nothing backstage reached the viewer or the moderator.
    for (const s of [viewer.socket, moderator.socket]) {
      s.send({ type: 'ping', ts: 1 });
      await s.next('pong');
      expect(s.received.filter((m) => String(m.type).startsWith('backstage.'))).toEqual([]);
    }

    // Someone joining backstage later reads the conversation so far; a viewer's welcome has none.
    const late = await joinAsGuest(room, 'Lee');
    expect(late.welcome.backstage.map((m: { text: string }) => m.text)).toEqual(['Ready when you are', 'Going to you in 10']);
    const lateViewer = await join(room, { role: 'viewer' });
    expect(lateViewer.welcome.backstage).toBeUndefined();
  });
});
