// Attacker's tests of the room media relay and the node credentials: a client flooding media
// requests or piling up objects on the node (in sequence or racing), media in a room that is not
// live, a replayed room-node credential taking over a room's media, and credentials of one kind
// (room token, fleet node token, another room's node token) used where another kind is expected.
import { exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_PROTOCOL_VERSION, MAX_MEDIA_OBJECTS, MAX_MEDIA_REQUESTS_IN_FLIGHT } from '@roomcast/schema/protocol';
import { signRoomNodeToken } from '../src/fleet/fleet-token.ts';
import { PUBLISH_CHANGES } from '../src/rooms/media/media-gate.ts';
import type { Tenant } from './api-client.ts';
import { api, unique } from './api-client.ts';
import { accept, dialFleet, nodeToken, roomOnNode, TestNode } from './fleet-test-node.ts';
import { config, connect, join, liveRoom, roomTenant, roomToken, type RoomSocket, type TestRoom } from './room-client.ts';

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('sec-media');
});
afterEach(() => TestNode.closeAll());

let seq = 0;
function send(socket: RoomSocket, method: string, data?: unknown): string {
  const id = `s${++seq}`;
  socket.send({ type: 'request', id, method, ...(data === undefined ? {} : { data }) });
  return id;
}
const answer = (socket: RoomSocket, id: string, timeoutMs = 12_000) => socket.next((m) => m.type === 'response' && m.id === id, timeoutMs);
const request = (socket: RoomSocket, method: string, data?: unknown) => answer(socket, send(socket, method, data));


const mediaNodeUrl = (roomId: string) => `http://roomcast.test/api/v1/rooms/${roomId}/media-node`;
const dialRoomAsNode = (roomId: string, token: string) =>
  exports.default.fetch(new Request(mediaNodeUrl(roomId), { headers: { Upgrade: 'websocket', authorization: `Bearer ${token}` } }));

describe('media request floods', () => {
  it('caps the transports one participant may hold on the node', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const { room } = await roomOnNode(tenant, node);
    const viewer = await join(room, { role: 'viewer' });
    const created: unknown[] = [];
    // Sequential, so the in-flight cap plays no part: only the object cap can stop this.
    for (let i = 0; i < MAX_MEDIA_OBJECTS.transport + 5; i++) created.push(await request(viewer.socket, 'media.createTransport', { direction: 'recv' }));
    expect(created.filter((r: any) => r.ok)).toHaveLength(MAX_MEDIA_OBJECTS.transport);
    expect(created.at(-1)).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    const asked = node.requests.filter((r) => r.type === 'request' && r.method === 'transport.create');
    expect(asked).toHaveLength(MAX_MEDIA_OBJECTS.transport);
    // Closing one frees a slot.
    const first = created[0] as { data: { id: string } };
    expect(await request(viewer.socket, 'media.closeTransport', { transportId: first.data.id })).toMatchObject({ ok: true });
    expect(await request(viewer.socket, 'media.createTransport', { direction: 'recv' })).toMatchObject({ ok: true });
  });

  it('caps the consumers one participant may open (the same producer again and again)', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const { room, host } = await roomOnNode(tenant, node);
    const send = await request(host.socket, 'media.createTransport', { direction: 'send' });
    const produced = await request(host.socket, 'media.produce', {
      transportId: send.data.id,
      kind: 'video',
      rtpParameters: { mid: '0', codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 1 }] },
      source: 'camera',
    });
    expect(produced.ok).toBe(true);
    const viewer = await join(room, { role: 'viewer' });
    const recv = await request(viewer.socket, 'media.createTransport', { direction: 'recv' });
    let refused: any;
    for (let i = 0; i <= MAX_MEDIA_OBJECTS.consumer; i++) {
      const r = await request(viewer.socket, 'media.consume', { transportId: recv.data.id, producerId: produced.data.id, rtpCapabilities: {} });
      if (!r.ok) {
        refused = { at: i, r };
        break;
      }
    }
    expect(refused).toMatchObject({ at: MAX_MEDIA_OBJECTS.consumer, r: { error: { code: 'rate_limited' } } });
  });

  it('answers requests beyond the in-flight cap at once with rate_limited, without asking the node', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const { room } = await roomOnNode(tenant, node);
    const viewer = await join(room, { role: 'viewer' });
    const transport = await request(viewer.socket, 'media.createTransport', { direction: 'recv' });
    node.silent = true; // every request to the node hangs until its timeout
    const before = node.requests.length;
    // Requests that create nothing, so only the in-flight cap can stop them.
    const hanging = Array.from({ length: MAX_MEDIA_REQUESTS_IN_FLIGHT + 10 }, () => send(viewer.socket, 'media.restartIce', { transportId: transport.data.id }));
    const early = await Promise.all(hanging.slice(MAX_MEDIA_REQUESTS_IN_FLIGHT).map((id) => answer(viewer.socket, id, 3000)));
    for (const r of early) expect(r).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(node.requests.length - before).toBe(MAX_MEDIA_REQUESTS_IN_FLIGHT);
    // Once the hung ones time out, the socket may ask again: nothing stays counted.
    for (const id of hanging.slice(0, MAX_MEDIA_REQUESTS_IN_FLIGHT)) expect(await answer(viewer.socket, id, 15_000)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    node.silent = false;
    expect(await request(viewer.socket, 'media.createTransport', { direction: 'recv' })).toMatchObject({ ok: true });
  }, 30_000);
});

describe('node credentials', () => {
  it('accepts a room-node credential once: a replay cannot take the room’s media from the node', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const assign = await node.fleet.next((m) => m.type === 'room.assign' && m.roomId === room.roomId);
    const first = accept(await dialRoomAsNode(room.roomId, assign.token));
    first.send({ type: 'node.ready', protocol: FLEET_PROTOCOL_VERSION, nodeId: node.nodeId, rtpCapabilities: { codecs: [] } });
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);

    const replay = await dialRoomAsNode(room.roomId, assign.token);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: { code: 'invalid_room_node_token', message: expect.any(String) } });
    // The serving node socket was not let go: the room still answers on it (a refused frame gets
    // its error), which it would not on a socket it had closed, and no client was told to reset.
    first.ws.send('{');
    expect(await first.next((m) => m.type === 'error')).toMatchObject({ code: 'invalid_json' });
    expect(first.ws.readyState).toBe(WebSocket.OPEN);
    await host.socket.sync();
    expect(host.socket.unreadOf('media.reset')).toEqual([]);
    first.close();
  });

  it('refuses every credential where another kind is expected', async () => {
    const room = await liveRoom(tenant);
    const other = await liveRoom(tenant);
    const viewerToken = await roomToken(room, { role: 'host' });
    const fleetToken = await nodeToken(unique('a-sec'), 'local');
    const roomNodeForOther = await signRoomNodeToken(config.fleet.secret, { nodeId: 'n1', roomId: other.roomId, role: 'origin' });
    const roomNodeWrongSecret = await signRoomNodeToken('x'.repeat(40), { nodeId: 'n1', roomId: room.roomId, role: 'origin' });

    // A node credential minted without an expiry (jose checks exp only when present) is refused.
    const forever = await new SignJWT({ region: 'local' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('roomcast')
      .setAudience('roomcast-fleet')
      .setSubject(unique('a-forever'))
      .sign(new TextEncoder().encode(config.fleet.secret));
    // A room token or a room-node credential is not a fleet (node) credential.
    for (const token of [viewerToken, roomNodeForOther, forever]) {
      const res = await dialFleet(token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_node_token' } });
    }
    // Only a room-node credential for THIS room, signed with the fleet secret, opens its node socket.
    for (const token of [viewerToken, fleetToken, roomNodeForOther, roomNodeWrongSecret]) {
      const res = await dialRoomAsNode(room.roomId, token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_room_node_token' } });
    }
    // And no node credential joins the room as a participant.
    for (const token of [fleetToken, roomNodeForOther]) {
      const res = await exports.default.fetch(new Request(`http://roomcast.test/api/v1/rooms/${other.roomId}/signal?token=${token}`, { headers: { Upgrade: 'websocket' } }));
      expect(res.status).toBe(401);
    }
  });
});

describe('leaving mid-request', () => {
  it('closes on the node a transport that was still being created when its owner left', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const { room } = await roomOnNode(tenant, node);
    const viewer = await join(room, { role: 'viewer' });
    node.silent = true; // holds the answer until the participant has gone
    send(viewer.socket, 'media.createTransport', { direction: 'recv' });
    await expect.poll(() => node.requests.some((r) => r.type === 'request' && r.method === 'transport.create')).toBe(true);
    const create = node.requests.find((r) => r.type === 'request' && r.method === 'transport.create')!;
    viewer.socket.send({ type: 'leave' });
    await viewer.socket.closed();
    const nodeRoom = node.rooms.get(room.roomId)!;
    nodeRoom.send({
      type: 'response',
      id: (create as { id: string }).id,
      ok: true,
      data: {
        id: 'late-transport',
        iceParameters: { usernameFragment: 'u', password: 'p', iceLite: true },
        iceCandidates: [{ foundation: 'udp', priority: 1, ip: '127.0.0.1', address: '127.0.0.1', protocol: 'udp', port: 41000, type: 'host' }],
        dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] },
      },
    });
    await expect
      .poll(() => node.requests.some((r) => r.type === 'request' && r.method === 'transport.close' && (r.data as { transportId: string }).transportId === 'late-transport'))
      .toBe(true);
  });
});

const VP8 = { mid: '0', codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 1 }] };
const produce = (socket: RoomSocket, transportId: string) => send(socket, 'media.produce', { transportId, kind: 'video', rtpParameters: VP8, source: 'camera' });
const asked = (node: TestNode, method: string) => node.requests.filter((r) => r.type === 'request' && r.method === method).length;

/**
 * Sends `ids` at once while the node holds its answers, waits until every request was either
 * passed to the node or refused, lets the node answer, and returns the answers.
 */
async function race(node: TestNode, socket: RoomSocket, method: string, fire: () => string, n: number) {
  const before = asked(node, method);
  node.silent = true;
  const ids = Array.from({ length: n }, fire);
  const refused = () => socket.received.filter((m) => m.type === 'response' && ids.includes(m.id) && !m.ok).length;
  await expect.poll(() => asked(node, method) - before + refused(), { timeout: 8000 }).toBe(n);
  node.release();
  return Promise.all(ids.map((id) => answer(socket, id)));
}

describe('racing media quotas', () => {
  it('holds the transport ceiling when 32 createTransport requests race', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const { room } = await roomOnNode(tenant, node);
    const viewer = await join(room, { role: 'viewer' });
    const answers = await race(node, viewer.socket, 'transport.create', () => send(viewer.socket, 'media.createTransport', { direction: 'recv' }), MAX_MEDIA_REQUESTS_IN_FLIGHT);
    expect(answers.filter((r) => r.ok)).toHaveLength(MAX_MEDIA_OBJECTS.transport);
    for (const r of answers.filter((r) => !r.ok)) expect(r).toMatchObject({ error: { code: 'rate_limited', message: expect.any(String) } });
    expect(asked(node, 'transport.create')).toBe(MAX_MEDIA_OBJECTS.transport);
  });

  it('holds the producer ceiling when produce requests race', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const { host } = await roomOnNode(tenant, node);
    const transport = await request(host.socket, 'media.createTransport', { direction: 'send' });
    const answers = await race(node, host.socket, 'transport.produce', () => produce(host.socket, transport.data.id), MAX_MEDIA_OBJECTS.producer + 6);
    expect(answers.filter((r) => r.ok)).toHaveLength(MAX_MEDIA_OBJECTS.producer);
    expect(asked(node, 'transport.produce')).toBe(MAX_MEDIA_OBJECTS.producer);
  });

  it('holds the consumer ceiling when consume requests race', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const { room, host } = await roomOnNode(tenant, node);
    const sendTransport = await request(host.socket, 'media.createTransport', { direction: 'send' });
    const producerId = (await answer(host.socket, produce(host.socket, sendTransport.data.id))).data.id as string;
    const viewer = await join(room, { role: 'viewer' });
    const recv = await request(viewer.socket, 'media.createTransport', { direction: 'recv' });
    const consume = () => send(viewer.socket, 'media.consume', { transportId: recv.data.id, producerId, rtpCapabilities: {} });
    const already = MAX_MEDIA_OBJECTS.consumer - 8;
    for (let i = 0; i < already; i++) expect(await answer(viewer.socket, consume())).toMatchObject({ ok: true });
    const answers = await race(node, viewer.socket, 'transport.consume', consume, MAX_MEDIA_REQUESTS_IN_FLIGHT);
    expect(answers.filter((r) => r.ok)).toHaveLength(8);
    expect(asked(node, 'transport.consume')).toBe(MAX_MEDIA_OBJECTS.consumer);
  });

  it('counts requests in flight per participant: reconnecting does not open a fresh allowance', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const { room } = await roomOnNode(tenant, node);
    const first = await join(room, { role: 'viewer' });
    const transport = await request(first.socket, 'media.createTransport', { direction: 'recv' });
    node.silent = true;
    for (let i = 0; i < MAX_MEDIA_REQUESTS_IN_FLIGHT; i++) send(first.socket, 'media.restartIce', { transportId: transport.data.id });
    await expect.poll(() => asked(node, 'transport.restartIce')).toBe(MAX_MEDIA_REQUESTS_IN_FLIGHT);
    // The same participant again (the first socket is replaced); its requests still wait on the node.
    const again = await join(room, { role: 'viewer', identity: first.identity });
    const before = node.requests.length;
    expect(await request(again.socket, 'media.createTransport', { direction: 'recv' })).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(node.requests.length).toBe(before);
  });

  it('closes on the node what a create that timed out made when its answer comes late, and frees the slot', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const { room } = await roomOnNode(tenant, node);
    const viewer = await join(room, { role: 'viewer' });
    node.silent = true;
    const id = send(viewer.socket, 'media.createTransport', { direction: 'recv' });
    expect(await answer(viewer.socket, id, 15_000)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    const create = node.requests.find((r) => r.type === 'request' && r.method === 'transport.create') as { id: string };
    node.rooms.get(room.roomId)!.send({
      type: 'response',
      id: create.id,
      ok: true,
      data: {
        id: 'late-after-timeout',
        iceParameters: { usernameFragment: 'u', password: 'p', iceLite: true },
        iceCandidates: [{ foundation: 'udp', priority: 1, ip: '127.0.0.1', address: '127.0.0.1', protocol: 'udp', port: 41000, type: 'host' }],
        dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] },
      },
    });
    await expect
      .poll(() => node.requests.some((r) => r.type === 'request' && r.method === 'transport.close' && (r.data as { transportId: string }).transportId === 'late-after-timeout'))
      .toBe(true);
    node.release();
    for (let i = 0; i < MAX_MEDIA_OBJECTS.transport; i++) expect(await request(viewer.socket, 'media.createTransport', { direction: 'recv' })).toMatchObject({ ok: true });
  }, 30_000);
});

/** A room that was created and never started. */
async function idleRoom(): Promise<TestRoom> {
  const created = await api('POST', `/organizations/${tenant.organizationId}/rooms`, {
    token: tenant.token,
    body: { workspaceId: tenant.workspaceId, title: 'Backstage', slug: unique('idle') },
  });
  expect(created.status).toBe(201);
  return { tenant, roomId: created.body.id, sessionId: null as unknown as string };
}

/** Joins with a token the API minted for the tenant's owner (a member who may publish). */
async function joinAsOwner(room: TestRoom) {
  const minted = await api('POST', `/organizations/${tenant.organizationId}/rooms/${room.roomId}/join`, { token: tenant.token });
  expect(minted.status).toBe(200);
  const socket = await connect(room.roomId, minted.body.token);
  socket.send({ type: 'hello', protocol: 1, token: minted.body.token });
  return { socket, first: await socket.next((m) => m.type === 'welcome' || m.type === 'error') };
}

const assigned = (node: TestNode, roomId: string) => node.fleet.received.some((m) => m.type === 'room.assign' && m.roomId === roomId);

describe('media without a live session', () => {
  it('refuses media to a member in a room that was never started, and places no node for it', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const room = await idleRoom();
    // If the room did ask for a node, this one would serve it.
    void node.acceptAssignment(room.roomId, 8000).catch(() => {});
    const { socket, first } = await joinAsOwner(room);
    expect(first).toMatchObject({ type: 'welcome', room: { sessionId: null } });
    expect(await socket.next('media.status')).toMatchObject({ state: 'unavailable', error: 'room_not_live' });
    const transport = await request(socket, 'media.createTransport', { direction: 'send' });
    expect(transport).toMatchObject({ ok: false, error: { code: 'room_not_live', message: expect.any(String) } });
    for (const [method, data] of [
      ['media.capabilities', {}],
      ['media.produce', { transportId: 'any', kind: 'video', rtpParameters: VP8, source: 'camera' }],
      ['media.createTransport', { direction: 'recv' }],
    ] as const) {
      expect(await request(socket, method, data)).toMatchObject({ ok: false, error: { code: 'room_not_live' } });
    }
    expect(await request(socket, 'media.producers')).toMatchObject({ ok: true, data: { producers: [] } });
    expect(assigned(node, room.roomId)).toBe(false);
    expect(node.requests).toEqual([]);
  });

  it('refuses media to an old token that names an ended session', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const room = await liveRoom(tenant);
    const old = await roomToken(room, { role: 'host', identity: unique('guest:old') });
    const path = `/organizations/${tenant.organizationId}/rooms/${room.roomId}`;
    for (const step of ['end', 'start', 'end']) expect((await api('POST', `${path}/${step}`, { token: tenant.token })).status).toBeLessThan(300);
    void node.acceptAssignment(room.roomId, 8000).catch(() => {});
    const socket = await connect(room.roomId, old);
    socket.send({ type: 'hello', protocol: 1, token: old });
    const first = await socket.next((m) => m.type === 'welcome' || m.type === 'error');
    // Refusing the old token at the door holds the rule too; admitted, it must get no media.
    if (first.type === 'error') return expect(first.code).toMatch(/room_ended|invalid_token/);
    expect(await request(socket, 'media.createTransport', { direction: 'send' })).toMatchObject({ ok: false, error: { code: 'room_not_live' } });
    expect(assigned(node, room.roomId)).toBe(false);
  });

  it('starts media for everyone waiting once the session goes live, and closes it on the node when it ends', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const room = await idleRoom();
    const waiting = await joinAsOwner(room);
    expect(await waiting.socket.next('media.status')).toMatchObject({ state: 'unavailable', error: 'room_not_live' });
    const path = `/organizations/${tenant.organizationId}/rooms/${room.roomId}`;
    const started = await api('POST', `${path}/start`, { token: tenant.token });
    expect(started.status).toBe(201);
    const host = await join({ ...room, sessionId: started.body.session.id }, { role: 'host' });
    await node.acceptAssignment(room.roomId);
    await waiting.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    const transport = await request(host.socket, 'media.createTransport', { direction: 'send' });
    expect(await answer(host.socket, produce(host.socket, transport.data.id))).toMatchObject({ ok: true });
    expect((await api('POST', `${path}/end`, { token: tenant.token })).status).toBe(200);
    await expect.poll(() => asked(node, 'router.close')).toBe(1);
    await node.rooms.get(room.roomId)!.closed;
  });
});

describe('media fan-out', () => {
  it('sends nothing to the room for pausing a paused producer or resuming a playing one', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const { room, host } = await roomOnNode(tenant, node);
    const transport = await request(host.socket, 'media.createTransport', { direction: 'send' });
    const producerId = (await answer(host.socket, produce(host.socket, transport.data.id))).data.id as string;
    const viewer = await join(room, { role: 'viewer' });
    for (let i = 0; i < 20; i++) expect(await request(host.socket, 'media.resume', { producerId })).toMatchObject({ ok: true });
    for (let i = 0; i < 20; i++) expect(await request(host.socket, 'media.pause', { producerId })).toMatchObject({ ok: true });
    await viewer.socket.sync();
    expect(viewer.socket.unreadOf('media.producer_updated')).toHaveLength(1);
    expect(asked(node, 'producer.pause') + asked(node, 'producer.resume')).toBe(1);
  });

  it('caps how often a publisher can make the room announce producer changes', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const { room, host } = await roomOnNode(tenant, node);
    const transport = await request(host.socket, 'media.createTransport', { direction: 'send' });
    const producerId = (await answer(host.socket, produce(host.socket, transport.data.id))).data.id as string;
    const viewer = await join(room, { role: 'viewer' });
    const answers: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await request(host.socket, i % 2 === 0 ? 'media.pause' : 'media.resume', { producerId });
      answers.push(res.ok ? 'ok' : res.error.code);
    }
    await viewer.socket.sync();
    // The produce above spent one change of the budget.
    expect(answers.slice(0, PUBLISH_CHANGES.limit - 1).every((a) => a === 'ok')).toBe(true);
    expect(answers[PUBLISH_CHANGES.limit - 1]).toBe('rate_limited');
    // Past the budget every real change is refused (the no-ops in between answer ok and announce nothing).
    expect(viewer.socket.unreadOf('media.producer_updated')).toHaveLength(PUBLISH_CHANGES.limit - 1);
  });
});
