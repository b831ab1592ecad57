// Fuzzes the media node's two receivers, 10,000 frames each (the shared generator in
// schema/test/support): RoomDO -> node (room-session.ts) and FleetDO -> node (fleet-client.ts),
// with the real embedded engine behind them. The room link answers every refused frame with an
// error frame and every request with exactly one response; the fleet link logs and drops refused
// frames (FleetDO is not answered). Nothing throws out of either, and afterwards the node still
// serves: requests reach the engine, assignments are dialed, load is reported.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, FleetToNode, MAX_NODE_FRAME_BYTES, RoomToNode, type DecodeOptions } from '@roomcast/schema/protocol';
import type { z } from 'zod';
import { FLEET_TO_NODE, ROOM_TO_NODE } from '../../schema/test/support/fuzz-directions.ts';
import { FUZZ_FRAMES, fuzzFrames, type FrameSpace, type FuzzFrame } from '../../schema/test/support/fuzz-frames.ts';
import { collectUncaught } from '../../schema/test/support/uncaught.ts';
import type { FleetClient } from '../src/fleet/fleet-client.ts';
import type { Logger } from '../src/log.ts';
import type { MediaNode } from '../src/node.ts';
import { type Conn, type Frame, type NodeWithStandIns, registerNode, type Server, startNodeWithStandIns } from './support/ws-stand-ins.ts';

/** Counts what the node logs, by message, so dropped frames can be counted. */
function countingLogger(): Logger & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const count = (msg: string) => void counts.set(msg, (counts.get(msg) ?? 0) + 1);
  const logger: Logger & { counts: Map<string, number> } = { counts, debug: count, info: count, warn: count, error: count, child: () => logger };
  return logger;
}

let fleet: Server;
let rooms: Server;
let node: MediaNode;
let client: FleetClient;
let fleetConn: Conn;
const log = countingLogger();
let standIns: NodeWithStandIns;
const uncaught = collectUncaught();

beforeAll(async () => {
  standIns = await startNodeWithStandIns({ nodeId: 'node-fuzz', rtcMinPort: 41380, logger: log });
  ({ fleet, rooms, node, client } = standIns);
  fleetConn = await registerNode(fleet);
  await fleetConn.next('node.load');
});

afterAll(() => {
  standIns?.close();
  uncaught.stop();
});

/** Every frame a stand-in receives, besides what its waits take. */
function record(conn: Conn): Frame[] {
  const seen: Frame[] = [];
  conn.ws.on('message', (d) => seen.push(JSON.parse(d.toString()) as Frame));
  return seen;
}

/**
 * The frames for a ws receiver. ws itself hangs up (1009) on a frame over its maxPayload, which
 * the node sets to the decoder's cap, so frames over the cap are tested on their own below.
 */
function framesFor(space: FrameSpace, seed: number): FuzzFrame[] {
  return fuzzFrames(space, FUZZ_FRAMES, seed).filter((f) => (typeof f === 'string' ? Buffer.byteLength(f) : f.byteLength) <= MAX_NODE_FRAME_BYTES);
}

/** What the receiver must answer. It reads binary frames as text (ws `data.toString()`), as UTF-8. */
function expectedOf(frames: FuzzFrame[], schema: z.ZodType) {
  const options: DecodeOptions = { binary: 'utf8', maxBytes: MAX_NODE_FRAME_BYTES };
  let refused = 0;
  let requests = 0;
  for (const frame of frames) {
    const d = decodeFrame(schema, frame, options);
    if (!d.ok) refused++;
    else if ((d.message as { type: string }).type === 'request') requests++;
  }
  return { refused, requests };
}

let seq = 0;
async function ask(room: Conn, method: string, data?: unknown) {
  const id = `after${++seq}`;
  room.send({ type: 'request', id, method, ...(data === undefined ? {} : { data }) });
  return room.next((m) => m.type === 'response' && m.id === id);
}

describe('media node receivers under fuzz', () => {
  it('RoomDO -> node: 10,000 frames each get an error or exactly one response, and the room still serves', async () => {
    fleetConn.send({ type: 'room.assign', roomId: 'room-fuzz', roomUrl: `${rooms.url}/api/v1/rooms/room-fuzz/media-node`, token: 'room-credential' });
    const room = await rooms.accept();
    await room.next('node.ready');
    const seen = record(room);
    // The last frame is refused for sure.
    const frames = [...framesFor(ROOM_TO_NODE, 20261124), '{'];
    const expected = expectedOf(frames, RoomToNode);
    for (const frame of frames) room.ws.send(frame);
    await expect
      .poll(() => ({ errors: seen.filter((m) => m.type === 'error').length, responses: seen.filter((m) => m.type === 'response').length }), { timeout: 30_000 })
      .toEqual({ errors: expected.refused, responses: expected.requests });
    expect(seen.filter((m) => m.type === 'error').every((m) => ['invalid_json', 'invalid_message'].includes(m.code))).toBe(true);
    expect(seen.filter((m) => m.type === 'response' && m.error?.code === 'internal')).toEqual([]);
    // Still serving: the engine answers, the room socket is open and the fleet still sees one router.
    expect(await ask(room, 'router.capabilities', {})).toMatchObject({ ok: true, data: { rtpCapabilities: expect.any(Object) } });
    expect(await ask(room, 'transport.create', { direction: 'recv', owner: 'viewer' })).toMatchObject({ ok: true, data: { id: expect.any(String) } });
    expect(client.rooms.get('room-fuzz')?.closed).toBe(false);
    expect(await fleetConn.next((m) => m.type === 'node.load' && m.routers === 1 && m.transports === 1, 5000)).toBeTruthy();
    expect(uncaught.errors).toEqual([]);
  }, 60_000);

  it('RoomDO -> node: a frame over the cap is refused by ws with 1009, and the node gives the room back', async () => {
    const room = rooms.accept();
    fleetConn.send({ type: 'room.assign', roomId: 'room-big', roomUrl: `${rooms.url}/api/v1/rooms/room-big/media-node`, token: 'room-credential' });
    const conn = await room;
    await conn.next('node.ready');
    const closed = once(conn.ws, 'close');
    conn.ws.send(JSON.stringify({ type: 'request', id: 'big', method: 'router.capabilities', data: { pad: 'a'.repeat(MAX_NODE_FRAME_BYTES) } }));
    expect((await closed)[0]).toBe(1009);
    expect(await fleetConn.next((m) => m.type === 'room.released' && m.roomId === 'room-big')).toBeTruthy();
    expect(uncaught.errors).toEqual([]);
  });

  it('FleetDO -> node: 10,000 frames are each dropped with a warning or followed, and the node still takes rooms', async () => {
    const warned = () => log.counts.get('fleet sent an invalid frame') ?? 0;
    const before = warned();
    const frames = [...framesFor(FLEET_TO_NODE, 20261125), '{'];
    const expected = expectedOf(frames, FleetToNode);
    for (const frame of frames) fleetConn.ws.send(frame);
    await expect.poll(() => warned() - before, { timeout: 30_000 }).toBe(expected.refused);
    // Whatever the fuzz left behind (drained, an odd heartbeat), FleetDO's next orders count.
    fleetConn.send({ type: 'node.drain', draining: false });
    fleetConn.send({ type: 'node.registered', protocol: 1, heartbeatMs: 200 });
    const room = rooms.accept();
    fleetConn.send({ type: 'room.assign', roomId: 'room-after', roomUrl: `${rooms.url}/api/v1/rooms/room-after/media-node`, token: 'room-credential' });
    const conn = await room;
    expect(await conn.next('node.ready')).toMatchObject({ nodeId: 'node-fuzz' });
    expect(await ask(conn, 'router.capabilities', {})).toMatchObject({ ok: true });
    expect(await fleetConn.next((m) => m.type === 'node.load' && m.state === 'serving' && m.routers === 2, 5000)).toBeTruthy();
    expect(uncaught.errors).toEqual([]);
  }, 60_000);

  it('FleetDO -> node: a heartbeat the schema lets through (negative) does not make the node report every millisecond', async () => {
    // The fuzz found this: setInterval(-1) fires every millisecond. Reports cannot come early, so
    // a lower bound on their spacing holds however slow the machine is.
    const arrivals: number[] = [];
    const onFrame = (d: unknown) => void ((JSON.parse(String(d)) as Frame).type === 'node.load' && arrivals.push(performance.now()));
    fleetConn.ws.on('message', onFrame);
    fleetConn.send({ type: 'node.registered', protocol: 1, heartbeatMs: -1 });
    await expect.poll(() => arrivals.length, { timeout: 5000 }).toBeGreaterThanOrEqual(6);
    fleetConn.ws.off('message', onFrame);
    fleetConn.send({ type: 'node.registered', protocol: 1, heartbeatMs: 200 });
    // The first two may be a report already on its way and the immediate one after node.registered.
    expect(arrivals[5]! - arrivals[2]!).toBeGreaterThanOrEqual(3 * 90);
  });
});
