// npm run bench:media — one publisher (3-layer simulcast VP8, top layer ~1.5 Mbps) and N
// consumers on ONE engine worker, loopback only, bounded in time. Prints packets/s forwarded,
// CPU per consumer, the consumer count at which one core saturates, and consume-to-first-decoded-
// frame time; the last line is one JSON object.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { engineAvailability } from '../src/engine/load.ts';
import type { Consumer, Engine, EngineWorker, Router, WebRtcTransport } from '../src/engine/types.ts';
import { ConsumerBot, PublisherBot, mediaCodecs } from '../test/support/bots.ts';
import { waitFor } from '../test/support/wait.ts';
import type { BenchEnvelope } from './rpc.ts';

const TOTAL_BUDGET_MS = 150_000;
const FIRST_FRAME_RUNS = 7;
const STEPS = [0, 25, 50, 100, 150, 200, 300, 400];
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
  cpu: number;
  forwardedPps: number;
  receivedPps: number;
}

/** The engine in this process, publisher and receivers in a child process. */
async function load(engine: Engine) {
  const w = await worker(engine);
  const router: Router = await w.createRouter({ mediaCodecs });
  const transports = new Map<string, WebRtcTransport>();
  const consumers: Consumer[] = [];
  const child = fork(fileURLToPath(new URL('./load-client.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const events: { event: string; [k: string]: unknown }[] = [];
  let wake: (() => void) | undefined;
  child.on('message', async (m: BenchEnvelope | { event: string }) => {
    if ('event' in m) {
      events.push(m);
      wake?.();
      return;
    }
    if (!('request' in m)) return;
    const r = m.request;
    try {
      let result: unknown;
      switch (r.method) {
        case 'routerCapabilities':
          result = router.rtpCapabilities;
          break;
        case 'createTransport': {
          const t = await router.createWebRtcTransport();
          transports.set(t.id, t);
          result = { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
          break;
        }
        case 'connect':
          await transports.get(r.transportId)!.connect({ dtlsParameters: r.dtlsParameters as never });
          break;
        case 'produce':
          result = (await transports.get(r.transportId)!.produce({ kind: r.kind, rtpParameters: r.rtpParameters as never })).id;
          break;
        case 'consume': {
          const c = await transports.get(r.transportId)!.consume({ producerId: r.producerId, rtpCapabilities: r.rtpCapabilities as never, paused: true });
          await c.resume();
          consumers.push(c);
          break;
        }
      }
      child.send({ id: m.id, result });
    } catch (error) {
      child.send({ id: m.id, error: String(error) });
    }
  });
  const next = async (name: string, timeoutMs = 60_000) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = events.findIndex((e) => e.event === name);
      if (i >= 0) return events.splice(i, 1)[0]!;
      if (performance.now() > deadline) throw new Error(`bench: no "${name}" from the load process`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  };
  const steps: Step[] = [];
  try {
    await next('ready', 30_000);
    const producer = () => router;
    void producer;
    // Let the publisher's bandwidth estimate bring up the top layer.
    await waitFor('the top layer from the publisher', async () => {
      child.send({ command: 'publisher' });
      const p = await next('publisher');
      const layers = p.layers as { rid?: string; width?: number; bytesSent: number }[];
      return layers.length === 3 && layers.every((l) => l.width);
    }, { timeoutMs: 20_000, intervalMs: 500 });
    const pktCount = () => consumers.reduce(async (acc, c) => (await acc) + ((await c.getStats())[0]?.packetCount ?? 0), Promise.resolve(0));
    for (const n of STEPS) {
      if (performance.now() - started > TOTAL_BUDGET_MS - 20_000) break;
      if (n > consumers.length) {
        child.send({ command: 'add', count: n - consumers.length });
        await next('added', 90_000);
      }
      await waitFor('receivers to settle', async () => {
        child.send({ command: 'count' });
        return (await next('count')).receiving === n;
      }, { timeoutMs: 10_000, intervalMs: 200 });
      child.send({ command: 'count' });
      const r0 = (await next('count')).packets as number;
      const [c0, p0, t0] = [await cpuMs(w), await pktCount(), performance.now()];
      await new Promise((r) => setTimeout(r, WINDOW_MS)); // a measurement window, not a wait for a condition
      const [c1, p1, t1] = [await cpuMs(w), await pktCount(), performance.now()];
      child.send({ command: 'count' });
      const r1 = (await next('count')).packets as number;
      const seconds = (t1 - t0) / 1000;
      const step = { consumers: n, receiving: n, cpu: (c1 - c0) / (t1 - t0), forwardedPps: (p1 - p0) / seconds, receivedPps: (r1 - r0) / seconds };
      steps.push(step);
      say(`  ${String(n).padStart(4)} consumers: engine CPU ${(step.cpu * 100).toFixed(1).padStart(5)}% of a core, forwarded ${Math.round(step.forwardedPps)} pkt/s, received ${Math.round(step.receivedPps)} pkt/s`);
      if (step.cpu > 0.95) break;
    }
  } finally {
    child.send({ command: 'stop' });
    await new Promise((r) => child.once('exit', r));
    w.close();
  }
  return steps;
}

function summarize(steps: Step[]) {
  const base = steps.find((s) => s.consumers === 0)?.cpu ?? 0;
  const loaded = steps.filter((s) => s.consumers > 0);
  const last = loaded[loaded.length - 1];
  if (!last) return { cpuPerConsumer: NaN, consumersPerCore: 0, saturatedAt: undefined as number | undefined, pps: 0 };
  const cpuPerConsumer = (last.cpu - base) / last.consumers;
  const saturated = loaded.find((s) => s.cpu > 0.95);
  return {
    cpuPerConsumer,
    consumersPerCore: saturated ? saturated.consumers : Math.floor((1 - base) / cpuPerConsumer),
    saturatedAt: saturated?.consumers,
    pps: last.forwardedPps,
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
  say(`  CPU per consumer: ${(s.cpuPerConsumer * 100).toFixed(3)}% of a core; one core saturates at ${s.saturatedAt ? `${s.saturatedAt} consumers (measured)` : `~${s.consumersPerCore} consumers (extrapolated from ${steps[steps.length - 1]?.consumers})`}`);
  results.push({
    engine: name,
    consumers_per_core: s.consumersPerCore,
    consumers_per_core_measured: s.saturatedAt !== undefined,
    first_frame_ms: Math.round(ff.fromResume),
    consume_to_first_frame_ms: Math.round(ff.fromConsume),
    cpu_per_consumer_pct: Number((s.cpuPerConsumer * 100).toFixed(3)),
    forwarded_pps: Math.round(s.pps),
    max_consumers_tested: steps[steps.length - 1]?.consumers ?? 0,
    elapsed_s: Math.round((performance.now() - started) / 1000),
  });
}
const [primary, ...others] = results;
say(JSON.stringify({ ...primary, others }));
process.exit(0);
