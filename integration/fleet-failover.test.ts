// The fleet end to end, with every part real: the Worker under wrangler dev (FleetDO, RoomDO),
// Postgres, Redis, media node processes on the embedded engine dialing out, and WebRTC bots
// (mediasoup-client over libwebrtc) signaling through the RoomDO. A publisher goes live, a viewer
// receives video; then a second node starts, the first is killed, and the viewer must receive
// video again within RECOVERY_BOUND_MS. The recovery time is printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Publisher, RoomSignal, Viewer } from './support/media-peer.ts';
import { liveRoom, startFleetStack, waitUntil, type FleetStack } from './support/stack.ts';

const RECOVERY_BOUND_MS = 15_000;
const verbose = process.env.FLEET_IT_VERBOSE === '1';

let stack: FleetStack;
beforeAll(async () => {
  stack = await startFleetStack(verbose ? (l) => console.log(l) : undefined);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});


describe('fleet: placement, media through the RoomDO, node failover', () => {
  it('publishes, watches, and recovers the viewer on a second node after the first is killed', async () => {
    const first = await stack.startNode('it-node-a', 0);

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

    const second = await stack.startNode('it-node-b', 1);
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
});
