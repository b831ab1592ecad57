// A media node that hangs (its socket stays open, nothing comes from it) is found by its silence:
// nodes send a keepalive every second, the runtime answers it without waking the room, and the
// room's alarm (armed for the moment a node could be overdue, not forced here) declares a node
// silent for ROOM_NODE_SILENCE_MS lost and tells FleetDO, which places nothing on it until it
// reports again. An edge lost is let go alone; the origin lost re-places the room. A node that is only slow to answer, or an older node without keepalives, is never lost
// for silence.
import { env } from 'cloudflare:workers';
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NODE_KEEPALIVE_INTERVAL_MS } from '@roomcast/schema/protocol';
import type { Tenant } from './api-client.ts';
import { unique } from './api-client.ts';
import type { Env } from '../src/env.ts';
import { fleetStub } from '../src/fleet/fleet-do.ts';
import { CONFIRM_AFTER_MS } from '../src/rooms/media/node-liveness.ts';
import { MEDIA_NODE_TAG, type NodeAttachment } from '../src/rooms/media/node-link.ts';
import { roomOnNode, TestNode } from './fleet-test-node.ts';
import { config, join, liveRoom, roomTenant, socketAnswer, stubFor } from './room-client.ts';

const SILENCE_MS = config.room.nodeSilenceMs;
/** Found no earlier than its last keepalive allows, and no later than the bound, the second look and a scheduling margin. */
const EARLIEST_MS = SILENCE_MS - NODE_KEEPALIVE_INTERVAL_MS;
const LATEST_MS = SILENCE_MS + CONFIRM_AFTER_MS + 1_000;

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('liveness');
});
afterEach(() => TestNode.closeAll());



/** The room's node sockets as the room sees them (attachment, and the runtime's last keepalive). */
const nodeSockets = (roomId: string) =>
  runInDurableObject(stubFor(roomId), (_o, state) =>
    state.getWebSockets(MEDIA_NODE_TAG).map((ws) => ({ att: ws.deserializeAttachment() as NodeAttachment, keepaliveAt: state.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? null })),
  );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('media node liveness', () => {
  it('finds a hung origin by its silence within the bound and re-places the room', async () => {
    const hung = await TestNode.register({ nodeId: unique('a-hung') });
    const { room, host } = await roomOnNode(tenant, hung);
    const viewer = await join(room, { role: 'viewer' });
    // The keepalives are answered by the runtime itself, which records when.
    await expect.poll(() => hung.rooms.get(room.roomId)!.keepalivesAnswered, { timeout: 5000 }).toBeGreaterThan(1);
    const [watched] = await nodeSockets(room.roomId);
    expect(watched).toMatchObject({ att: { nodeId: hung.nodeId, ready: true, keepaliveMs: NODE_KEEPALIVE_INTERVAL_MS }, keepaliveAt: expect.any(Number) });
    const spare = await TestNode.register({ nodeId: unique('z-spare') });

    const hungAt = Date.now();
    hung.hang();
    expect(await viewer.socket.next('media.reset', LATEST_MS + 2000)).toMatchObject({ reason: 'node_lost' });
    const foundMs = Date.now() - hungAt;
    console.log(`liveness: hung origin found ${foundMs} ms after it hung (bound ${SILENCE_MS} ms)`);
    expect(foundMs).toBeGreaterThanOrEqual(EARLIEST_MS);
    expect(foundMs).toBeLessThanOrEqual(LATEST_MS);
    await hung.rooms.get(room.roomId)!.closed;
    await spare.acceptAssignment(room.roomId);
    expect(await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000)).toBeTruthy();
    // FleetDO was told: no other room is placed on the hung node while its last report still
    // looks fresh, until it reports again (it was only slow).
    const healthOf = async (nodeId: string) => (await fleetStub(env as unknown as Env).listNodes()).find((n) => n.nodeId === nodeId)?.healthy;
    await expect.poll(() => healthOf(hung.nodeId)).toBe(false);
    const other = await liveRoom(tenant);
    await join(other, { role: 'host' });
    await spare.acceptAssignment(other.roomId);
    hung.load({});
    await expect.poll(() => healthOf(hung.nodeId)).toBe(true);
    // Handled once: the socket the room gave up on reports its close too.
    await host.socket.sync();
    expect(host.socket.received.filter((m) => m.type === 'media.reset')).toEqual([{ type: 'media.reset', reason: 'node_lost' }]);
  });

  it('places the room again on the node it lost for silence when no other node can take it, once that node reports again', async () => {
    // Only this node in the fleet (each test closes its nodes): a stall past the bound loses it.
    const stalled = await TestNode.register({ nodeId: unique('a-stalled') });
    const { room, host } = await roomOnNode(tenant, stalled);
    await expect.poll(() => stalled.rooms.get(room.roomId)!.keepalivesAnswered, { timeout: 5000 }).toBeGreaterThan(1);
    stalled.hang();
    expect(await host.socket.next('media.reset', LATEST_MS + 2000)).toMatchObject({ reason: 'node_lost' });
    await stalled.rooms.get(room.roomId)!.closed;
    // The re-placement right after the loss avoids the node and finds no other.
    expect(await host.socket.next((m) => m.type === 'media.status' && m.state === 'unavailable', 5000)).toMatchObject({ error: 'no_media_capacity' });
    // The stall ends and the node reports to the fleet again; the next attempt (a client's
    // request here, the room's sweep otherwise) places the room on it.
    stalled.resume();
    stalled.load({});
    await expect.poll(async () => (await fleetStub(env as unknown as Env).listNodes()).find((n) => n.nodeId === stalled.nodeId)?.healthy).toBe(true);
    const asked = socketAnswer(host.socket, 'media.capabilities');
    await stalled.acceptAssignment(room.roomId);
    expect(await asked).toMatchObject({ ok: true });
    expect(await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000)).toBeTruthy();
  });

  it('lets go of a hung edge alone: FleetDO releases it, the origin and its clients are untouched', async () => {
    const origin = await TestNode.register({ nodeId: unique('a-origin') });
    const { room, host } = await roomOnNode(tenant, origin);
    const edgeNode = await TestNode.register({ nodeId: unique('b-edge') });
    // As a full origin makes the room do (edges.ts): FleetDO assigns the room to an edge.
    const placed = await fleetStub(env as unknown as Env).placeEdge(room.roomId, undefined, []);
    expect(placed).toMatchObject({ nodeId: edgeNode.nodeId });
    const { room: edgeSocket } = await edgeNode.acceptAssignment(room.roomId);
    await expect
      .poll(async () => (await nodeSockets(room.roomId)).some((s) => s.att.nodeId === edgeNode.nodeId && s.att.role === 'edge' && s.att.ready), { timeout: 5000 })
      .toBe(true);

    const hungAt = Date.now();
    edgeNode.hang();
    await edgeSocket.closed;
    const foundMs = Date.now() - hungAt;
    console.log(`liveness: hung edge let go ${foundMs} ms after it hung (bound ${SILENCE_MS} ms)`);
    expect(foundMs).toBeGreaterThanOrEqual(EARLIEST_MS);
    expect(foundMs).toBeLessThanOrEqual(LATEST_MS);
    expect(await edgeNode.fleet.next((m) => m.type === 'room.release' && m.roomId === room.roomId)).toBeTruthy();
    // The origin kept answering and keeps the room.
    await host.socket.sync();
    expect(host.socket.unreadOf('media.reset')).toHaveLength(0);
    expect(await socketAnswer(host.socket, 'media.capabilities')).toMatchObject({ ok: true });
    expect((await nodeSockets(room.roomId)).filter((s) => !s.att.closing).map((s) => s.att.nodeId)).toEqual([origin.nodeId]);
  });

  it('keeps watching across eviction: keepalives answered while the room is out of memory, a node that hangs later still found', async () => {
    const node = await TestNode.register({ nodeId: unique('a-evicted') });
    const { room } = await roomOnNode(tenant, node);
    const viewer = await join(room, { role: 'viewer' });
    const link = node.rooms.get(room.roomId)!;
    await evictDurableObject(stubFor(room.roomId));
    const answered = link.keepalivesAnswered;
    await expect.poll(() => link.keepalivesAnswered, { timeout: 5000 }).toBeGreaterThan(answered + 1);
    expect(link.ws.readyState).toBe(WebSocket.OPEN);
    const spare = await TestNode.register({ nodeId: unique('z-spare') });
    const hungAt = Date.now();
    node.hang();
    expect(await viewer.socket.next('media.reset', LATEST_MS + 2000)).toMatchObject({ reason: 'node_lost' });
    expect(Date.now() - hungAt).toBeLessThanOrEqual(LATEST_MS);
    await spare.acceptAssignment(room.roomId);
  });

  it('keeps a node that is slow to answer but keeps its keepalives, past the silence bound', async () => {
    const busy = await TestNode.register({ nodeId: unique('a-busy') });
    const { room, host } = await roomOnNode(tenant, busy);
    await host.socket.sync();
    const seenBefore = host.socket.received.length;
    busy.silent = true;
    const asked = socketAnswer(host.socket, 'media.createTransport', { direction: 'send' });
    await sleep(SILENCE_MS + CONFIRM_AFTER_MS + 1_500);
    busy.release();
    expect(await asked).toMatchObject({ ok: true });
    await host.socket.sync();
    expect(host.socket.unreadOf('media.reset')).toHaveLength(0);
    expect(host.socket.received.slice(seenBefore).filter((m) => m.type === 'media.status' || m.type === 'media.reset')).toEqual([]);
    expect(busy.rooms.get(room.roomId)!.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('never declares an older node without keepalives lost for its silence', async () => {
    const older = await TestNode.register({ nodeId: unique('a-older'), keepalive: false });
    const { room, host } = await roomOnNode(tenant, older);
    const [watched] = await nodeSockets(room.roomId);
    expect(watched!.att.keepaliveMs).toBeUndefined();
    await sleep(SILENCE_MS + CONFIRM_AFTER_MS + 1_500);
    await host.socket.sync();
    expect(host.socket.unreadOf('media.reset')).toHaveLength(0);
    expect(await socketAnswer(host.socket, 'media.capabilities')).toMatchObject({ ok: true });
  });
});
