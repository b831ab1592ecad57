// Attacker's tests of the room media relay and the node credentials: a client flooding media
// requests or piling up objects on the node, a replayed room-node credential taking over a room's
// media, and credentials of one kind (room token, fleet node token, another room's node token)
// used where another kind is expected.
import { exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_PROTOCOL_VERSION } from '@roomcast/schema/protocol';
import { signRoomNodeToken } from '../src/fleet/fleet-token.ts';
import { MAX_MEDIA_REQUESTS_IN_FLIGHT, MAX_MEDIA_OBJECTS } from '../src/rooms/media/media-relay.ts';
import type { Tenant } from './api-client.ts';
import { unique } from './api-client.ts';
import { accept, dialFleet, nodeToken, TestNode } from './fleet-test-node.ts';
import { config, join, liveRoom, roomTenant, roomToken, type RoomSocket, type TestRoom } from './room-client.ts';

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

async function roomOnNode(node: TestNode): Promise<{ room: TestRoom; host: Awaited<ReturnType<typeof join>> }> {
  const room = await liveRoom(tenant);
  const host = await join(room, { role: 'host', name: 'Hana' });
  await node.acceptAssignment(room.roomId);
  await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
  return { room, host };
}

const mediaNodeUrl = (roomId: string) => `http://roomcast.test/api/v1/rooms/${roomId}/media-node`;
const dialRoomAsNode = (roomId: string, token: string) =>
  exports.default.fetch(new Request(mediaNodeUrl(roomId), { headers: { Upgrade: 'websocket', authorization: `Bearer ${token}` } }));

describe('media request floods', () => {
  it('caps the transports one participant may hold on the node', async () => {
    const node = await TestNode.register({ nodeId: unique('a-sec') });
    const { room } = await roomOnNode(node);
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
    const { room, host } = await roomOnNode(node);
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
    const { room } = await roomOnNode(node);
    const viewer = await join(room, { role: 'viewer' });
    node.silent = true; // every request to the node hangs until its timeout
    const before = node.requests.length;
    const hanging = Array.from({ length: MAX_MEDIA_REQUESTS_IN_FLIGHT + 10 }, () => send(viewer.socket, 'media.createTransport', { direction: 'recv' }));
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
    // The serving node socket was not let go.
    await host.socket.sync();
    expect(host.socket.unreadOf('media.reset')).toEqual([]);
    const closed = await Promise.race([first.closed, new Promise((r) => setTimeout(() => r('open'), 300))]);
    expect(closed).toBe('open');
    first.close();
  });

  it('refuses every credential where another kind is expected', async () => {
    const room = await liveRoom(tenant);
    const other = await liveRoom(tenant);
    const viewerToken = await roomToken(room, { role: 'host' });
    const fleetToken = await nodeToken(unique('a-sec'), 'local');
    const roomNodeForOther = await signRoomNodeToken(config.fleet.secret, { nodeId: 'n1', roomId: other.roomId });
    const roomNodeWrongSecret = await signRoomNodeToken('x'.repeat(40), { nodeId: 'n1', roomId: room.roomId });

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
    const { room } = await roomOnNode(node);
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
