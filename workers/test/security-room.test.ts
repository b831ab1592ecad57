// Attacker's tests of the room socket: moderators reaching above their rank through absent
// identities, participants turning the room into an amplifier, API keys standing in for members or
// dodging seat limits, guests filling rooms and shrugging off bans, old tokens reopening ended
// sessions, and members keeping a role they lost.
import { exports } from 'cloudflare:workers';
import { decodeJwt, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { FANOUT_LIMITS } from '../src/rooms/realtime/fanout-limits.ts';
import { MAX_GUESTS_PER_CLIENT } from '../src/rooms/realtime/guest-clients.ts';
import { MAX_PENDING_PER_CLIENT } from '../src/rooms/realtime/pending-limit.ts';
import { addMember, api, setPlan, signUp, unique, type Tenant } from './api-client.ts';
import { config, join, liveRoom, roomTenant, roomToken, RoomSocket, type TestRoom } from './room-client.ts';

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('sec-room');
});

const roomPath = (t: Tenant, roomId: string) => `/organizations/${t.organizationId}/rooms/${roomId}`;

/** A room token from the REST join, as a member (their session token) or an API key. */
async function restJoin(t: Tenant, roomId: string, bearer: string, body?: unknown) {
  return api('POST', `${roomPath(t, roomId)}/join`, { token: bearer, ...(body === undefined ? {} : { body }) });
}

/** The signaling upgrade from `ip` (as Cloudflare would say). */
const upgradeFrom = (roomId: string, token: string, ip?: string) =>
  exports.default.fetch(
    new Request(`http://roomcast.test/api/v1/rooms/${roomId}/signal?token=${encodeURIComponent(token)}`, {
      headers: { Upgrade: 'websocket', ...(ip ? { 'cf-connecting-ip': ip } : {}) },
    }),
  );

/** Opens the socket from `ip` and sends hello; returns the socket and the first answer. */
async function hello(roomId: string, token: string, ip?: string) {
  const res = await upgradeFrom(roomId, token, ip);
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade refused: ${res.status}`);
  res.webSocket.accept();
  const socket = new RoomSocket(res.webSocket);
  socket.send({ type: 'hello', protocol: 1, token });
  const first = await socket.next((m) => m.type === 'welcome' || m.type === 'error');
  return { socket, first };
}

/** `2001:db8:xxxx:xxxx`: the first four groups of a random IPv6 /64 (documentation prefix). */
const randomIpv6Network = () => `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
const randomIp = () => `10.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

describe('moderation rank holds for absent identities', () => {
  it('refuses a moderator banning an absent owner or an identity it cannot rank, and still lets guests be pre-banned', async () => {
    const room = await liveRoom(tenant);
    const mod = await join(room, { role: 'moderator' });
    mod.socket.send({ type: 'moderation.ban', identity: `user:${tenant.userId}` });
    expect((await mod.socket.error('forbidden')).message).toMatch(/cannot moderate a owner/);
    mod.socket.send({ type: 'moderation.ban', identity: 'app:customer-7' });
    await mod.socket.error('not_found');
    mod.socket.send({ type: 'moderation.ban', identity: `user:${crypto.randomUUID()}` });
    await mod.socket.error('not_found');

    // The owner is not banned: they join as themself.
    const owner = await restJoin(tenant, room.roomId, tenant.token);
    const { first } = await hello(room.roomId, owner.body.token);
    expect(first).toMatchObject({ type: 'welcome', self: { role: 'owner' } });

    mod.socket.send({ type: 'moderation.ban', identity: 'guest-not-here-yet' });
    await mod.socket.sync();
    await expect(join(room, { identity: 'guest-not-here-yet' })).rejects.toThrow(/banned/);
  });

  it("refuses a moderator deleting a host's chat message or lowering a host's hand", async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const viewer = await join(room, { role: 'viewer' });
    const mod = await join(room, { role: 'moderator' });
    host.socket.send({ type: 'chat.send', text: 'the host speaks' });
    const hostMessage = await mod.socket.next((m) => m.type === 'chat.message' && m.author.identity === host.identity);
    mod.socket.send({ type: 'chat.delete', messageId: hostMessage.id });
    expect((await mod.socket.error('forbidden')).message).toMatch(/cannot moderate a host/);
    host.socket.send({ type: 'hand.raise' });
    await mod.socket.next((m) => m.type === 'participant.updated' && m.participant.identity === host.identity && m.participant.handRaised);
    mod.socket.send({ type: 'hand.lower', identity: host.identity });
    await mod.socket.error('forbidden');

    // Lower ranks still answer to the moderator.
    viewer.socket.send({ type: 'chat.send', text: 'a viewer speaks' });
    const viewerMessage = await mod.socket.next((m) => m.type === 'chat.message' && m.author.identity === viewer.identity);
    mod.socket.send({ type: 'chat.delete', messageId: viewerMessage.id });
    await viewer.socket.next((m) => m.type === 'chat.deleted' && m.messageId === viewerMessage.id);
  });
});

describe('fan-out floods', () => {
  it('tells the room nothing for a no-op hand and caps a burst of hand toggles at the hand budget', async () => {
    const room = await liveRoom(tenant);
    const observer = await join(room, { role: 'host' });
    const flooder = await join(room);
    const updates = () => observer.socket.unreadOf('participant.updated').length;

    flooder.socket.send({ type: 'hand.raise' });
    flooder.socket.send({ type: 'hand.raise' });
    flooder.socket.send({ type: 'hand.lower' });
    flooder.socket.send({ type: 'hand.lower' });
    await flooder.socket.sync();
    await observer.socket.sync();
    expect(updates()).toBe(2);

    for (let i = 0; i < 300; i++) flooder.socket.send({ type: i % 2 ? 'hand.lower' : 'hand.raise' });
    await flooder.socket.sync();
    await observer.socket.sync();
    expect(updates()).toBeLessThanOrEqual(FANOUT_LIMITS.hand.limit);
    expect(flooder.socket.unreadOf('error').every((e) => e.code === 'rate_limited')).toBe(true);
    expect(flooder.socket.unreadOf('error').length).toBeGreaterThan(250);
  });

  it('rate-limits chat.history reads per participant', async () => {
    const room = await liveRoom(tenant);
    const reader = await join(room);
    for (let i = 0; i < 40; i++) reader.socket.send({ type: 'chat.history', id: `h${i}`, limit: 100 });
    await reader.socket.sync();
    expect(reader.socket.unreadOf('chat.history')).toHaveLength(FANOUT_LIMITS.history.limit);
    expect(reader.socket.unreadOf('error').filter((e) => e.code === 'rate_limited')).toHaveLength(40 - FANOUT_LIMITS.history.limit);
  });

  it('tells the room nothing for moderator no-ops (the same slow mode, chat state or pin again); only the sender hears back', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const observer = await join(room);
    for (let i = 0; i < 5; i++) host.socket.send({ type: 'moderation.slow_mode', seconds: 5 });
    for (let i = 0; i < 5; i++) host.socket.send({ type: 'moderation.chat', enabled: true });
    host.socket.send({ type: 'alert.post', kind: 'info', text: 'pin me', pin: true });
    const alert = (await host.socket.next('alert.posted')).alert;
    for (let i = 0; i < 5; i++) host.socket.send({ type: 'alert.pin', alertId: alert.id });
    await host.socket.sync();
    await observer.socket.sync();
    expect(observer.socket.unreadOf('room.updated')).toHaveLength(1);
    expect(observer.socket.unreadOf('alert.pinned')).toHaveLength(0);
    // The sender alone hears back the state it asked for.
    expect(host.socket.unreadOf('room.updated')).toHaveLength(10);
    expect(host.socket.unreadOf('alert.pinned')).toHaveLength(5);
  });

  it('refuses a client holding too many sockets that never say hello', async () => {
    const room = await liveRoom(tenant);
    const token = await roomToken(room);
    const ip = randomIp();
    const opened: WebSocket[] = [];
    for (let i = 0; i < MAX_PENDING_PER_CLIENT; i++) {
      const res = await upgradeFrom(room.roomId, token, ip);
      expect(res.status).toBe(101);
      res.webSocket!.accept();
      opened.push(res.webSocket!);
    }
    const refused = await upgradeFrom(room.roomId, token, ip);
    expect(refused.status).toBe(429);
    expect((await refused.json<any>()).error.code).toBe('rate_limited');
    expect((await upgradeFrom(room.roomId, token, randomIp())).status).toBe(101);
    for (const ws of opened) ws.close();
  });

  it('refuses a reconnect loop of one identity after the join budget (each join is announced to the room)', async () => {
    const room = await liveRoom(tenant);
    const observer = await join(room, { role: 'host' });
    const token = await roomToken(room, { identity: unique('guest:looper') });
    const answers: string[] = [];
    for (let i = 0; i <= FANOUT_LIMITS.join.limit; i++) {
      const { socket, first } = await hello(room.roomId, token);
      answers.push(first.type === 'error' ? first.code : first.type);
      if (first.type === 'error') expect((await socket.closed()).code).toBe(1008);
    }
    expect(answers.slice(0, FANOUT_LIMITS.join.limit).every((a) => a === 'welcome')).toBe(true);
    expect(answers.at(-1)).toBe('rate_limited');
    await observer.socket.sync();
  });
});

describe('API keys', () => {
  let owner: Tenant;
  let key: string;
  beforeAll(async () => {
    owner = await signUp('sec-keys');
    await setPlan(owner, 'professional');
    key = (await api('POST', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token, body: { name: 'backend' } })).body.secret;
  });

  it('cannot mint a member or guest identity', async () => {
    const room = await liveRoom(owner);
    for (const identity of [`user:${owner.userId}`, 'USER:x', `guest-${crypto.randomUUID()}`, 'guest:someone']) {
      const res = await restJoin(owner, room.roomId, key, { identity, role: 'host' });
      expect(res.status, identity).toBe(400);
      expect(res.body.error.code).toBe('reserved_identity');
    }
    const own = await restJoin(owner, room.roomId, key, { identity: 'customer-42', role: 'viewer' });
    expect(decodeJwt(own.body.token).sub).toBe('customer-42');
    const anonymous = await restJoin(owner, room.roomId, key, {});
    expect(decodeJwt(anonymous.body.token).sub).toMatch(/^app:/);
  });

  it('revoking a key sends its participants out of the room and its unexpired room tokens are refused', async () => {
    const doomed = (await api('POST', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token, body: { name: 'leaked' } })).body;
    const room = await liveRoom(owner);
    const minted = await restJoin(owner, room.roomId, doomed.secret, { identity: unique('intruder'), role: 'admin' });
    expect(minted.status).toBe(200);
    const intruder = await hello(room.roomId, minted.body.token);
    expect(intruder.first.type).toBe('welcome');
    const unused = (await restJoin(owner, room.roomId, doomed.secret, { identity: unique('later') })).body.token as string;
    // Another key's participant is not touched.
    const bystander = await hello(room.roomId, (await restJoin(owner, room.roomId, key, { identity: unique('customer') })).body.token);
    expect(bystander.first.type).toBe('welcome');

    expect((await api('DELETE', `/organizations/${owner.organizationId}/api-keys/${doomed.apiKey.id}`, { token: owner.token })).status).toBe(204);
    await intruder.socket.error('forbidden');
    expect((await intruder.socket.closed()).code).toBe(1008);
    expect((await hello(room.roomId, minted.body.token)).first).toMatchObject({ type: 'error', code: 'forbidden' });
    expect((await hello(room.roomId, unused)).first).toMatchObject({ type: 'error', code: 'forbidden' });
    bystander.socket.send({ type: 'ping', ts: 2 });
    await bystander.socket.next((m) => m.type === 'pong');
  });

  it('a key of an organization that lost API access (a downgrade) cannot bring its unexpired room tokens in', async () => {
    const downgraded = await signUp('sec-key-downgrade');
    await setPlan(downgraded, 'professional');
    const secret = (await api('POST', `/organizations/${downgraded.organizationId}/api-keys`, { token: downgraded.token, body: { name: 'backend' } })).body.secret;
    const room = await liveRoom(downgraded);
    const minted = (await restJoin(downgraded, room.roomId, secret, { identity: unique('customer') })).body.token as string;
    await setPlan(downgraded, 'starter');
    expect((await hello(room.roomId, minted)).first).toMatchObject({ type: 'error', code: 'forbidden' });
    // A member still joins.
    expect((await hello(room.roomId, (await restJoin(downgraded, room.roomId, downgraded.token)).body.token)).first.type).toBe('welcome');
  });

  it('counts host roles a key mints against the plan hosts per room (Professional: 3)', async () => {
    const room = await liveRoom(owner);
    const answers: string[] = [];
    for (const role of ['host', 'cohost', 'admin', 'host']) {
      const minted = await restJoin(owner, room.roomId, key, { identity: unique('presenter'), role });
      const { first } = await hello(room.roomId, minted.body.token);
      answers.push(first.type === 'error' ? `${first.code}: ${first.message}` : first.type);
    }
    expect(answers.slice(0, 3)).toEqual(['welcome', 'welcome', 'welcome']);
    expect(answers[3]).toMatch(/^room_full: .*3 hosts per room/);
    // The owner holds an organization host seat: minted hosts never lock them out of their room.
    const own = await restJoin(owner, room.roomId, owner.token);
    expect((await hello(room.roomId, own.body.token)).first.type).toBe('welcome');
  });

  it('counts moderators against the viewers per room (Starter: 50)', async () => {
    const starter = await signUp('sec-seats');
    const room = await liveRoom(starter);
    for (let batch = 0; batch < 5; batch++) await Promise.all(Array.from({ length: 10 }, () => join(room, { role: 'moderator' })));
    const token = await roomToken(room);
    const { first } = await hello(room.roomId, token);
    expect(first).toMatchObject({ type: 'error', code: 'room_full' });
  });
});

describe('guests', () => {
  async function publicRoom(): Promise<TestRoom> {
    const created = await api('POST', `/organizations/${tenant.organizationId}/rooms`, {
      token: tenant.token,
      body: { workspaceId: tenant.workspaceId, title: 'Open desk', slug: unique('open'), visibility: 'public' },
    });
    const started = await api('POST', `${roomPath(tenant, created.body.id)}/start`, { token: tenant.token });
    return { tenant, roomId: created.body.id, sessionId: started.body.session.id };
  }
  const guestToken = async (roomId: string, ip: string) => {
    const res = await api('POST', `/public/rooms-by-id/${roomId}/join`, { ip, body: { name: 'Guest' } });
    expect(res.status).toBe(200);
    return res.body.token as string;
  };

  it('keeps a banned guest out under a new guest identity from the same client, by token and by socket address', async () => {
    const room = await publicRoom();
    const host = await join(room, { role: 'host' });
    const ip = randomIp();
    const banned = await hello(room.roomId, await guestToken(room.roomId, ip), ip);
    expect(banned.first.type).toBe('welcome');
    host.socket.send({ type: 'moderation.ban', identity: banned.first.self.identity });
    await banned.socket.error('banned');

    // A fresh guest identity minted from the same address.
    const again = await hello(room.roomId, await guestToken(room.roomId, ip));
    expect(again.first).toMatchObject({ type: 'error', code: 'banned' });
    // Minted elsewhere, but connecting from the banned address.
    const elsewhere = await hello(room.roomId, await guestToken(room.roomId, randomIp()), ip);
    expect(elsewhere.first).toMatchObject({ type: 'error', code: 'banned' });
    // Other clients are not affected.
    const other = randomIp();
    expect((await hello(room.roomId, await guestToken(room.roomId, other), other)).first.type).toBe('welcome');
  });

  it('treats every address of one IPv6 /64 as one client: a ban and the guest cap hold across it', async () => {
    const room = await publicRoom();
    const host = await join(room, { role: 'host' });
    const network = randomIpv6Network();
    const banned = await hello(room.roomId, await guestToken(room.roomId, `${network}::a`), `${network}::a`);
    expect(banned.first.type).toBe('welcome');
    host.socket.send({ type: 'moderation.ban', identity: banned.first.self.identity });
    await banned.socket.error('banned');

    // The same person picks another address of their /64 (privacy extensions do it by themselves).
    const rotated = `${network}:1234:5678:9abc:def0`;
    expect((await hello(room.roomId, await guestToken(room.roomId, rotated), rotated)).first).toMatchObject({ type: 'error', code: 'banned' });
    // The next /64 is someone else.
    const neighbour = `${randomIpv6Network()}::a`;
    expect((await hello(room.roomId, await guestToken(room.roomId, neighbour), neighbour)).first.type).toBe('welcome');

    // Guests per client: a fresh address per guest does not open more seats.
    const crowd = randomIpv6Network();
    const answers: string[] = [];
    for (let i = 0; i <= MAX_GUESTS_PER_CLIENT; i++) {
      const ip = `${crowd}::${(i + 1).toString(16)}`;
      const { first } = await hello(room.roomId, await guestToken(room.roomId, ip), ip);
      answers.push(first.type === 'error' ? first.code : first.type);
    }
    expect(answers.slice(0, MAX_GUESTS_PER_CLIENT).every((a) => a === 'welcome')).toBe(true);
    expect(answers.at(-1)).toBe('room_full');
  });

  it(`seats at most ${MAX_GUESTS_PER_CLIENT} guests from one client in a room`, async () => {
    const room = await publicRoom();
    const ip = randomIp();
    const answers: string[] = [];
    for (let i = 0; i <= MAX_GUESTS_PER_CLIENT; i++) {
      const { first } = await hello(room.roomId, await guestToken(room.roomId, ip), ip);
      answers.push(first.type === 'error' ? first.code : first.type);
    }
    expect(answers.slice(0, MAX_GUESTS_PER_CLIENT).every((a) => a === 'welcome')).toBe(true);
    expect(answers.at(-1)).toBe('room_full');
    const other = randomIp();
    expect((await hello(room.roomId, await guestToken(room.roomId, other), other)).first.type).toBe('welcome');
  });
});

describe('sessions and membership', () => {
  it('refuses a correctly signed room token that never expires', async () => {
    const room = await liveRoom(tenant);
    const forever = await new SignJWT({ room: room.roomId, org: tenant.organizationId, sid: room.sessionId, uid: null, name: 'Forever', role: 'viewer' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('roomcast')
      .setAudience('roomcast:room')
      .setSubject('guest:forever')
      .setIssuedAt()
      .sign(config.roomTokenSecret);
    // The token is checked before the upgrade: no socket is opened for it.
    const res = await upgradeFrom(room.roomId, forever);
    expect(res.status).toBe(401);
    expect(res.webSocket).toBeFalsy();
  });

  it('refuses a token of an ended session: it cannot reopen the room or wipe the bans of the live one', async () => {
    const room = await liveRoom(tenant);
    const oldToken = await roomToken(room, { identity: 'guest:from-the-first-session' });
    expect((await api('POST', `${roomPath(tenant, room.roomId)}/end`, { token: tenant.token })).status).toBe(200);
    const restarted = await api('POST', `${roomPath(tenant, room.roomId)}/start`, { token: tenant.token });
    expect(restarted.status).toBe(201);
    const live: TestRoom = { ...room, sessionId: restarted.body.session.id };
    const host = await join(live, { role: 'host' });
    const troll = await join(live);
    host.socket.send({ type: 'moderation.ban', identity: troll.identity });
    await troll.socket.error('banned');

    const old = await hello(room.roomId, oldToken);
    expect(old.first).toMatchObject({ type: 'error', code: 'room_ended' });
    await expect(join(live, { identity: troll.identity })).rejects.toThrow(/banned/);
  });

  it('closes the open room socket of a member who is demoted or removed, and an old token brings back no role', async () => {
    const room = await liveRoom(tenant);
    const member = await addMember(tenant, 'host');
    const token = (await restJoin(tenant, room.roomId, member.token)).body.token as string;
    const first = await hello(room.roomId, token);
    expect(first.first).toMatchObject({ type: 'welcome', self: { role: 'host' } });

    const demoted = await api('PATCH', `/organizations/${tenant.organizationId}/members/${member.userId}`, { token: tenant.token, body: { role: 'viewer' } });
    expect(demoted.status).toBe(200);
    await first.socket.error('role_changed');
    expect((await first.socket.closed()).code).toBe(4001);

    // The old token still says host; the room admits the member as what they are now.
    const back = await hello(room.roomId, token);
    expect(back.first).toMatchObject({ type: 'welcome', self: { role: 'viewer', grants: ['chat'] } });

    expect((await api('DELETE', `/organizations/${tenant.organizationId}/members/${member.userId}`, { token: tenant.token })).status).toBe(204);
    await back.socket.error('forbidden');
    expect((await back.socket.closed()).code).toBe(1008);
    const gone = await hello(room.roomId, token);
    expect(gone.first).toMatchObject({ type: 'error', code: 'forbidden' });
  });

  it('sends the guests out of a room made members-only, and their still-valid tokens cannot bring them back', async () => {
    const created = await api('POST', `/organizations/${tenant.organizationId}/rooms`, {
      token: tenant.token,
      body: { workspaceId: tenant.workspaceId, title: 'Going private', slug: unique('private'), visibility: 'public' },
    });
    const roomId = created.body.id as string;
    const started = await api('POST', `${roomPath(tenant, roomId)}/start`, { token: tenant.token });
    const room: TestRoom = { tenant, roomId, sessionId: started.body.session.id };
    const host = await join(room, { role: 'host', identity: `app:${unique('host')}` });
    const ip = randomIp();
    const guestToken = (await api('POST', `/public/rooms-by-id/${roomId}/join`, { ip, body: { name: 'Drop-in' } })).body.token as string;
    const guest = await hello(roomId, guestToken, ip);
    expect(guest.first.type).toBe('welcome');

    const patched = await api('PATCH', roomPath(tenant, roomId), { token: tenant.token, body: { visibility: 'members' } });
    expect(patched.status).toBe(200);
    await guest.socket.error('kicked');
    expect((await guest.socket.closed()).code).toBe(1008);
    expect((await hello(roomId, guestToken, ip)).first).toMatchObject({ type: 'error', code: 'forbidden' });
    // Members stay and still join.
    host.socket.send({ type: 'ping', ts: 1 });
    await host.socket.next((m) => m.type === 'pong');
    const member = await addMember(tenant, 'viewer');
    expect((await hello(roomId, (await restJoin(tenant, roomId, member.token)).body.token)).first.type).toBe('welcome');

    // Public again: guests are welcome again.
    expect((await api('PATCH', roomPath(tenant, roomId), { token: tenant.token, body: { visibility: 'public' } })).status).toBe(200);
    const again = randomIp();
    const fresh = (await api('POST', `/public/rooms-by-id/${roomId}/join`, { ip: again, body: { name: 'Back' } })).body.token as string;
    expect((await hello(roomId, fresh, again)).first.type).toBe('welcome');
  });
});
