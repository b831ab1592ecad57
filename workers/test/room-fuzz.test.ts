// Fuzzes the three sockets the Worker's Durable Objects receive on, 2,500 frames each (the shared
// generator in schema/test/support; the decoder itself takes 10,000 per direction in
// schema/test/channel.test.ts, where a frame costs microseconds instead of workerd's ~2 ms): the room socket (browser -> RoomDO), the media node's room
// link (node -> RoomDO) and the fleet link (node -> FleetDO). Every frame the channel decoder
// refuses must get exactly one error frame with the decoder's code (never `internal`, never a
// close), and afterwards the object still serves: a chat message is delivered, a media request
// reaches the node and is answered, a room is placed on the node.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_MESSAGE_TYPES,
  ClientMessage,
  decodeFrame,
  MAX_NODE_FRAME_BYTES,
  NodeToFleet,
  NodeToRoom,
  type DecodeOptions,
} from '@roomcast/schema/protocol';
import type { z } from 'zod';
import { CLIENT_TO_ROOM, NODE_TO_FLEET, NODE_TO_ROOM } from '../../schema/test/support/fuzz-directions.ts';
import { fuzzFrames, type FuzzFrame } from '../../schema/test/support/fuzz-frames.ts';
import { signRoomNodeToken } from '../src/fleet/fleet-token.ts';
import type { Tenant } from './api-client.ts';
import { unique } from './api-client.ts';
import { ownFleet, TestNode, type Peer } from './fleet-test-node.ts';
import { config, join, liveRoom, roomTenant, type TestRoom } from './room-client.ts';

/**
 * Frames per socket. workerd dispatches each as its own event (0.5 ms each on an idle machine, up to
 * ~8 ms at load average 8), so 10,000 took 55 s of CI's time for the three. In 2,500 every
 * refusal code and binary frames still come up (per socket: 650-750 valid, 250-440 invalid_json,
 * 770-1,400 invalid_message, 9-13 frame_too_large, 110-120 binary).
 */
const FRAMES = 2_500;
const FUZZ_TIMEOUT_MS = 60_000;
const DECODER_CODES = new Set(['invalid_json', 'invalid_message', 'unknown_type', 'frame_too_large']);

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('fuzz');
});
afterEach(() => TestNode.closeAll());

/** What the receiver must answer: the decoder's refusals of these frames, by code. */
function refusals(frames: FuzzFrame[], schema: z.ZodType, options: DecodeOptions): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const frame of frames) {
    const d = decodeFrame(schema, frame, options);
    if (!d.ok) tally[d.error.code] = (tally[d.error.code] ?? 0) + 1;
  }
  return tally;
}

function tallyErrors(received: Record<string, any>[]): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const m of received) if (m.type === 'error' && DECODER_CODES.has(m.code)) tally[m.code] = (tally[m.code] ?? 0) + 1;
  return tally;
}

const sendAll = (ws: WebSocket, frames: FuzzFrame[]) => {
  for (const frame of frames) ws.send(frame);
};

/**
 * A live room whose media node (a TestNode on a FleetDO of its own, so no other test's placement
 * can take the room over) dialed in before anyone joined: the room never asks the global fleet.
 */
async function roomWithNode(): Promise<{ room: TestRoom; node: TestNode; link: Peer }> {
  const room = await liveRoom(tenant);
  const node = await TestNode.register({ nodeId: unique('fuzz-node'), target: ownFleet() });
  const link = await node.dialRoom(room.roomId, await signRoomNodeToken(config.fleet.secret, { nodeId: node.nodeId, roomId: room.roomId, role: 'origin' }));
  return { room, node, link };
}

describe('socket fuzz', () => {
  it('room socket: 2,500 random and mutated frames each get their error, and the room keeps serving', async () => {
    const { room } = await roomWithNode();
    const host = await join(room, { role: 'host' });
    const fuzzer = await join(room);
    const frames = fuzzFrames(CLIENT_TO_ROOM, FRAMES, 20261121);
    const expected = refusals(frames, ClientMessage, { binary: 'refuse', knownTypes: new Set(CLIENT_MESSAGE_TYPES) });
    // Pipelined in batches; a ping round trip after each keeps the socket's buffers small.
    for (let i = 0; i < frames.length; i += 500) {
      sendAll(fuzzer.socket.ws, frames.slice(i, i + 500));
      await fuzzer.socket.sync();
    }
    expect(tallyErrors(fuzzer.socket.received)).toEqual(expected);
    expect(fuzzer.socket.received.filter((m) => m.type === 'error' && m.code === 'internal')).toEqual([]);
    expect(fuzzer.socket.ws.readyState).toBe(WebSocket.OPEN);
    // The room still serves both the fuzzing socket and new ones.
    host.socket.send({ type: 'moderation.chat', enabled: true });
    host.socket.send({ type: 'moderation.slow_mode', seconds: 0 });
    host.socket.send({ type: 'chat.send', text: 'still serving' });
    await fuzzer.socket.next((m) => m.type === 'chat.message' && m.text === 'still serving');
    const late = await join(room);
    expect(late.welcome.participants.map((p: { identity: string }) => p.identity)).toEqual(
      expect.arrayContaining([host.identity, fuzzer.identity, late.identity]),
    );
  }, FUZZ_TIMEOUT_MS);

  it('node -> room link: 2,500 frames each get their error, and the room still relays media to the node', async () => {
    const { room, node, link } = await roomWithNode();
    const host = await join(room, { role: 'host' });
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready');
    // The last frame is refused for sure: its error says every frame before it was handled.
    const frames = [...fuzzFrames(NODE_TO_ROOM, FRAMES, 20261122), '{'];
    const expected = refusals(frames, NodeToRoom, { binary: 'utf8', maxBytes: MAX_NODE_FRAME_BYTES });
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    sendAll(link.ws, frames);
    await expect.poll(() => link.received.filter((m) => m.type === 'error').length, { timeout: 40_000 }).toBe(total);
    expect(tallyErrors(link.received)).toEqual(expected);
    expect(link.ws.readyState).toBe(WebSocket.OPEN);
    // The room kept its node: no reset, and a viewer's media request travels to it and back.
    await host.socket.sync();
    expect(host.socket.unreadOf('media.reset')).toEqual([]);
    const viewer = await join(room);
    viewer.socket.send({ type: 'request', id: 'after-fuzz', method: 'media.createTransport', data: { direction: 'recv' } });
    const answer = await viewer.socket.next((m) => m.type === 'response' && m.id === 'after-fuzz');
    expect(answer).toMatchObject({ ok: true, data: { id: expect.stringContaining(node.nodeId) } });
  }, FUZZ_TIMEOUT_MS);

  it('node -> fleet link: 2,500 frames each get their error, and the fleet still places rooms on the node', async () => {
    const fleet = ownFleet();
    const node = await TestNode.register({ nodeId: unique('fuzz-node'), target: fleet });
    const frames = [...fuzzFrames(NODE_TO_FLEET, FRAMES, 20261123), '{'];
    const options = { binary: 'utf8', maxBytes: MAX_NODE_FRAME_BYTES } as const;
    const expected = refusals(frames, NodeToFleet, options);
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    // A second node.register on a registered connection is refused too (already_joined).
    const registers = frames.filter((f) => {
      const d = decodeFrame(NodeToFleet, f, options);
      return d.ok && d.message.type === 'node.register';
    }).length;
    sendAll(node.fleet.ws, frames);
    await expect.poll(() => node.fleet.received.filter((m) => m.type === 'error' && DECODER_CODES.has(m.code)).length, { timeout: 40_000 }).toBe(total);
    expect(tallyErrors(node.fleet.received)).toEqual(expected);
    expect(node.fleet.received.filter((m) => m.type === 'error' && m.code === 'already_joined')).toHaveLength(registers);
    expect(node.fleet.ws.readyState).toBe(WebSocket.OPEN);
    // Still registered: a load report (the fuzz sent odd ones) and then a room placed on the node.
    node.load({});
    node.fleet.ws.send('{');
    await expect.poll(() => node.fleet.received.filter((m) => m.type === 'error' && m.code === 'invalid_json').length).toBe((expected.invalid_json ?? 0) + 1);
    expect(await fleet.placeRoom('fuzz-room-after')).toEqual({ nodeId: node.nodeId });
    expect(await node.fleet.next((m) => m.type === 'room.assign' && m.roomId === 'fuzz-room-after')).toBeTruthy();
  }, FUZZ_TIMEOUT_MS);
});
