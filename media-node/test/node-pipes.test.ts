// A room on two media nodes, piped over the fleet protocol: stand-in RoomDO sockets ask each real
// node (embedded engine) for a pipe, exchange the two ends, consume a simulcast producer into the
// pipe on the origin node and produce it under the same id on the edge node, where a WebRTC viewer
// decodes every layer. The producer closing at the origin reaches the room as consumer.closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../schema/test/support/wait.ts';
import type { Router } from '../src/engine/types.ts';
import { ConsumerBot, PublisherBot } from './support/bots.ts';
import { ask, ok, publishingVia } from './support/room-protocol.ts';
import { type Conn, type NodeWithStandIns, registerNode, startNodeWithStandIns } from './support/ws-stand-ins.ts';

interface RoomOnNode {
  standIns: NodeWithStandIns;
  room: Conn;
  router: Router;
}

async function roomOn(nodeId: string, rtcMinPort: number): Promise<RoomOnNode> {
  const standIns = await startNodeWithStandIns({ nodeId, rtcMinPort });
  const fleet = await registerNode(standIns.fleet);
  fleet.send({ type: 'room.assign', roomId: 'room-big', roomUrl: `${standIns.rooms.url}/api/v1/rooms/room-big/media-node`, token: 'room-credential' });
  const room = await standIns.rooms.accept();
  await room.next('node.ready');
  const session = standIns.client.rooms.get('room-big')!;
  return { standIns, room, router: session.router };
}

const publish = (on: RoomOnNode, identity: string, layers: number[], width: number, height: number) =>
  PublisherBot.start(publishingVia(on.room, on.router, identity), { width, height, fps: 30, layers, audio: false });

describe('pipes between two nodes of one room, over the fleet protocol', () => {
  let origin: RoomOnNode;
  let edge: RoomOnNode;
  let publisher: PublisherBot;
  const bots: ConsumerBot[] = [];

  beforeAll(async () => {
    origin = await roomOn('node-origin', 41480);
    edge = await roomOn('node-edge', 41490);
    publisher = await publish(origin, 'host-1', [150_000, 500_000, 1_500_000], 960, 540);
    await waitFor('three layers from the publisher', async () => (await publisher.layerWidths()).length === 3, { timeoutMs: 20_000 });
  });

  afterAll(() => {
    for (const bot of bots) bot.close();
    publisher?.close();
    origin?.standIns.close();
    edge?.standIns.close();
  });

  for (const enableSrtp of [false, true]) {
    it(`carries a simulcast producer under its own id to a viewer on the other node${enableSrtp ? ', encrypted' : ''}`, async () => {
      const a = await ok(origin.room, 'pipe.create', { enableSrtp });
      const b = await ok(edge.room, 'pipe.create', { enableSrtp });
      expect(a).toMatchObject({ pipeId: expect.any(String), ip: '127.0.0.1', port: expect.any(Number) });
      if (enableSrtp) expect(a.srtpParameters).toMatchObject({ cryptoSuite: expect.any(String), keyBase64: expect.any(String) });
      await ok(origin.room, 'pipe.connect', { pipeId: a.pipeId, ip: b.ip, port: b.port, ...(b.srtpParameters ? { srtpParameters: b.srtpParameters } : {}) });
      await ok(edge.room, 'pipe.connect', { pipeId: b.pipeId, ip: a.ip, port: a.port, ...(a.srtpParameters ? { srtpParameters: a.srtpParameters } : {}) });
      const piped = await ok(origin.room, 'pipe.consume', { pipeId: a.pipeId, producerId: publisher.videoProducer.id });
      expect(piped).toMatchObject({ producerId: publisher.videoProducer.id, kind: 'video', paused: false, identity: 'host-1', source: 'camera' });
      expect(piped.rtpParameters.encodings).toHaveLength(3);
      const { consumerId, ...producer } = piped;
      const produced = await ok(edge.room, 'pipe.produce', { pipeId: b.pipeId, ...producer });
      expect(produced.id).toBe(publisher.videoProducer.id);

      const viewer = await ConsumerBot.start(edge.router);
      bots.push(viewer);
      const edgeProducer = { id: produced.id } as never;
      const { server } = await viewer.consume(edgeProducer, { preferredLayers: { spatialLayer: 0 } });
      await waitFor('frames on the edge node', async () => ((await viewer.inboundVideo())?.framesDecoded ?? 0) >= 20, { timeoutMs: 20_000 });
      const low = (await viewer.inboundVideo())!.frameWidth;
      await server.setPreferredLayers({ spatialLayer: 2 });
      await waitFor('the top layer on the edge node', async () => (await viewer.inboundVideo())!.frameWidth > low, { timeoutMs: 15_000 });
      await ok(origin.room, 'consumer.close', { consumerId });
      await ok(origin.room, 'pipe.close', { pipeId: a.pipeId });
      await ok(edge.room, 'pipe.close', { pipeId: b.pipeId });
      // Closing the edge pipe closed the producer there, and the viewer's consumer with it.
      expect(await edge.room.next((m) => m.type === 'producer.closed' && m.producerId === produced.id)).toBeTruthy();
      await waitFor('the viewer consumer closed', () => server.closed);
    });
  }

  it('tells the room when the origin producer closes, so it can close the piped one', async () => {
    const second = await publish(origin, 'host-2', [300_000], 320, 180);
    const a = await ok(origin.room, 'pipe.create', {});
    const b = await ok(edge.room, 'pipe.create', {});
    await ok(origin.room, 'pipe.connect', { pipeId: a.pipeId, ip: b.ip, port: b.port });
    await ok(edge.room, 'pipe.connect', { pipeId: b.pipeId, ip: a.ip, port: a.port });
    const { consumerId, ...producer } = await ok(origin.room, 'pipe.consume', { pipeId: a.pipeId, producerId: second.videoProducer.id });
    await ok(edge.room, 'pipe.produce', { pipeId: b.pipeId, ...producer });
    second.close();
    const closed = await origin.room.next((m) => m.type === 'consumer.closed' && m.consumerId === consumerId);
    expect(closed.producerId).toBe(second.videoProducer.id);
    // What the room does with it: close the piped producer on the edge.
    await ok(edge.room, 'producer.close', { producerId: second.videoProducer.id });
    await edge.room.next((m) => m.type === 'producer.closed' && m.producerId === second.videoProducer.id);
  });

  it('refuses bad pipe requests with clear errors and keeps serving', async () => {
    expect(await ask(origin.room, 'pipe.connect', { pipeId: 'nope', ip: '127.0.0.1', port: 5000 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await ask(origin.room, 'pipe.connect', { pipeId: 'x', ip: '127.0.0.1', port: 70000 })).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    const a = await ok(origin.room, 'pipe.create', {});
    expect(await ask(origin.room, 'pipe.consume', { pipeId: a.pipeId, producerId: 'nope' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const b = await ok(edge.room, 'pipe.create', {});
    const rtpParameters = { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 1 }] };
    const dup = { pipeId: b.pipeId, producerId: 'dup-1', kind: 'video', rtpParameters, paused: false, identity: 'x', source: 'camera' };
    expect(await ask(edge.room, 'pipe.produce', dup)).toMatchObject({ ok: true, data: { id: 'dup-1' } });
    expect(await ask(edge.room, 'pipe.produce', { ...dup, rtpParameters: { ...rtpParameters, encodings: [{ ssrc: 2 }] } })).toMatchObject({ ok: false, error: { code: expect.any(String) } });
    expect(await ok(origin.room, 'router.capabilities', {})).toMatchObject({ rtpCapabilities: expect.anything() });
  });
});
