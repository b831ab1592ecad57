// npm run bench:media — one publisher (3-layer simulcast VP8, top layer ~1.5 Mbps) and N
// consumers on ONE engine worker, loopback only, bounded in time. In one run, side by side: CPU per
// forwarded packet for WebRTC, plain-RTP and pipe consumers, and for a raw Node SRTP relay (the
// baseline, bench/relay.ts); each process's own CPU per step, and when a step stops forwarding
// everything, which process (or the machine) ran out; consumers per core from the engine's own
// CPU; the targets as pass/fail; consume-to-first-decoded-frame time. The last line is
// one JSON object.
import os from 'node:os';
import { engineAvailability } from '../src/engine/load.ts';
import type { Engine, EngineWorker } from '../src/engine/types.ts';
import { ConsumerBot, type OutboundLayer, PublisherBot, mediaCodecs } from '../test/support/bots.ts';
import { waitFor } from '../../schema/test/support/wait.ts';
import { type Counters, EngineSide, type Phase, baselinePhase, pipePhase, plainPhase, webrtcPhase } from './kinds.ts';
import { type LoadProcess, spawnLoad } from './load-process.ts';
import { type MachineSample, machineWindow, sampleMachine } from './machine.ts';
import { type Cost, type Kind, type Step, cost, forwarderOf, judge, pct } from './verdict.ts';

const TOTAL_BUDGET_MS = 240_000;
const FIRST_FRAME_RUNS = Number(process.argv[2] ?? 7);
const stepsFrom = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map(Number);
/** Each phase stops at its first step that does not keep up, at its time cap, or at the budget. */
const PHASES: { kind: Kind; label: string; steps: number[]; capMs: number }[] = [
  { kind: 'webrtc', label: 'WebRTC consumers (SRTP to light receivers)', steps: stepsFrom('BENCH_STEPS', '0,25,50,100,150,200,250,300,350,400,500'), capMs: 100_000 },
  { kind: 'plain', label: 'plain-RTP consumers (to a counting sink)', steps: stepsFrom('BENCH_STEPS_PLAIN', '0,50,100,200,300,400,500'), capMs: 30_000 },
  { kind: 'pipe', label: 'pipe consumers (every layer, to a counting sink)', steps: stepsFrom('BENCH_STEPS_PIPE', '0,25,50,100,150,200,250'), capMs: 30_000 },
  { kind: 'baseline', label: 'raw baseline: Node SRTP relay, decrypt once, GCM-encrypt per receiver', steps: stepsFrom('BENCH_STEPS_BASELINE', '0,50,100,200,300,400,500'), capMs: 30_000 },
];
/** Time a later phase needs at least; an earlier one leaves it. */
const PHASE_MIN_MS = 15_000;
const WINDOW_MS = 3000;
const started = performance.now();
const say = (line: string) => console.log(line);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const worker = (engine: Engine) => engine.createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
const cpuMs = async (w: EngineWorker) => {
  const u = await w.getResourceUsage();
  return u.ru_utime + u.ru_stime;
};
/** The embedded engine counts packets it dropped because its fan-out backlog was full. */
const overloadDropped = (w: EngineWorker) => (w as { datagramStats?: { overloadDropped: number } }).datagramStats?.overloadDropped ?? 0;

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

interface Snapshot {
  t: number;
  cpu: { engine: number; publisher: number; receivers: number; relay: number };
  counters: Counters;
  layers: number[];
  machine: MachineSample;
  dropped: number;
}

/** The engine alone in this process; the publisher, the receivers (and sinks) and the relay each in their own. */
async function load(engine: Engine) {
  const w = await worker(engine);
  const side = new EngineSide(await w.createRouter({ mediaCodecs }));
  const publisher = spawnLoad('./publisher.ts', side.serve);
  const receivers = spawnLoad('./receivers.ts', side.serve);
  const relay = spawnLoad('./relay.ts');
  const steps: Step[] = [];
  const snapshot = async (phase: Phase): Promise<Snapshot> => ({
    t: performance.now(),
    cpu: { engine: await cpuMs(w), publisher: await publisher.cpuMs(), receivers: await receivers.cpuMs(), relay: await relay.cpuMs() },
    counters: await phase.counters(),
    layers: await side.layerPackets(),
    machine: sampleMachine(),
    dropped: overloadDropped(w),
  });
  try {
    const producerId = String((await publisher.next('ready', 30_000)).producerId);
    await receivers.next('ready', 30_000);
    await relay.next('ready', 30_000);
    // Let the publisher's bandwidth estimate bring up the top layer.
    await waitFor('the top layer from the publisher', async () => {
      const { layers } = await publisher.ask({ command: 'layers' }, 'layers');
      return (layers as { width?: number }[]).filter((l) => l.width).length === 3;
    }, { timeoutMs: 20_000, intervalMs: 500 });
    const makePhase = (kind: Kind): Promise<Phase> | Phase => {
      switch (kind) {
        case 'webrtc':
          return webrtcPhase(side, receivers, producerId);
        case 'plain':
          return plainPhase(side, receivers, producerId);
        case 'pipe':
          return pipePhase(side, receivers, producerId);
        case 'baseline':
          return baselinePhase(side, receivers, relay, producerId);
      }
    };
    for (const [i, spec] of PHASES.entries()) {
      const deadline = Math.min(performance.now() + spec.capMs, started + TOTAL_BUDGET_MS - (PHASES.length - 1 - i) * PHASE_MIN_MS);
      say(`  ${spec.label} (at ${Math.round((performance.now() - started) / 1000)} s)`);
      const phase = await makePhase(spec.kind);
      try {
        for (const n of spec.steps) {
          if (performance.now() + WINDOW_MS + 2000 > deadline) {
            say(`    (time cap: stopped before the ${n}-consumer step)`);
            break;
          }
          await phase.grow(n);
          const a = await snapshot(phase);
          await new Promise((r) => setTimeout(r, WINDOW_MS)); // a measurement window, not a wait for a condition
          const b = await snapshot(phase);
          const step = measured(spec.kind, n, a, b, phase, steps);
          steps.push(step);
          await printStep(step, publisher);
          if (!step.verdict.keptUp) break;
        }
      } finally {
        await phase.clear();
      }
    }
  } finally {
    await relay.stop();
    await receivers.stop();
    await publisher.stop();
    w.close();
  }
  return steps;
}

function measured(kind: Kind, n: number, a: Snapshot, b: Snapshot, phase: Phase, earlier: Step[]): Step {
  const ms = b.t - a.t;
  const seconds = ms / 1000;
  const rate = (x: number | undefined, y: number | undefined) => ((x ?? 0) - (y ?? 0)) / seconds;
  const layerInPps = b.layers.map((x, i) => rate(x, a.layers[i]));
  const perLayer = (x: number[] | undefined, y: number[] | undefined) => x?.map((v, i) => rate(v, y?.[i]));
  const step: Omit<Step, 'verdict'> = {
    kind,
    consumers: n,
    receiving: b.counters.receiving ?? n,
    ...(b.counters.onTopLayer !== undefined ? { onTopLayer: b.counters.onTopLayer } : {}),
    cpu: {
      engine: (b.cpu.engine - a.cpu.engine) / ms,
      publisher: (b.cpu.publisher - a.cpu.publisher) / ms,
      receivers: (b.cpu.receivers - a.cpu.receivers) / ms,
      relay: (b.cpu.relay - a.cpu.relay) / ms,
    },
    machine: machineWindow(a.machine, b.machine),
    layerInPps,
    perConsumerPps: phase.perConsumerPps(layerInPps, rate(b.counters.input, a.counters.input)),
    forwardedPps: rate(b.counters.forwarded, a.counters.forwarded),
    ...(b.counters.forwardedByLayer ? { forwardedByLayerPps: perLayer(b.counters.forwardedByLayer, a.counters.forwardedByLayer)! } : {}),
    ...(b.counters.receivedByLayer ? { receivedByLayerPps: perLayer(b.counters.receivedByLayer, a.counters.receivedByLayer)! } : {}),
    receivedPps: rate(b.counters.received, a.counters.received),
    overloadDropped: b.dropped - a.dropped,
  };
  // The top layer's usual rate, from every step so far: a step far below it lost its publisher.
  const nominalTop = median([...earlier, step].map((s) => s.layerInPps.at(-1) ?? 0));
  return { ...step, verdict: judge(step, nominalTop) };
}

async function printStep(s: Step, publisher: LoadProcess) {
  const { layers, bwe } = await publisher.ask({ command: 'layers' }, 'layers');
  const top = (layers as OutboundLayer[]).find((l) => l.rid === 'r2');
  const expected = s.consumers * s.perConsumerPps;
  const r = Math.round;
  const byLayer = (xs: number[] | undefined) => (xs?.length ? ` [per layer ${xs.map(r).join('/')}]` : '');
  say(
    `    ${String(s.consumers).padStart(4)} ${s.kind} consumers` +
      (s.kind === 'webrtc' ? ` (${s.receiving} receiving)` : '') +
      (s.onTopLayer !== undefined ? ` (${s.onTopLayer} on the top layer)` : '') +
      `: in ${s.layerInPps.map(r).join('/')} pkt/s per layer (publisher bwe ${r(Number(bwe) / 1000)} kbps, top ${top?.width}px ${top?.fps}fps); ` +
      `${forwarderOf(s.kind)} forwarded ${r(s.forwardedPps)} pkt/s (${expected ? r((s.forwardedPps / expected) * 100) : 100}% of ${r(s.perConsumerPps)} x consumers)${byLayer(s.forwardedByLayerPps)}, ` +
      `received ${r(s.receivedPps)} pkt/s${byLayer(s.receivedByLayerPps)}`,
  );
  const sum = s.cpu.engine + s.cpu.publisher + s.cpu.receivers + s.cpu.relay;
  say(
    `         CPU (share of one core): engine ${pct(s.cpu.engine)}, publisher ${pct(s.cpu.publisher)}, receivers ${pct(s.cpu.receivers)}, relay ${pct(s.cpu.relay)}; ` +
      `sum ${pct(sum)}; machine ${(s.machine.busyCores + s.machine.stealCores).toFixed(2)}/${s.machine.cores} cores busy (steal ${s.machine.stealCores.toFixed(2)}), load ${s.machine.load1.toFixed(2)}` +
      (s.overloadDropped ? `; engine overload drops ${s.overloadDropped}` : ''),
  );
  if (!s.verdict.keptUp) say(`         NOT KEEPING UP, saturated by ${s.verdict.saturatedBy}: ${s.verdict.why}`);
}

/** The targets, printed as pass/fail; the bench never fails on them. */
function summarize(steps: Step[]) {
  const of = (kind: Kind) => steps.filter((s) => s.kind === kind);
  const costs = Object.fromEntries((['webrtc', 'plain', 'pipe', 'baseline'] as const).map((k) => [k, cost(of(k))])) as Record<Kind, Cost>;
  const ratio = (k: Kind) => costs[k].us / costs.baseline.us;
  const webrtc = of('webrtc');
  const loaded = webrtc.filter((s) => s.consumers > 0);
  const topPps = median(loaded.map((s) => s.layerInPps.at(-1) ?? 0));
  const cpuPerConsumer = (costs.webrtc.us / 1e6) * topPps;
  const extrapolated = Math.floor((1 - costs.webrtc.base) / cpuPerConsumer);
  const firstMiss = (kind: Kind) => of(kind).find((s) => !s.verdict.keptUp);
  // Only a step where the engine itself ran out of CPU caps the extrapolation. A step it fell behind
  // at without a full core is reported beside it: it can be the engine's event loop, or the
  // publisher's top layer moving during the window (a live WebRTC publisher is not a metronome).
  const engineSaturatedAt = webrtc.find((s) => s.verdict.saturatedBy === 'engine' && s.verdict.cpuBound)?.consumers;
  const engineBehindAt = webrtc.find((s) => s.verdict.saturatedBy === 'engine')?.consumers;
  return {
    costs,
    ratio,
    topPps,
    cpuPerConsumer,
    extrapolated: Number.isFinite(extrapolated) ? extrapolated : 0,
    consumersPerCore: Math.min(engineSaturatedAt ?? Number.POSITIVE_INFINITY, Number.isFinite(extrapolated) ? extrapolated : 0),
    engineSaturatedAt,
    engineBehindAt,
    firstMiss,
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
  say(`${name}: load on one worker (${os.availableParallelism()} cores, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);
  const steps = await load(engine);
  const s = summarize(steps);
  const us = (k: Kind) => `${s.costs[k].us.toFixed(2)} µs (idle ${pct(s.costs[k].base)}, from the ${s.costs[k].from.join('/') || 'no'}-consumer steps)`;
  say(`${name}: CPU per forwarded packet, each in its own process's CPU, same run`);
  say(`  WebRTC consumers: ${us('webrtc')}`);
  say(`  plain consumers:  ${us('plain')}`);
  say(`  pipe consumers:   ${us('pipe')}`);
  say(`  raw baseline:     ${us('baseline')}`);
  say(`  engine / baseline: WebRTC ${s.ratio('webrtc').toFixed(2)}x, plain ${s.ratio('plain').toFixed(2)}x, pipe ${s.ratio('pipe').toFixed(2)}x`);
  say(
    `  CPU per top-layer WebRTC consumer (${Math.round(s.topPps)} pkt/s): ${(s.cpuPerConsumer * 100).toFixed(3)}% of a core; one core pays for ~${s.extrapolated} consumers` +
      (s.engineSaturatedAt ? `; the engine ran out of CPU at the ${s.engineSaturatedAt}-consumer step (caps it)` : '; no step ran the engine out of CPU'),
  );
  for (const k of ['webrtc', 'plain', 'pipe', 'baseline'] as const) {
    const miss = s.firstMiss(k);
    say(`  ${k}: ` + (miss ? `stopped keeping up at ${miss.consumers} consumers, saturated by ${miss.verdict.saturatedBy} (${miss.verdict.why})` : 'kept up at every step measured'));
  }
  // A comparison with a side not measured (NaN: no step kept up) is neither a pass nor a fail.
  const target = (ok: boolean, what: string, ...inputs: number[]) =>
    say(`  target ${inputs.some(Number.isNaN) ? 'NOT MEASURED' : ok ? 'PASS' : 'FAIL'}: ${what}`);
  target(s.costs.plain.us <= s.costs.webrtc.us, `plain consumers cost no more per packet than WebRTC consumers (${s.costs.plain.us.toFixed(2)} vs ${s.costs.webrtc.us.toFixed(2)} µs)`, s.costs.plain.us, s.costs.webrtc.us);
  target(s.costs.pipe.us <= s.costs.webrtc.us, `pipe consumers cost no more per packet than WebRTC consumers (${s.costs.pipe.us.toFixed(2)} vs ${s.costs.webrtc.us.toFixed(2)} µs)`, s.costs.pipe.us, s.costs.webrtc.us);
  for (const k of ['webrtc', 'plain', 'pipe'] as const) target(s.ratio(k) <= 2, `${k} consumers within 2x of the raw baseline (${s.ratio(k).toFixed(2)}x)`, s.ratio(k));
  target(s.consumersPerCore >= 200, `consumers_per_core >= 200 for WebRTC consumers (${s.consumersPerCore})`, s.costs.webrtc.us);
  const fixed = (x: number, d = 2) => (Number.isFinite(x) ? Number(x.toFixed(d)) : null);
  results.push({
    engine: name,
    consumers_per_core: s.consumersPerCore,
    consumers_per_core_extrapolated: s.extrapolated,
    webrtc_engine_behind_at: s.engineBehindAt ?? null,
    saturated_by: s.firstMiss('webrtc')?.verdict.saturatedBy ?? null,
    saturated_at_step: s.firstMiss('webrtc')?.consumers ?? null,
    saturated_by_kind: Object.fromEntries((['webrtc', 'plain', 'pipe', 'baseline'] as const).map((k) => [k, s.firstMiss(k)?.verdict.saturatedBy ?? null])),
    cpu_us_per_packet_webrtc: fixed(s.costs.webrtc.us),
    cpu_us_per_packet_plain: fixed(s.costs.plain.us),
    cpu_us_per_packet_pipe: fixed(s.costs.pipe.us),
    cpu_us_per_packet_baseline: fixed(s.costs.baseline.us),
    ratio_webrtc_vs_baseline: fixed(s.ratio('webrtc')),
    ratio_plain_vs_baseline: fixed(s.ratio('plain')),
    ratio_pipe_vs_baseline: fixed(s.ratio('pipe')),
    first_frame_ms: Math.round(ff.fromResume),
    consume_to_first_frame_ms: Math.round(ff.fromConsume),
    cpu_per_consumer_pct: fixed(s.cpuPerConsumer * 100, 3),
    top_layer_pps: Math.round(s.topPps),
    max_forwarded_pps: Math.round(Math.max(0, ...steps.filter((x) => x.kind === 'webrtc' && x.verdict.keptUp).map((x) => x.forwardedPps))),
    max_consumers_tested: Object.fromEntries((['webrtc', 'plain', 'pipe', 'baseline'] as const).map((k) => [k, steps.filter((x) => x.kind === k).at(-1)?.consumers ?? 0])),
    elapsed_s: Math.round((performance.now() - started) / 1000),
  });
}
const [primary, ...others] = results;
say(JSON.stringify({ ...primary, others }));
process.exit(0);
