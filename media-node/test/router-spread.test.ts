// One room over the node's workers: with a router's share at one viewer (a worker's consumer
// ceiling of 2: audio and video per viewer), the second viewer's transport lands on a router on
// the node's other worker, the publisher's producer is piped there once, and both viewers decode.
// Pause and close reach the second router's viewer through the pipe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../schema/test/support/wait.ts';
import { ConsumerBot, PublisherBot } from './support/bots.ts';
import { ok, publishingVia, watchingVia } from './support/room-protocol.ts';
import { type Conn, type NodeWithStandIns, registerNode, startNodeWithStandIns } from './support/ws-stand-ins.ts';

describe('a room spread over the workers of one node', () => {
  let standIns: NodeWithStandIns;
  let room: Conn;
  let fleet: Conn;
  let publisher: PublisherBot;
  const viewers: ConsumerBot[] = [];

  beforeAll(async () => {
    standIns = await startNodeWithStandIns({ nodeId: 'node-spread', rtcMinPort: 41520, env: { MEDIA_WORKERS: '2', MEDIA_MAX_CONSUMERS_PER_WORKER: '2' } });
    fleet = await registerNode(standIns.fleet);
    fleet.send({ type: 'room.assign', roomId: 'room-spread', roomUrl: `${standIns.rooms.url}/api/v1/rooms/room-spread/media-node`, token: 'room-credential' });
    room = await standIns.rooms.accept();
    await room.next('node.ready');
    const { router } = standIns.client.rooms.get('room-spread')!;
    publisher = await PublisherBot.start(publishingVia(room, router, 'host-1'), { width: 640, height: 360, fps: 20, layers: [150_000, 500_000], audio: false });
  });

  afterAll(() => {
    for (const v of viewers) v.close();
    publisher?.close();
    standIns?.close();
  });

  it('puts the second viewer on a router on the other worker, piped once, and both decode', async () => {
    const session = standIns.client.rooms.get('room-spread')!;
    expect(session.workersInUse).toHaveLength(1);
    for (const identity of ['viewer-1', 'viewer-2']) {
      const viewer = await ConsumerBot.start(watchingVia(room, session.router, identity));
      viewers.push(viewer);
      await viewer.consume(publisher.videoProducer);
    }
    expect(session.workersInUse).toHaveLength(2);
    expect(new Set(session.workersInUse)).toEqual(new Set(standIns.node.workers));
    for (const [i, viewer] of viewers.entries()) {
      await waitFor(`viewer ${i + 1} decoding`, async () => ((await viewer.inboundVideo())?.framesDecoded ?? 0) >= 10, { timeoutMs: 20_000 });
    }
    // The node reports both routers to the fleet.
    expect(await fleet.next((m) => m.type === 'node.load' && m.routers === 2)).toBeTruthy();
  });

  it('pauses and closes the second router’s copy with the producer', async () => {
    const second = viewers[1]!;
    const { server } = [...second.consumers.values()][0]!;
    const decoded = async () => (await second.inboundVideo())?.framesDecoded ?? 0;
    await ok(room, 'producer.pause', { producerId: publisher.videoProducer.id });
    await waitFor('frames stopping on the second router', async () => {
      const before = await decoded();
      await new Promise((r) => setTimeout(r, 500));
      return (await decoded()) === before;
    }, { timeoutMs: 10_000 });
    await ok(room, 'producer.resume', { producerId: publisher.videoProducer.id });
    const resumedFrom = await decoded();
    await waitFor('frames again after resume', async () => (await decoded()) > resumedFrom + 5, { timeoutMs: 10_000 });
    await ok(room, 'producer.close', { producerId: publisher.videoProducer.id });
    const closed = await room.next((m) => m.type === 'consumer.closed' && m.consumerId === server.id);
    expect(closed.producerId).toBe(publisher.videoProducer.id);
  });
});
