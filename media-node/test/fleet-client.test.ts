// The node's fleet side against local WebSocket servers playing FleetDO and a RoomDO, with the
// real embedded engine: register, load reports, room.assign -> dial the room with its credential
// and create the router, requests onto the engine, drain, release, and redial after a drop.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_KEEPALIVE, NODE_KEEPALIVE_INTERVAL_MS, ROOM_KEEPALIVE } from '@roomcast/schema/protocol';
import type { FleetClient } from '../src/fleet/fleet-client.ts';
import type { MediaNode } from '../src/node.ts';
import { type Conn, type NodeWithStandIns, type Server, startNodeWithStandIns } from './support/ws-stand-ins.ts';

let fleet: Server;
let rooms: Server;
let node: MediaNode;
let client: FleetClient;
let standIns: NodeWithStandIns;
/** The node's peer-silence bound in this file (10 s by default). */
const SILENCE_MS = 2500;

beforeAll(async () => {
  standIns = await startNodeWithStandIns({ nodeId: 'node-t1', rtcMinPort: 41080, env: { MEDIA_MAX_CONSUMERS_PER_WORKER: '250', MEDIA_PEER_SILENCE_SECONDS: String(SILENCE_MS / 1000) } });
  ({ fleet, rooms, node, client } = standIns);
});

afterAll(() => standIns?.close());

describe('media node fleet client', () => {
  let fleetConn: Conn;

  it('dials FleetDO with its credential, registers in the protocol version and reports load', async () => {
    fleetConn = await fleet.accept();
    expect(fleetConn.authorization).toBe('Bearer node-credential');
    const register = await fleetConn.next('node.register');
    expect(register).toEqual({
      type: 'node.register',
      protocol: 1,
      nodeId: 'node-t1',
      region: 'eu',
      announcedAddress: '127.0.0.1',
      engine: 'embedded',
      workers: 1,
      capacity: { maxConsumers: 250, maxRouters: 500 },
      rooms: [],
    });
    fleetConn.send({ type: 'node.registered', protocol: 1, heartbeatMs: 200 });
    const load = await fleetConn.next('node.load');
    expect(load).toMatchObject({ routers: 0, transports: 0, producers: 0, consumers: 0, state: 'serving' });
    // Then again every heartbeat.
    await fleetConn.next('node.load', 1000);
  });

  it('on room.assign dials the room with the room credential, creates the router and serves requests on the engine', async () => {
    fleetConn.send({ type: 'room.assign', roomId: 'room-1', roomUrl: `${rooms.url}/api/v1/rooms/room-1/media-node`, token: 'room-credential' });
    const room = await rooms.accept();
    expect(room.authorization).toBe('Bearer room-credential');
    const ready = await room.next('node.ready');
    expect(ready).toMatchObject({ protocol: 1, nodeId: 'node-t1' });
    expect(ready.rtpCapabilities.codecs.map((c: { mimeType: string }) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8']));

    room.send({ type: 'request', id: '1', method: 'transport.create', data: { direction: 'recv', owner: 'guest:v1' } });
    const created = await room.next((m) => m.type === 'response' && m.id === '1');
    expect(created).toMatchObject({ ok: true, data: { id: expect.any(String), iceParameters: { usernameFragment: expect.any(String) }, dtlsParameters: { fingerprints: [expect.any(Object)] } } });
    expect(created.data.iceCandidates[0]).toMatchObject({ port: 41080 });

    room.send({ type: 'request', id: '2', method: 'transport.connect', data: { transportId: 'nope', dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } } });
    expect(await room.next((m) => m.id === '2')).toMatchObject({ ok: false, error: { code: 'not_found' } });
    room.send({ type: 'request', id: '3', method: 'transport.produce', data: { transportId: created.data.id } });
    expect(await room.next((m) => m.id === '3')).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    room.send({ type: 'request', id: '4', method: 'router.explode', data: {} });
    expect(await room.next('error')).toMatchObject({ code: 'invalid_message' });
    room.ws.send('{not json');
    expect(await room.next('error')).toMatchObject({ code: 'invalid_json' });

    await expect.poll(async () => (await fleetConn.next('node.load')).transports, { timeout: 3000 }).toBe(1);
    const load = await fleetConn.next('node.load');
    expect(load).toMatchObject({ routers: 1, transports: 1 });

    // A close the room asked for is confirmed, and reported as an event like any other close.
    room.send({ type: 'request', id: '5', method: 'transport.close', data: { transportId: created.data.id } });
    expect(await room.next((m) => m.id === '5')).toMatchObject({ ok: true });
    expect(await room.next('transport.closed')).toEqual({ type: 'transport.closed', transportId: created.data.id });

    // Drain: the node keeps the room and says it is draining.
    fleetConn.send({ type: 'node.drain', draining: true });
    expect(await fleetConn.next((m) => m.type === 'node.load' && m.state === 'draining')).toMatchObject({ routers: 1 });
    expect(client.rooms.has('room-1')).toBe(true);
    fleetConn.send({ type: 'node.drain', draining: false });
    await fleetConn.next((m) => m.type === 'node.load' && m.state === 'serving');

    // Release: router closed, room socket closed, FleetDO told.
    fleetConn.send({ type: 'room.release', roomId: 'room-1' });
    await once(room.ws, 'close');
    expect(await fleetConn.next('room.released')).toEqual({ type: 'room.released', roomId: 'room-1' });
    expect(client.rooms.size).toBe(0);
  });

  it('closes the router when the room asks (room ended)', async () => {
    fleetConn.send({ type: 'room.assign', roomId: 'room-2', roomUrl: `${rooms.url}/api/v1/rooms/room-2/media-node`, token: 't' });
    const room = await rooms.accept();
    await room.next('node.ready');
    room.send({ type: 'request', id: 'end', method: 'router.close', data: {} });
    expect(await room.next((m) => m.id === 'end')).toMatchObject({ ok: true });
    await once(room.ws, 'close');
    expect(await fleetConn.next((m) => m.type === 'room.released' && m.roomId === 'room-2')).toBeTruthy();
  });

  it('sends the keepalive text on its room socket every second from its own timer, and takes the answer quietly', async () => {
    fleetConn.send({ type: 'room.assign', roomId: 'room-ka', roomUrl: `${rooms.url}/api/v1/rooms/room-ka/media-node`, token: 't' });
    const room = await rooms.accept();
    const raw: { at: number; text: string }[] = [];
    room.ws.on('message', (d) => raw.push({ at: Date.now(), text: d.toString() }));
    expect(await room.next('node.ready')).toMatchObject({ keepaliveMs: NODE_KEEPALIVE_INTERVAL_MS });
    await room.next('node.keepalive', 2500);
    // What RoomDO's runtime answers; the node takes it without an error frame.
    room.ws.send(ROOM_KEEPALIVE);
    await room.next('node.keepalive', 2500);
    await room.next('node.keepalive', 2500);
    const keepalives = raw.filter((r) => r.text === NODE_KEEPALIVE).map((r) => r.at);
    expect(keepalives.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < keepalives.length; i++) expect(keepalives[i]! - keepalives[i - 1]!).toBeGreaterThan(NODE_KEEPALIVE_INTERVAL_MS / 2);
    room.send({ type: 'request', id: 'caps', method: 'router.capabilities', data: {} });
    expect(await room.next((m) => m.id === 'caps')).toMatchObject({ ok: true });
    expect(raw.filter((r) => (JSON.parse(r.text) as { type: string }).type === 'error')).toEqual([]);
    room.ws.close();
    expect(await fleetConn.next((m) => m.type === 'room.released' && m.roomId === 'room-ka')).toBeTruthy();
  });

  it('redials FleetDO after the connection drops and registers again with the rooms it still hosts', async () => {
    fleetConn.send({ type: 'room.assign', roomId: 'room-3', roomUrl: `${rooms.url}/api/v1/rooms/room-3/media-node`, token: 't' });
    const room = await rooms.accept();
    await room.next('node.ready');
    fleetConn.ws.close(4000, 'bye');
    const again = await fleet.accept(5000);
    expect(await again.next('node.register')).toMatchObject({ nodeId: 'node-t1', rooms: ['room-3'] });
    room.ws.close();
    fleetConn = again;
  });

  it('closes a room whose socket carries nothing back (a vanished RoomDO) and tells the fleet', async () => {
    fleetConn.send({ type: 'room.assign', roomId: 'room-mute', roomUrl: `${rooms.url}/api/v1/rooms/room-mute/media-node`, token: 't' });
    const room = await rooms.accept();
    await room.next('node.ready');
    // Answered keepalives keep it open past the bound.
    await new Promise((r) => setTimeout(r, SILENCE_MS + 1000));
    expect(room.ws.readyState).toBe(room.ws.OPEN);
    room.answersKeepalives = false;
    const mutedAt = Date.now();
    await once(room.ws, 'close');
    const closedAfter = Date.now() - mutedAt;
    // The last answer came up to one keepalive interval before the mute; a check runs every interval.
    expect(closedAfter).toBeGreaterThan(SILENCE_MS - NODE_KEEPALIVE_INTERVAL_MS);
    expect(closedAfter).toBeLessThan(SILENCE_MS + 2 * NODE_KEEPALIVE_INTERVAL_MS);
    console.log(`[fleet-client] silent room socket closed ${closedAfter} ms after the room went quiet (bound ${SILENCE_MS} ms)`);
    expect(await fleetConn.next((m) => m.type === 'room.released' && m.roomId === 'room-mute')).toBeTruthy();
  });

  it('sends keepalives on its fleet socket once the fleet says it answers them, and redials a fleet socket that went silent', async () => {
    fleetConn.send({ type: 'node.registered', protocol: 1, heartbeatMs: 200, keepaliveMs: 200 });
    await fleetConn.next('node.keepalive', 1000);
    await fleetConn.next('node.keepalive', 1000);
    // Answered: no redial past the bound.
    await expect(fleet.accept(SILENCE_MS + 1000)).rejects.toThrow('no connection');
    fleetConn.answersKeepalives = false;
    const mutedAt = Date.now();
    const redialed = await fleet.accept(SILENCE_MS + 5000);
    const redialedAfter = Date.now() - mutedAt;
    // The silence bound, then the first redial's backoff (500 ms).
    expect(redialedAfter).toBeGreaterThan(SILENCE_MS - 200);
    expect(redialedAfter).toBeLessThan(SILENCE_MS + 2000);
    expect(await redialed.next('node.register')).toMatchObject({ nodeId: 'node-t1' });
    console.log(`[fleet-client] silent fleet socket redialed ${redialedAfter} ms after the fleet went quiet (bound ${SILENCE_MS} ms, then a 500 ms backoff)`);
  });
});
