// npm run bench:media — one publisher (3-layer simulcast VP8, top layer ~1.5 Mbps) and N
// consumers on ONE engine worker, loopback only, bounded in time. Prints packets/s forwarded,
// CPU per consumer, the consumer count at which one core saturates, and consume-to-first-decoded-
// frame time; the last line is one JSON object.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { engineAvailability } from '../src/engine/load.ts';
import type { Consumer, Engine, EngineWorker, Producer, Router, WebRtcTransport } from '../src/engine/types.ts';
import { ConsumerBot, type OutboundLayer, PublisherBot, mediaCodecs } from '../test/support/bots.ts';
import { waitFor } from '../../schema/test/support/wait.ts';
import type { BenchEnvelope, BenchRequest } from './rpc.ts';

const TOTAL_BUDGET_MS = 150_000;
const FIRST_FRAME_RUNS = Number(process.argv[2] ?? 7);
const STEPS = (process.env.BENCH_STEPS ?? "0,25,50,100,150,200,250,300,350,400,500").split(",").map(Number);
const WINDOW_MS = 3000;
const started = performance.now();
const say = (line: string) => console.log(line);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const worker = (engine: Engine) => engine.createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
const cpuMs = async (w: EngineWorker) => {
  const u = await w.getResourceUsage();
  return u.ru_utime + u.ru_stime;
};

/** Consume (paused) -> client ready -> resume -> first decoded frame, in-process real bots. */
async function firstFrame(engine: Engine) {
  const w = await worker(engine);
  const router = await w.createRouter({ mediaCodecs });
  const publisher = await PublisherBot.start(router, { width: 960, height: 540, fps: 30, layers: [150_000, 500_000, 1_500_000], audio: false });
  try {
    await waitFor('three layers', async () => (await publisher.videoProducer.getStats()).filter((s) => s.packetCount > 10).length === 3, { timeoutMs: 20_000 });
    const fromConsume: number[] = [];
    const fromResume: number[] = [];
    for (let i = 0; i < FIRST_FRAME_RUNS; i++) {
      const bot = await ConsumerBot.start(router);
      const t0 = performance.now();
      const { server } = await bot.consume(publisher.videoProducer, { resume: false });
      const t1 = performance.now();
      await server.resume();
      await waitFor('first frame', async () => ((await bot.inboundVideo())?.framesDecoded ?? 0) > 0, { timeoutMs: 5000, intervalMs: 5 });
      const t2 = performance.now();
      fromConsume.push(t2 - t0);
      fromResume.push(t2 - t1);
      bot.close();
    }
    return { fromConsume: median(fromConsume), fromResume: median(fromResume), runs: fromResume.map((x) => Math.round(x)) };
  } finally {
    publisher.close();
    w.close();
  }
}

interface Step {
  consumers: number;
  receiving: number;
  onTopLayer: number;
  topLayerPps: number;
  cpu: number;
  forwardedPps: number;
  receivedPps: number;
}

/** A load process speaking the bench signaling, with its events queued for `next()`. */
function spawnLoad(file: string, serve: (m: BenchEnvelope & { request: BenchRequest }) => Promise<unknown>) {
  const child = fork(fileURLToPath(new URL(file, import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const events: { event: string; [k: string]: unknown }[] = [];
  let wake: (() => void) | undefined;
  child.on('message', async (m: BenchEnvelope | { event: string }) => {
    if ('event' in m) {
      events.push(m);
      wake?.();
      return;
    }
    if (!('request' in m)) return;
    try {
      child.send({ id: m.id, result: await serve(m) });
    } catch (error) {
      child.send({ id: m.id, error: String(error) });
    }
  });
  const next = async (name: string, timeoutMs = 60_000) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = events.findIndex((e) => e.event === name);
      if (i >= 0) return events.splice(i, 1)[0]!;
      if (performance.now() > deadline) throw new Error(`bench: no "${name}" from ${file}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  };
  const ask = async (command: Record<string, unknown>, answer: string, timeoutMs?: number) => {
    child.send(command);
    return next(answer, timeoutMs);
  };
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.send({ command: 'stop' });
    await new Promise((r) => child.once('exit', r));
  };
  return { next, ask, stop };
}

/** The engine alone in this process; the publisher and the receivers each in their own. */
async function load(engine: Engine) {
  const w = await worker(engine);
  const router: Router = await w.createRouter({ mediaCodecs });
  const transports = new Map<string, WebRtcTransport>();
  const consumers: Consumer[] = [];
  const producerRef: { current?: Producer } = {};
  const serve = async ({ request: r }: { request: BenchRequest }): Promise<unknown> => {
    switch (r.method) {
      case 'routerCapabilities':
        return router.rtpCapabilities;
      case 'createTransport': {
        const t = await router.createWebRtcTransport();
        transports.set(t.id, t);
        return { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
      }
      case 'connect':
        return transports.get(r.transportId)!.connect({ dtlsParameters: r.dtlsParameters as never });
      case 'produce': {
        const producer = await transports.get(r.transportId)!.produce({ kind: r.kind, rtpParameters: r.rtpParameters as never });
        producerRef.current = producer;
        return producer.id;
      }
      case 'consume': {
        const c = await transports.get(r.transportId)!.consume({ producerId: r.producerId, rtpCapabilities: r.rtpCapabilities as never, paused: true });
        await c.resume();
        consumers.push(c);
        return undefined;
      }
    }
  };
  const publisher = spawnLoad('./publisher.ts', serve);
  const receivers = spawnLoad('./receivers.ts', serve);
  const steps: Step[] = [];
  try {
    const { producerId } = await publisher.next('ready', 30_000);
    await receivers.next('ready', 30_000);
    // Let the publisher's bandwidth estimate bring up the top layer.
    await waitFor('the top layer from the publisher', async () => {
      const { layers } = await publisher.ask({ command: 'layers' }, 'layers');
      return (layers as { width?: number }[]).filter((l) => l.width).length === 3;
    }, { timeoutMs: 20_000, intervalMs: 500 });
    const pktCount = async () => {
      let n = 0;
      for (const c of consumers) n += (await c.getStats())[0]?.packetCount ?? 0;
      return n;
    };
    const topPackets = async () => (await producerRef.current?.getStats())?.find((x) => x.rid === 'r2')?.packetCount ?? 0;
    const onTop = () => consumers.filter((c) => c.currentLayers?.spatialLayer === 2).length;
    for (const n of STEPS) {
      if (performance.now() - started > TOTAL_BUDGET_MS - 20_000) break;
      if (n > consumers.length) await receivers.ask({ command: 'add', count: n - consumers.length, producerId }, 'added', 90_000);
      const receiving = async () => Number((await receivers.ask({ command: 'count' }, 'count')).receiving);
      await waitFor('receivers to settle', async () => (await receiving()) === n, { timeoutMs: 20_000, intervalMs: 200 }).catch(() => undefined);
      const r0 = (await receivers.ask({ command: 'count' }, 'count')).packets as number;
      const top0 = await topPackets();
      const [c0, p0, t0] = [await cpuMs(w), await pktCount(), performance.now()];
      await new Promise((r) => setTimeout(r, WINDOW_MS)); // a measurement window, not a wait for a condition
      const [c1, p1, t1] = [await cpuMs(w), await pktCount(), performance.now()];
      const top1 = await topPackets();
      const r1 = (await receivers.ask({ command: 'count' }, 'count')).packets as number;
      const seconds = (t1 - t0) / 1000;
      const { layers, bwe } = await publisher.ask({ command: 'layers' }, 'layers');
      const top = (layers as OutboundLayer[]).find((l) => l.rid === 'r2');
      const inStats = await producerRef.current?.getStats();
      say(`      publisher: bwe ${Math.round(Number(bwe) / 1000)} kbps, top ${top?.width}px ${top?.fps}fps (${top?.limitation}); engine in: ${inStats?.map((x) => `${x.rid} ${Math.round(x.bitrate / 1000)}kbps`).join(', ')}`);
      const step = {
        consumers: n,
        receiving: await receiving(),
        onTopLayer: onTop(),
        cpu: (c1 - c0) / (t1 - t0),
        forwardedPps: (p1 - p0) / seconds,
        receivedPps: (r1 - r0) / seconds,
        topLayerPps: (top1 - top0) / seconds,
      };
      steps.push(step);
      const expected = n * step.topLayerPps;
      say(
        `  ${String(n).padStart(4)} consumers (${step.receiving} receiving, ${step.onTopLayer} on the top layer, top layer in: ${Math.round(step.topLayerPps)} pkt/s): engine CPU ${(step.cpu * 100).toFixed(1).padStart(5)}% of a core, ` +
          `forwarded ${Math.round(step.forwardedPps)} pkt/s (${expected ? Math.round((step.forwardedPps / expected) * 100) : 100}% of the top layer x consumers), received ${Math.round(step.receivedPps)} pkt/s`,
      );
      if (step.cpu > 0.95 || (n > 0 && step.forwardedPps < 0.9 * expected)) break;
    }
  } finally {
    await receivers.stop();
    await publisher.stop();
    w.close();
  }
  return steps;
}

/**
 * CPU per forwarded packet comes from the busiest step that still forwarded everything (the least
 * noise); a consumer of the top layer costs that times the top layer's packet rate, averaged over
 * the loaded steps. The extrapolated count is what one core (less the idle cost) pays for at that
 * rate; the measured saturation step is reported beside it.
 */
function summarize(steps: Step[]) {
  const base = steps.find((s) => s.consumers === 0)?.cpu ?? 0;
  const loaded = steps.filter((s) => s.consumers > 0);
  const nominalTopPps = loaded.reduce((n, s) => n + s.topLayerPps, 0) / Math.max(1, loaded.length);
  const keptUp = (s: Step) => s.forwardedPps >= 0.9 * s.consumers * s.topLayerPps;
  const busiest = [...loaded].filter(keptUp).sort((a, b) => b.forwardedPps - a.forwardedPps)[0] ?? loaded[loaded.length - 1];
  const saturated = steps.find((s) => s.cpu > 0.95 || (s.consumers > 0 && !keptUp(s)));
  if (!busiest || !busiest.forwardedPps) return { cpuPerPacketUs: NaN, cpuPerConsumer: NaN, consumersPerCore: 0, saturatedAt: saturated?.consumers, busiest, nominalTopPps };
  const cpuPerPacket = (busiest.cpu - base) / busiest.forwardedPps;
  const cpuPerConsumer = cpuPerPacket * nominalTopPps;
  return {
    cpuPerPacketUs: cpuPerPacket * 1e6,
    cpuPerConsumer,
    consumersPerCore: Math.floor((1 - base) / cpuPerConsumer),
    saturatedAt: saturated?.consumers,
    busiest,
    nominalTopPps,
  };
}

const results: Record<string, unknown>[] = [];
for (const { name, engine, reason } of await engineAvailability()) {
  if (!engine) {
    say(`${name}: not measured (${reason})`);
    continue;
  }
  say(`${name}: first frame (${FIRST_FRAME_RUNS} runs, real decoder)`);
  const ff = await firstFrame(engine);
  say(`  consume -> first decoded frame: median ${ff.fromConsume.toFixed(0)} ms; resume -> first decoded frame: median ${ff.fromResume.toFixed(0)} ms (runs: ${ff.runs.join(', ')})`);
  say(`${name}: load on one worker`);
  const steps = await load(engine);
  const s = summarize(steps);
  say(
    `  forwarding cost: ${s.cpuPerPacketUs.toFixed(1)} µs of CPU per packet (busiest step: ${s.busiest?.consumers} consumers, ${Math.round(s.busiest?.forwardedPps ?? 0)} pkt/s at ${((s.busiest?.cpu ?? 0) * 100).toFixed(0)}% of a core)`,
  );
  say(
    `  CPU per top-layer consumer (${Math.round(s.nominalTopPps)} pkt/s): ${(s.cpuPerConsumer * 100).toFixed(2)}% of a core; ` +
      `one core pays for ~${s.consumersPerCore} consumers; ` +
      (s.saturatedAt ? `measured: saturated (CPU > 95% or not keeping up) at the ${s.saturatedAt}-consumer step` : `no step saturated a core`),
  );
  results.push({
    engine: name,
    // Conservative: the lower of the extrapolation and the step that saturated a core.
    consumers_per_core: Math.min(s.saturatedAt ?? Number.POSITIVE_INFINITY, s.consumersPerCore),
    consumers_per_core_extrapolated: s.consumersPerCore,
    saturated_at_step: s.saturatedAt ?? null,
    first_frame_ms: Math.round(ff.fromResume),
    consume_to_first_frame_ms: Math.round(ff.fromConsume),
    cpu_per_consumer_pct: Number((s.cpuPerConsumer * 100).toFixed(3)),
    cpu_per_packet_us: Number(s.cpuPerPacketUs.toFixed(2)),
    top_layer_pps: Math.round(s.nominalTopPps),
    max_forwarded_pps: Math.round(s.busiest?.forwardedPps ?? 0),
    max_consumers_tested: steps[steps.length - 1]?.consumers ?? 0,
    elapsed_s: Math.round((performance.now() - started) / 1000),
  });
}
const [primary, ...others] = results;
say(JSON.stringify({ ...primary, others }));
process.exit(0);
