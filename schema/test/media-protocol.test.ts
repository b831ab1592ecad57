// The media and fleet wire contracts: what each side accepts and refuses.
import { describe, expect, it } from 'vitest';
import { FleetToNode, isMediaMethod, MEDIA_METHODS, NodeToFleet, NodeToRoom, parseMediaRequest, RoomToNode, ServerMessage } from '../src/protocol/index.ts';

const dtlsParameters = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] };
const rtpParameters = { mid: '0', codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ rid: 'r0' }] };

describe('client media requests', () => {
  const valid: [string, unknown][] = [
    ['media.capabilities', undefined],
    ['media.capabilities', {}],
    ['media.producers', {}],
    ['media.createTransport', { direction: 'send' }],
    ['media.createTransport', { direction: 'recv' }],
    ['media.connectTransport', { transportId: 't1', dtlsParameters }],
    ['media.produce', { transportId: 't1', kind: 'video', rtpParameters, source: 'camera' }],
    ['media.produce', { transportId: 't1', kind: 'audio', rtpParameters, source: 'microphone', paused: true }],
    ['media.consume', { transportId: 't2', producerId: 'p1', rtpCapabilities: { codecs: [], headerExtensions: [] } }],
    ['media.resume', { consumerId: 'c1' }],
    ['media.pause', { producerId: 'p1' }],
    ['media.setPreferredLayers', { consumerId: 'c1', spatialLayer: 2, temporalLayer: 0 }],
    ['media.restartIce', { transportId: 't1' }],
    ['media.closeProducer', { producerId: 'p1' }],
    ['media.closeConsumer', { consumerId: 'c1' }],
    ['media.closeTransport', { transportId: 't1' }],
  ];
  it.each(valid)('accepts %s %j', (method, data) => {
    expect(isMediaMethod(method)).toBe(true);
    expect(parseMediaRequest(method as never, data)).toMatchObject({ ok: true });
  });

  const invalid: [string, unknown, RegExp][] = [
    ['media.capabilities', { extra: 1 }, /data/],
    ['media.createTransport', {}, /direction/],
    ['media.createTransport', { direction: 'both' }, /direction/],
    ['media.connectTransport', { transportId: 't1' }, /dtlsParameters/],
    ['media.connectTransport', { transportId: 't1', dtlsParameters: { fingerprints: [] } }, /fingerprints/],
    ['media.produce', { transportId: 't1', kind: 'video', rtpParameters, source: 'webcam' }, /source/],
    ['media.produce', { transportId: 't1', kind: 'data', rtpParameters, source: 'camera' }, /kind/],
    ['media.produce', { transportId: 't1', kind: 'video', rtpParameters: { codecs: [] }, source: 'camera' }, /codecs/],
    ['media.consume', { transportId: 't2', producerId: '', rtpCapabilities: {} }, /producerId/],
    ['media.resume', {}, /data/],
    ['media.resume', { consumerId: 'c1', producerId: 'p1' }, /data/],
    ['media.setPreferredLayers', { consumerId: 'c1', spatialLayer: -1 }, /spatialLayer/],
    ['media.restartIce', { transportId: 'x'.repeat(200) }, /transportId/],
  ];
  it.each(invalid)('refuses %s %j', (method, data, where) => {
    const parsed = parseMediaRequest(method as never, data);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(where);
  });

  it('knows exactly its methods', () => {
    expect(isMediaMethod('media.teleport')).toBe(false);
    expect(isMediaMethod('toString')).toBe(false);
    expect(MEDIA_METHODS).toContain('media.produce');
  });
});

describe('media events and fleet frames', () => {
  it('parses the room media events', () => {
    const producer = { producerId: 'p1', identity: 'u1', kind: 'video', source: 'screen', paused: false };
    for (const frame of [
      { type: 'media.producers', producers: [producer] },
      { type: 'media.producer_added', producer },
      { type: 'media.producer_closed', producerId: 'p1' },
      { type: 'media.consumer_closed', consumerId: 'c1', producerId: 'p1' },
      { type: 'media.reset', reason: 'node_lost' },
      { type: 'media.status', state: 'unavailable', error: 'no_media_capacity' },
      { type: 'media.scores', consumers: [{ consumerId: 'c1', score: 10, producerScore: 9 }] },
    ]) {
      expect(ServerMessage.safeParse(frame).success).toBe(true);
    }
    expect(ServerMessage.safeParse({ type: 'media.status', state: 'on-fire' }).success).toBe(false);
  });

  it('parses node and fleet frames, refusing unknown methods and bad loads', () => {
    expect(NodeToFleet.parse({ type: 'node.register', protocol: 1, nodeId: 'n', region: 'eu', announcedAddress: 'a', engine: 'embedded', workers: 2, capacity: { maxConsumers: 1, maxRouters: 1 } })).toMatchObject({ rooms: [] });
    expect(NodeToFleet.safeParse({ type: 'node.load', routers: 0, transports: 0, producers: 0, consumers: -1, cpu: 0, bitrateKbps: 0, state: 'serving' }).success).toBe(false);
    expect(FleetToNode.safeParse({ type: 'room.assign', roomId: 'r', roomUrl: 'ws://x', token: 't' }).success).toBe(true);
    expect(RoomToNode.safeParse({ type: 'request', id: '1', method: 'transport.create', data: {} }).success).toBe(true);
    expect(RoomToNode.safeParse({ type: 'request', id: '1', method: 'worker.kill' }).success).toBe(false);
    expect(NodeToRoom.safeParse({ type: 'response', id: '1', ok: false }).success).toBe(false);
    expect(NodeToRoom.safeParse({ type: 'producer.closed', producerId: 'p' }).success).toBe(true);
  });
});
