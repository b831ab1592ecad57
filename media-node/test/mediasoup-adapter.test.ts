// The mediasoup adapter against a stand-in with mediasoup's shape (mediasoup itself cannot be
// installed without internet; where it is, the conformance suite runs against the real thing).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createMediasoupEngine, type MediasoupModule, type MsObject } from '../src/engine/mediasoup/index.ts';
import { MediaTracker } from '../src/metrics/tracker.ts';

function fakeMediasoup() {
  const calls: { method: string; options: unknown }[] = [];
  const object = (fields: Record<string, unknown>) => Object.assign(new EventEmitter(), { observer: new EventEmitter() }, fields) as unknown as MsObject;
  const closeable = (o: MsObject) => {
    o.close = () => (o.observer as unknown as EventEmitter).emit('close');
    return o;
  };
  const producer = closeable(object({ id: 'p1', kind: 'video' }));
  const transport = closeable(
    object({
      id: 't1',
      produce: async (options: unknown) => (calls.push({ method: 'produce', options }), producer),
      setMaxIncomingBitrate: async (bps: number) => void calls.push({ method: 'setMaxIncomingBitrate', options: bps }),
    }),
  );
  const router = closeable(
    object({
      id: 'r1',
      createWebRtcTransport: async (options: unknown) => (calls.push({ method: 'createWebRtcTransport', options }), transport),
      createPlainTransport: async (options: unknown) => (calls.push({ method: 'createPlainTransport', options }), closeable(object({ id: 'plain' }))),
      pipeToRouter: async (options: { router: unknown }) => {
        calls.push({ method: 'pipeToRouter', options });
        return { pipeConsumer: closeable(object({ id: 'pc' })), pipeProducer: closeable(object({ id: 'pp' })) };
      },
    }),
  );
  const server = object({ getDump: async () => ({ udpSockets: [{ ip: '127.0.0.1', port: 41234 }] }) });
  const worker = object({
    pid: 4242,
    createWebRtcServer: async (options: unknown) => (calls.push({ method: 'createWebRtcServer', options }), server),
    createRouter: async (options: unknown) => (calls.push({ method: 'createRouter', options }), closeable(object({ ...router }))),
  });
  const module: MediasoupModule = { version: '3.99.0-fake', createWorker: async (options) => (calls.push({ method: 'createWorker', options }), worker) };
  return { module, calls, worker, server, producer };
}

describe('mediasoup adapter', () => {
  it('gives each worker one WebRtcServer on its port and creates transports on it', async () => {
    const { module, calls, server } = fakeMediasoup();
    const engine = createMediasoupEngine(module);
    const worker = await engine.createWorker({ listenIp: '0.0.0.0', announcedAddress: '203.0.113.7', port: 41234, maxIncomingBitrate: 2_000_000 });
    expect(engine.name).toBe('mediasoup');
    expect(worker.port).toBe(41234);
    expect(worker.pid).toBe(4242);
    const listenInfos = (calls.find((c) => c.method === 'createWebRtcServer')!.options as { listenInfos: unknown[] }).listenInfos;
    expect(listenInfos).toEqual([
      { protocol: 'udp', ip: '0.0.0.0', announcedAddress: '203.0.113.7', port: 41234 },
      { protocol: 'tcp', ip: '0.0.0.0', announcedAddress: '203.0.113.7', port: 41234 },
    ]);
    const router = await worker.createRouter({ mediaCodecs: [] });
    await router.createWebRtcTransport();
    expect(calls.find((c) => c.method === 'createWebRtcTransport')!.options).toMatchObject({ webRtcServer: server, enableUdp: true, enableTcp: true, preferUdp: true });
    expect(calls.find((c) => c.method === 'setMaxIncomingBitrate')!.options).toBe(2_000_000);
  });

  it("routes on('close') to mediasoup's observer, for objects from factory methods too", async () => {
    const { module } = fakeMediasoup();
    const worker = await createMediasoupEngine(module).createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
    const router = await worker.createRouter({ mediaCodecs: [] });
    const transport = await router.createWebRtcTransport();
    const producer = await transport.produce({ kind: 'video', rtpParameters: { codecs: [] } });
    const closed: string[] = [];
    transport.on('close', () => closed.push('transport'));
    producer.on('close', () => closed.push('producer')).on('transportclose', () => closed.push('producer:transportclose'));
    transport.close();
    producer.close();
    expect(closed).toEqual(['transport', 'producer']);
  });

  it('enforces the router and transport limits, and frees a slot on close', async () => {
    const { module } = fakeMediasoup();
    const worker = await createMediasoupEngine(module).createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0, maxRouters: 1, maxTransports: 1 });
    const router = await worker.createRouter({ mediaCodecs: [] });
    await expect(worker.createRouter({ mediaCodecs: [] })).rejects.toMatchObject({ code: 'limit_reached' });
    const transport = await router.createWebRtcTransport();
    await expect(router.createWebRtcTransport()).rejects.toMatchObject({ code: 'limit_reached' });
    transport.close();
    await expect(router.createWebRtcTransport()).resolves.toBeDefined();
    router.close();
    await expect(worker.createRouter({ mediaCodecs: [] })).resolves.toBeDefined();
  });

  it('hands mediasoup its own router in pipeToRouter and adapts what comes back; plain transports count against the limit', async () => {
    const { module, calls } = fakeMediasoup();
    const worker = await createMediasoupEngine(module).createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0, maxTransports: 1, rtcPortRange: { min: 40002, max: 40999 } });
    expect(calls.find((c) => c.method === 'createWorker')!.options).toMatchObject({ rtcMinPort: 40002, rtcMaxPort: 40999 });
    const a = await worker.createRouter({ mediaCodecs: [] });
    const b = await worker.createRouter({ mediaCodecs: [] });
    const { pipeConsumer, pipeProducer } = await a.pipeToRouter({ producerId: 'p1', router: b });
    const given = (calls.find((c) => c.method === 'pipeToRouter')!.options as { router: unknown }).router;
    expect(given).not.toBe(b); // the raw mediasoup router, not our proxy of it
    expect((given as { id: string }).id).toBe(b.id);
    const closed: string[] = [];
    pipeProducer.on('close', () => closed.push('pipeProducer'));
    pipeConsumer.on('close', () => closed.push('pipeConsumer'));
    pipeProducer.close();
    pipeConsumer.close();
    expect(closed).toEqual(['pipeProducer', 'pipeConsumer']);
    const plain = await a.createPlainTransport({ listenIp: '127.0.0.1' });
    await expect(a.createPlainTransport({ listenIp: '127.0.0.1' })).rejects.toMatchObject({ code: 'limit_reached' });
    plain.close();
    await expect(a.createPlainTransport({ listenIp: '127.0.0.1' })).resolves.toBeDefined();
  });

  it('lets the metrics tracker wrap its factories without touching the mediasoup objects or their identity', async () => {
    const { module, calls, worker: raw } = fakeMediasoup();
    const engine = createMediasoupEngine(module);
    const tracker = new MediaTracker();
    const originalCreateRouter = raw.createRouter;
    const worker = tracker.instrument(await engine.createWorker({ listenIp: '0.0.0.0', announcedAddress: '203.0.113.7', port: 41234 }));
    const objects = tracker.objects(worker);
    const router = await worker.createRouter({ mediaCodecs: [] });
    const other = await worker.createRouter({ mediaCodecs: [] });
    expect(objects.routers.size).toBe(2);
    const transport = await router.createWebRtcTransport();
    const producer = await transport.produce({ kind: 'video', rtpParameters: { codecs: [], encodings: [] } });
    expect(objects.transports.get(transport)).toBe('webrtc');
    expect(objects.producers.has(producer)).toBe(true);
    expect(producer.id).toBe('p1');
    // Nothing was assigned on the mediasoup objects themselves.
    expect(raw.createRouter).toBe(originalCreateRouter);
    // Objects handed back to mediasoup are still unwrapped to the raw ones.
    await router.pipeToRouter({ producerId: 'p1', router: other });
    const piped = calls.find((c) => c.method === 'pipeToRouter')!.options as { router: unknown };
    expect(piped.router).not.toBe(other);
    expect((piped.router as { id: string }).id).toBe('r1');
    producer.close();
    transport.close();
    expect(objects.producers.size).toBe(0);
    expect(objects.transports.size).toBe(0);
  });
});
