// Draining a media node under a live room, with every part real (the Worker under wrangler dev,
// media node processes, WebRTC bots). SIGTERM drains: the node tells FleetDO (its load reports
// say `draining`), gets no new room, keeps serving the one it has — the viewer keeps decoding, no
// media.reset, the same transports — and exits by itself once that room has ended. With a short
// drain deadline instead, the room left is handed back at the deadline: it moves to another node
// through the RoomDO's re-placement (clients get media.reset and rebuild) and the node exits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Publisher, RoomSignal, Viewer } from './support/media-peer.ts';
import { liveRoom as sharedLiveRoom, sleep, startFleetStack, waitUntil, type FleetStack } from './support/stack.ts';

const verbose = process.env.FLEET_IT_VERBOSE === '1';

let stack: FleetStack;
beforeAll(async () => {
  stack = await startFleetStack(verbose ? (l) => console.log(l) : undefined);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});


const nodes = () => stack.nodes();

/** A started room with a publishing host and a watching viewer, decoding. */
async function liveRoom(slug: string) {
  const room = await sharedLiveRoom(stack.url, `Drain ${slug}`);
  const hostJoin = room.hostJoin;
  const viewerJoin = await room.joinViewer('Viewer bot');
  const host = await RoomSignal.join(hostJoin.signalingUrl, hostJoin.token);
  const publisher = new Publisher(host.signal);
  await publisher.start();
  const viewerSignal = await RoomSignal.join(viewerJoin.signalingUrl, viewerJoin.token);
  const viewer = new Viewer(viewerSignal.signal);
  await viewer.start();
  await waitUntil(`${slug}: first frames decoded by the viewer`, 20_000, async () => ((await viewer.video()).framesDecoded > 10 ? true : undefined));
  const resets: any[] = [];
  viewerSignal.signal.on((m) => {
    if (m.type === 'media.reset') resets.push(m);
  });
  return {
    roomId: room.roomId,
    viewer,
    resets,
    end: room.end,
    close() {
      publisher.close();
      viewer.close();
      host.signal.close();
      viewerSignal.signal.close();
    },
  };
}

describe('fleet: draining a media node', () => {
  it('SIGTERM: the node takes no new room, keeps serving its live room without a reset, and exits once it ended', async () => {
    const a = await stack.startNode('drain-a', 2, { MEDIA_DRAIN_TIMEOUT_SECONDS: '300' });
    const first = await liveRoom('drain-live');
    expect((await nodes()).find((n) => n.nodeId === 'drain-a')).toMatchObject({ rooms: 1 });
    const b = await stack.startNode('drain-b', 3);

    const generation = first.viewer.generation;
    const before = (await first.viewer.video()).framesDecoded;
    a.signal('SIGTERM');
    // FleetDO learns it from the node's next load report.
    await waitUntil('FleetDO seeing drain-a draining', 10_000, async () => (await nodes()).find((n) => n.nodeId === 'drain-a' && n.load?.state === 'draining'));
    expect(a.lines.some((l) => l.includes('SIGTERM: draining before exit'))).toBe(true);

    // A new room goes to the other node.
    const second = await liveRoom('drain-new');
    expect(b.lines.some((l) => l.includes('room opened') && l.includes(second.roomId))).toBe(true);
    expect(a.lines.some((l) => l.includes('room opened') && l.includes(second.roomId))).toBe(false);

    // The draining node keeps serving the live room: more frames, same transports, no reset.
    await sleep(3000);
    const during = await first.viewer.video();
    expect(during.framesDecoded).toBeGreaterThan(before + 30);
    expect(first.viewer.generation).toBe(generation);
    expect(first.resets).toEqual([]);
    let exitedEarly = false;
    void a.exited.then(() => (exitedEarly = true));
    expect(exitedEarly).toBe(false);

    // The room ends: the node closes it and exits on its own, cleanly.
    const endedAt = performance.now();
    await first.end();
    expect(await Promise.race([a.exited, sleep(15_000).then(() => 'still running')])).toBe(0);
    console.log(`fleet drain: node exited within ${Math.round(performance.now() - endedAt)} ms of the request that ended its last room`);
    expect(a.lines.some((l) => l.includes('drained: no room left'))).toBe(true);
    expect(first.resets).toEqual([]);
    first.close();
    await second.end();
    second.close();
    await b.stop();
  }, 120_000);

  it('the drain deadline hands the room left to another node (re-placement) and the node exits', async () => {
    const c = await stack.startNode('drain-c', 4, { MEDIA_DRAIN_TIMEOUT_SECONDS: '3' });
    const room = await liveRoom('drain-deadline');
    expect((await nodes()).find((n) => n.nodeId === 'drain-c')).toMatchObject({ rooms: 1 });
    const d = await stack.startNode('drain-d', 5);
    const generation = room.viewer.generation;
    c.signal('SIGTERM');
    expect(await Promise.race([c.exited, sleep(20_000).then(() => 'still running')])).toBe(0);
    expect(c.lines.some((l) => l.includes('drain deadline passed'))).toBe(true);
    await waitUntil('the viewer decoding again on drain-d', 20_000, async () => {
      if (room.viewer.generation === generation) return undefined;
      return (await room.viewer.video()).framesDecoded > 0 ? true : undefined;
    });
    expect(room.resets.map((r) => r.reason)).toContain('node_lost');
    expect(d.lines.some((l) => l.includes('room opened') && l.includes(room.roomId))).toBe(true);
    await room.end();
    room.close();
    await d.stop();
  }, 120_000);
});
