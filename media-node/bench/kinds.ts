// The consumer kinds the bench loads one engine worker with, all fed by the same publisher, and
// the raw baseline. Each says how to grow to N consumers, what has been forwarded and received so
// far, what one consumer should forward, and how to go back to none.
import type { Consumer, PlainTransport, PipeTransport, Producer, Router, WebRtcTransport } from '../src/engine/types.ts';
import type { LoadProcess } from './load-process.ts';
import type { BenchRequest } from './rpc.ts';
import type { Kind } from './verdict.ts';

export interface Counters {
  forwarded: number;
  forwardedByLayer?: number[];
  received: number;
  receivedByLayer?: number[];
  receiving?: number;
  onTopLayer?: number;
  /** Packets the forwarder received that every consumer should get (the relay counts its own). */
  input?: number;
}

export interface Phase {
  kind: Kind;
  grow(n: number): Promise<void>;
  counters(): Promise<Counters>;
  /** Packets/s one consumer should forward, from the publisher's layer rates or the forwarder's input rate. */
  perConsumerPps(layerInPps: number[], inputPps: number): number;
  clear(): Promise<void>;
}

/** The engine's side of the bench signaling: what the publisher and the WebRTC receivers ask for. */
export class EngineSide {
  readonly transports = new Map<string, WebRtcTransport>();
  readonly webrtcConsumers: Consumer[] = [];
  /** The receivers' transports (not the publisher's), closed when the WebRTC phase ends. */
  readonly receiverTransports: WebRtcTransport[] = [];
  producer: Producer | undefined;

  constructor(readonly router: Router) {}

  readonly serve = async ({ request: r }: { request: BenchRequest }): Promise<unknown> => {
    switch (r.method) {
      case 'routerCapabilities':
        return this.router.rtpCapabilities;
      case 'createTransport': {
        const t = await this.router.createWebRtcTransport();
        this.transports.set(t.id, t);
        return { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
      }
      case 'connect':
        return this.transports.get(r.transportId)!.connect({ dtlsParameters: r.dtlsParameters as never });
      case 'produce': {
        const producer = await this.transports.get(r.transportId)!.produce({ kind: r.kind, rtpParameters: r.rtpParameters as never });
        this.producer = producer;
        return producer.id;
      }
      case 'consume': {
        const t = this.transports.get(r.transportId)!;
        const c = await t.consume({ producerId: r.producerId, rtpCapabilities: r.rtpCapabilities as never, paused: true });
        await c.resume();
        this.webrtcConsumers.push(c);
        this.receiverTransports.push(t);
        return undefined;
      }
    }
  };

  /** The publisher's packets so far, per layer (index = spatial layer). */
  async layerPackets(): Promise<number[]> {
    return ((await this.producer?.getStats()) ?? []).map((s) => s.packetCount);
  }
}

const sum = (xs: number[]) => xs.reduce((n, x) => n + x, 0);
const packets = async (consumers: Consumer[]) => {
  let n = 0;
  for (const c of consumers) n += (await c.getStats())[0]?.packetCount ?? 0;
  return n;
};
/** Consumers forwarding the producer's top layer (what the bench expects of WebRTC and plain ones). */
const onTop = (engine: EngineSide, consumers: Consumer[]) => {
  const top = (engine.producer?.rtpParameters.encodings?.length ?? 1) - 1;
  return consumers.filter((c) => c.currentLayers?.spatialLayer === top).length;
};
const openSink = async (receivers: LoadProcess) => Number((await receivers.ask({ command: 'sink' }, 'sink')).port);
const sinkCount = async (receivers: LoadProcess, port: number) => {
  const { packets: n, bySsrc } = await receivers.ask({ command: 'sinkCount', port }, 'sinkCount');
  return { packets: Number(n), bySsrc: new Map(bySsrc as [number, number][]) };
};

/** WebRTC consumers: light receivers (ICE, DTLS, counting SRTP) in the receivers process. */
export function webrtcPhase(engine: EngineSide, receivers: LoadProcess, producerId: string): Phase {
  const count = async () => receivers.ask({ command: 'count' }, 'count');
  return {
    kind: 'webrtc',
    async grow(n) {
      const have = engine.webrtcConsumers.length;
      if (n > have) await receivers.ask({ command: 'add', count: n - have, producerId }, 'added', 90_000);
      // New consumers join on a keyframe of the top layer; until then they forward nothing.
      const deadline = performance.now() + 20_000;
      const settled = async () => Number((await count()).receiving) >= n && onTop(engine, engine.webrtcConsumers) >= n;
      while (!(await settled()) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    },
    async counters() {
      const { packets: received, receiving } = await count();
      return { forwarded: await packets(engine.webrtcConsumers), received: Number(received), receiving: Number(receiving), onTopLayer: onTop(engine, engine.webrtcConsumers) };
    },
    perConsumerPps: (layers) => layers.at(-1) ?? 0,
    async clear() {
      await receivers.ask({ command: 'clear' }, 'cleared');
      engine.webrtcConsumers.length = 0;
      for (const t of engine.receiverTransports.splice(0)) {
        engine.transports.delete(t.id);
        t.close();
      }
    },
  };
}

/** Plain-RTP consumers, each on its own plain transport, all sent to one counting sink. */
export async function plainPhase(engine: EngineSide, receivers: LoadProcess, producerId: string): Promise<Phase> {
  const port = await openSink(receivers);
  const transports: PlainTransport[] = [];
  const consumers: Consumer[] = [];
  return {
    kind: 'plain',
    async grow(n) {
      while (consumers.length < n) {
        const t = await engine.router.createPlainTransport({ listenIp: '127.0.0.1' });
        transports.push(t);
        await t.connect({ ip: '127.0.0.1', port });
        const c = await t.consume({ producerId, rtpCapabilities: engine.router.rtpCapabilities, paused: true });
        await c.resume();
        consumers.push(c);
      }
      const deadline = performance.now() + 10_000;
      while (onTop(engine, consumers) < n && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    },
    async counters() {
      return { forwarded: await packets(consumers), received: (await sinkCount(receivers, port)).packets, onTopLayer: onTop(engine, consumers) };
    },
    perConsumerPps: (layers) => layers.at(-1) ?? 0,
    async clear() {
      for (const t of transports.splice(0)) t.close();
      consumers.length = 0;
    },
  };
}

/** Pipe consumers: every simulcast layer each, on its own pipe transport, to one counting sink. */
export async function pipePhase(engine: EngineSide, receivers: LoadProcess, producerId: string): Promise<Phase> {
  const port = await openSink(receivers);
  const transports: PipeTransport[] = [];
  const consumers: Consumer[] = [];
  const byLayer = (perStream: number[][]) => perStream.reduce((acc, xs) => acc.map((a, i) => a + (xs[i] ?? 0)), perStream[0]?.map(() => 0) ?? []);
  return {
    kind: 'pipe',
    async grow(n) {
      while (consumers.length < n) {
        const t = await engine.router.createPipeTransport({ listenIp: '127.0.0.1' });
        transports.push(t);
        await t.connect({ ip: '127.0.0.1', port });
        consumers.push(await t.consume({ producerId, rtpCapabilities: {} }));
      }
    },
    async counters() {
      const sent: number[][] = [];
      for (const c of consumers) sent.push((await c.getStats()).map((s) => s.packetCount));
      const sink = await sinkCount(receivers, port);
      const got = consumers.map((c) => (c.rtpParameters.encodings ?? []).map((e) => sink.bySsrc.get(e.ssrc!) ?? 0));
      const forwardedByLayer = byLayer(sent);
      return { forwarded: sum(forwardedByLayer), forwardedByLayer, received: sink.packets, receivedByLayer: byLayer(got) };
    },
    perConsumerPps: (layers) => sum(layers),
    async clear() {
      for (const t of transports.splice(0)) t.close();
      consumers.length = 0;
    },
  };
}

/**
 * The raw baseline: the relay process fed by one SRTP (AEAD_AES_128_GCM) plain consumer of the
 * top layer, forwarding to N receivers of its own, into a counting sink.
 */
export async function baselinePhase(engine: EngineSide, receivers: LoadProcess, relay: LoadProcess, producerId: string): Promise<Phase> {
  const sinkPort = await openSink(receivers);
  const feed = await engine.router.createPlainTransport({ listenIp: '127.0.0.1', enableSrtp: true, srtpCryptoSuite: 'AEAD_AES_128_GCM' });
  const opened = await relay.ask({ command: 'open', keyBase64: feed.srtpParameters!.keyBase64, sinkPort }, 'opened');
  await feed.connect({ ip: '127.0.0.1', port: Number(opened.port), srtpParameters: { cryptoSuite: 'AEAD_AES_128_GCM', keyBase64: String(opened.keyBase64) } });
  const c = await feed.consume({ producerId, rtpCapabilities: engine.router.rtpCapabilities, paused: true });
  await c.resume();
  const relayCount = async () => relay.ask({ command: 'count' }, 'count');
  const deadline = performance.now() + 10_000;
  while (Number((await relayCount()).received) === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return {
    kind: 'baseline',
    async grow(n) {
      await relay.ask({ command: 'receivers', count: n }, 'receivers');
    },
    async counters() {
      const { received: input, forwarded } = await relayCount();
      return { forwarded: Number(forwarded), input: Number(input), received: (await sinkCount(receivers, sinkPort)).packets };
    },
    perConsumerPps: (_layers, inputPps) => inputPps,
    async clear() {
      await relay.ask({ command: 'receivers', count: 0 }, 'receivers');
      feed.close();
    },
  };
}
