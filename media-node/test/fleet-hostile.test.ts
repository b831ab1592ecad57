// Attacker's tests of the node's fleet side, with the real embedded engine: FleetDO and the RoomDO
// stand-ins send malformed, wrong-typed, unknown and engine-invalid frames. The node answers each
// with an error frame or a failed response, never crashes, and keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectUncaught } from '../../schema/test/support/uncaught.ts';
import type { FleetClient } from '../src/fleet/fleet-client.ts';
import type { MediaNode } from '../src/node.ts';
import { type Conn, type NodeWithStandIns, registerNode, type Server, startNodeWithStandIns } from './support/ws-stand-ins.ts';

let fleet: Server;
let rooms: Server;
let node: MediaNode;
let client: FleetClient;
let fleetConn: Conn;
let room: Conn;
let standIns: NodeWithStandIns;
const uncaught = collectUncaught();

beforeAll(async () => {
  standIns = await startNodeWithStandIns({ nodeId: 'node-hostile', rtcMinPort: 41180 });
  ({ fleet, rooms, node, client } = standIns);
  fleetConn = await registerNode(fleet);
  await fleetConn.next('node.load');
});

afterAll(() => {
  standIns?.close();
  uncaught.stop();
});

let seq = 0;
async function ask(method: string, data?: unknown) {
  const id = `h${++seq}`;
  room.send({ type: 'request', id, method, ...(data === undefined ? {} : { data }) });
  return room.next((m) => m.type === 'response' && m.id === id);
}

describe('a hostile fleet and room against the node', () => {
  it('ignores malformed fleet frames and an undialable room, and keeps reporting load', async () => {
    for (const bad of ['{', 'null', '[]', '{"type":"room.assign"}', JSON.stringify({ type: 'room.assign', roomId: 'x'.repeat(500), roomUrl: 'ws://a', token: 't' }), JSON.stringify({ type: 'node.drain', draining: 'yes' })]) {
      fleetConn.ws.send(bad);
    }
    fleetConn.ws.send(Buffer.from([0xff, 0x00, 0x13]));
    // A room URL that is not a URL, and one nobody answers: the node gives the room back.
    fleetConn.send({ type: 'room.assign', roomId: 'room-bad-url', roomUrl: 'not a url', token: 't' });
    expect(await fleetConn.next((m) => m.type === 'room.released' && m.roomId === 'room-bad-url')).toBeTruthy();
    fleetConn.send({ type: 'room.assign', roomId: 'room-refused', roomUrl: 'ws://127.0.0.1:1/none', token: 't' });
    expect(await fleetConn.next((m) => m.type === 'room.released' && m.roomId === 'room-refused', 15_000)).toBeTruthy();
    expect(await fleetConn.next('node.load', 2000)).toMatchObject({ state: 'serving', routers: 0 });
  }, 30_000);

  it('answers every malformed, unknown or engine-invalid room request, then still serves', async () => {
    fleetConn.send({ type: 'room.assign', roomId: 'room-h', roomUrl: `${rooms.url}/api/v1/rooms/room-h/media-node`, token: 'room-credential' });
    room = await rooms.accept();
    await room.next('node.ready');

    for (const bad of ['{', 'null', '42', '{"type":"request"}', JSON.stringify({ type: 'request', id: 'x', method: 'process.exit' })]) room.ws.send(bad);
    room.ws.send(Buffer.from([0xde, 0xad]));
    for (let i = 0; i < 5; i++) expect(await room.next('error')).toMatchObject({ code: expect.stringMatching(/^invalid_/), message: expect.any(String) });

    // Schema-valid but pointing at nothing, or nonsense the engine must refuse.
    expect(await ask('transport.connect', { transportId: 'nope', dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await ask('transport.create', { direction: 'up', owner: 'x' })).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    expect(await ask('consumer.setPreferredLayers', { consumerId: 'nope', spatialLayer: 2 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await ask('producer.close', { producerId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const send = await ask('transport.create', { direction: 'send', owner: 'host' });
    expect(send.ok).toBe(true);
    const garbage = await ask('transport.produce', {
      transportId: send.data.id,
      kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/NOPE', payloadType: 300, clockRate: -1 }], encodings: [{ ssrc: 'x' }] },
      identity: 'host',
      source: 'camera',
    });
    expect(garbage.ok).toBe(false);
    const consume = await ask('transport.consume', { transportId: send.data.id, producerId: 'nope', rtpCapabilities: { codecs: [] } });
    expect(consume).toMatchObject({ ok: false });
    expect(await ask('router.capabilities', { extra: 'x'.repeat(100_000) })).toMatchObject({ ok: true });

    // The node is intact: a fresh transport is created, the room is still open.
    expect(await ask('transport.create', { direction: 'recv', owner: 'viewer' })).toMatchObject({ ok: true });
    expect(await fleetConn.next((m) => m.type === 'node.load' && m.routers === 1, 2000)).toBeTruthy();
    expect(uncaught.errors).toEqual([]);
  }, 30_000);
});
