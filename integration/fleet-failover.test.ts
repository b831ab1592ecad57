// The fleet end to end, with every part real: the Worker under wrangler dev (FleetDO, RoomDO),
// Postgres, Redis, media node processes on the embedded engine dialing out, and WebRTC bots
// (mediasoup-client over libwebrtc) signaling through the RoomDO. A publisher goes live, a viewer
// receives video; then a second node starts, the first is killed, and the viewer must receive
// video again within RECOVERY_BOUND_MS. Then the same with a node that hangs (SIGSTOP: its
// sockets stay open): the room finds it by its silence. The recovery times are printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Publisher, RoomSignal, Viewer } from './support/media-peer.ts';
import { liveRoom, startFleetStack, waitUntil, type FleetStack, type MediaNodeProcess } from './support/stack.ts';

const RECOVERY_BOUND_MS = 15_000;
/**
 * A hung origin: found after ROOM_NODE_SILENCE_MS (3 s) of silence, then the room is placed
 * again, the publisher republishes and the viewer consumes anew (about 1 s after a kill).
 */
const HUNG_RECOVERY_BOUND_MS = 8_000;
const verbose = process.env.FLEET_IT_VERBOSE === '1';

let stack: FleetStack;
beforeAll(async () => {
  stack = await startFleetStack(verbose ? (l) => console.log(l) : undefined);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

/** Every node this file started, by id: a later test finds which one serves its room. */
const started = new Map<string, MediaNodeProcess>();
const startNode = async (nodeId: string, index: number) => {
  const node = await stack.startNode(nodeId, index);
  started.set(nodeId, node);
  return node;
};


describe('fleet: placement, media through the RoomDO, node failover', () => {
  it('publishes, watches, and recovers the viewer on a second node after the first is killed', async () => {
    const first = await startNode('it-node-a', 0);

    const room = await liveRoom(stack.url, 'Failover');
    const hostJoin = room.hostJoin;
    const viewerJoin = await room.joinViewer('Viewer bot');

    const host = await RoomSignal.join(hostJoin.signalingUrl, hostJoin.token);
    const publisher = new Publisher(host.signal);
    await publisher.start();
    const viewerSignal = await RoomSignal.join(viewerJoin.signalingUrl, viewerJoin.token);
    const viewer = new Viewer(viewerSignal.signal);
    await viewer.start();

    const before = await waitUntil('first frames decoded by the viewer', 20_000, async () => {
      const v = await viewer.video();
      return v.framesDecoded > 10 ? v : undefined;
    });
    expect(before.packetsReceived).toBeGreaterThan(0);

    // The admin API shows the node serving one room.
    const listed = await stack.nodes();
    expect(listed.find((n: any) => n.nodeId === 'it-node-a')).toMatchObject({ connected: true, healthy: true, rooms: 1 });

    const second = await startNode('it-node-b', 1);
    const resetSeen = viewerSignal.signal.next((m) => m.type === 'media.reset', 10_000);
    const generation = viewer.generation;
    const killedAt = performance.now();
    await first.kill();
    expect(await resetSeen).toMatchObject({ reason: 'node_lost' });

    await waitUntil('viewer decoding again on the second node', RECOVERY_BOUND_MS, async () => {
      if (viewer.generation === generation) return undefined;
      const v = await viewer.video();
      return v.framesDecoded > 0 ? v : undefined;
    });
    const recoveryMs = Math.round(performance.now() - killedAt);
    console.log(`fleet failover: viewer decoding again ${recoveryMs} ms after the media node was killed (bound ${RECOVERY_BOUND_MS} ms)`);
    expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect(second.lines.some((l) => l.includes('room opened'))).toBe(true);

    // Chat kept working through it.
    host.signal.ws.send(JSON.stringify({ type: 'chat.send', text: 'back?' }));
    expect(await viewerSignal.signal.next((m) => m.type === 'chat.message' && m.text === 'back?', 5000)).toBeTruthy();

    // Ending the room closes the router on the node.
    await room.end();
    await waitUntil('the node closing the room', 10_000, async () => second.lines.some((l) => l.includes('room closed')));
    // The room never sent either bot a frame the channel decoder refuses.
    expect([...host.signal.refused, ...viewerSignal.signal.refused]).toEqual([]);
    publisher.close();
    viewer.close();
  }, 120_000);

  it('recovers the viewer on another node when the room\'s node hangs with its sockets open', async () => {
    // With the node left from the test above, two nodes: the room lands on one, the other is spare.
    await startNode('it-node-c', 2);
    const room = await liveRoom(stack.url, 'Hung node');
    const host = await RoomSignal.join(room.hostJoin.signalingUrl, room.hostJoin.token);
    const publisher = new Publisher(host.signal);
    await publisher.start();
    const viewerJoin = await room.joinViewer('Viewer bot');
    const viewerSignal = await RoomSignal.join(viewerJoin.signalingUrl, viewerJoin.token);
    const viewer = new Viewer(viewerSignal.signal);
    await viewer.start();
    await waitUntil('first frames decoded by the viewer', 20_000, async () => ((await viewer.video()).framesDecoded > 10 ? true : undefined));
    const serving = (await stack.nodes()).filter((n: any) => n.rooms > 0 && started.has(n.nodeId));
    expect(serving, 'one node serves the room').toHaveLength(1);
    const hung = started.get(serving[0].nodeId)!;
    const spare = [...started.values()].find((n) => n !== hung && n.nodeId !== 'it-node-a')!;
    const openedBefore = spare.lines.filter((l) => l.includes('room opened')).length;
    const generation = viewer.generation;
    const frozenAt = performance.now();
    hung.freeze();
    expect(await viewerSignal.signal.next((m) => m.type === 'media.reset', 10_000)).toMatchObject({ reason: 'node_lost' });
    const foundMs = Math.round(performance.now() - frozenAt);
    await waitUntil('viewer decoding again on the spare node', 20_000, async () => {
      if (viewer.generation === generation) return undefined;
      return (await viewer.video()).framesDecoded > 0 ? true : undefined;
    });
    const recoveryMs = Math.round(performance.now() - frozenAt);
    console.log(`fleet failover: node hung, found by its silence after ${foundMs} ms, viewer decoding again ${recoveryMs} ms after it hung (bound ${HUNG_RECOVERY_BOUND_MS} ms)`);
    expect(recoveryMs).toBeLessThan(HUNG_RECOVERY_BOUND_MS);
    expect(spare.lines.filter((l) => l.includes('room opened')).length).toBeGreaterThan(openedBefore);
    await hung.kill();

    const closedBefore = spare.lines.filter((l) => l.includes('room closed')).length;
    await room.end();
    await waitUntil('the spare node closing the room', 10_000, async () => spare.lines.filter((l) => l.includes('room closed')).length > closedBefore);
    expect([...host.signal.refused, ...viewerSignal.signal.refused]).toEqual([]);
    publisher.close();
    viewer.close();
  }, 120_000);
});
