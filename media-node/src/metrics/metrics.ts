// The media node's Prometheus metrics (prom-client). Labels are bounded by construction: the
// engine worker's index (one per core), media kind, transport type, direction. No room, tenant,
// participant or object id is ever a label. Counters are kept monotonic by sampling every live
// object's cumulative stats and adding what grew since the last sample (objects that closed
// between two samples lose at most SAMPLE_EVERY_MS of their counts).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Consumer, EngineWorker, Producer, RtpStreamStat, Transport } from '../engine/types.ts';
import type { MediaNode } from '../node.ts';
import type { MediaTracker, TransportType } from './tracker.ts';

export const SAMPLE_EVERY_MS = 5_000;
const P = 'roomcast_media_';

/** What the fleet connection tells the metrics (absent on a standalone node). */
export interface FleetFacts {
  rooms: number;
  connected: boolean;
  draining: boolean;
}

type Dir = 'in' | 'out';
type Kind = 'audio' | 'video';

/** RTP clock rates for jitter (reported in RTP timestamp units) by media kind. */
const CLOCK_RATE: Record<Kind, number> = { audio: 48_000, video: 90_000 };

export class NodeMetrics {
  readonly registry = new Registry();
  readonly #node: MediaNode;
  readonly #tracker: MediaTracker;
  readonly #fleet: () => FleetFacts | undefined;
  /** Last cumulative values per object (or worker), so counters grow by the difference only. */
  readonly #last = new WeakMap<object, Record<string, number>>();
  #sampling: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  readonly #g: ReturnType<NodeMetrics['makeGauges']>;
  readonly #c: ReturnType<NodeMetrics['makeCounters']>;
  readonly #h: ReturnType<NodeMetrics['makeHistograms']>;

  constructor(node: MediaNode, tracker: MediaTracker, fleet: () => FleetFacts | undefined = () => undefined) {
    this.#node = node;
    this.#tracker = tracker;
    this.#fleet = fleet;
    collectDefaultMetrics({ register: this.registry, prefix: P });
    // Gauges that prom-client names *_total, which Prometheus reserves for counters (promtool's lint refuses them).
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(`${P}${name}`);
    this.#g = this.makeGauges();
    this.#c = this.makeCounters();
    this.#h = this.makeHistograms();
    new Gauge({ name: `${P}info`, help: 'Constant 1, labelled with the node engine and region', labelNames: ['engine', 'region'], registers: [this.registry] })
      .set({ engine: node.info.engine, region: node.info.region }, 1);
  }

  private makeGauges() {
    const r = [this.registry];
    return {
      workers: new Gauge({ name: `${P}workers`, help: 'Engine workers running', registers: r }),
      rooms: new Gauge({ name: `${P}rooms`, help: 'Rooms this node hosts for the fleet', registers: r }),
      draining: new Gauge({ name: `${P}draining`, help: '1 while the node is draining (takes no new rooms)', registers: r }),
      fleetConnected: new Gauge({ name: `${P}fleet_connected`, help: '1 while the node is registered with FleetDO', registers: r }),
      routers: new Gauge({ name: `${P}routers`, help: 'Routers alive', labelNames: ['worker'], registers: r }),
      transports: new Gauge({ name: `${P}transports`, help: 'Transports alive', labelNames: ['worker', 'type'], registers: r }),
      producers: new Gauge({ name: `${P}producers`, help: 'Producers alive', labelNames: ['worker', 'kind'], registers: r }),
      consumers: new Gauge({ name: `${P}consumers`, help: 'Consumers alive', labelNames: ['worker', 'kind'], registers: r }),
      bitrate: new Gauge({ name: `${P}transport_bitrate_bps`, help: 'Transport bitrate at the last sample (bits per second)', labelNames: ['worker', 'direction'], registers: r }),
      workerLag: new Gauge({
        name: `${P}worker_request_latency_seconds`,
        help: 'Round trip of a request through the engine worker at the last sample (its event-loop lag and queue)',
        labelNames: ['worker'],
        registers: r,
      }),
      jobs: new Gauge({
        name: `${P}plain_jobs`,
        help: 'Plain RTP transports alive: recording, ingest and egress jobs (recorders, ffmpeg, RTMP bridges)',
        labelNames: ['worker'],
        registers: r,
      }),
    };
  }

  private makeCounters() {
    const r = [this.registry];
    const rtp = ['worker', 'direction', 'kind'];
    return {
      packets: new Counter({ name: `${P}rtp_packets_total`, help: 'RTP packets received from producers (in) and sent to consumers (out)', labelNames: rtp, registers: r }),
      bytes: new Counter({ name: `${P}rtp_bytes_total`, help: 'RTP bytes received from producers (in) and sent to consumers (out)', labelNames: rtp, registers: r }),
      lost: new Counter({ name: `${P}rtp_packets_lost_total`, help: 'RTP packets lost: on the way in (in) and as receivers report (out)', labelNames: rtp, registers: r }),
      retransmitted: new Counter({ name: `${P}rtp_packets_retransmitted_total`, help: 'RTP packets resent after a NACK', labelNames: rtp, registers: r }),
      nacks: new Counter({ name: `${P}nacks_total`, help: 'NACKs sent to publishers (in) and received from viewers (out)', labelNames: rtp, registers: r }),
      plis: new Counter({ name: `${P}plis_total`, help: 'PLIs sent to publishers (in) and received from viewers (out)', labelNames: rtp, registers: r }),
      firs: new Counter({ name: `${P}firs_total`, help: 'FIRs sent to publishers (in) and received from viewers (out)', labelNames: rtp, registers: r }),
      transportBytes: new Counter({ name: `${P}transport_bytes_total`, help: 'Bytes through transports, all protocols', labelNames: ['worker', 'direction'], registers: r }),
      cpu: new Counter({
        name: `${P}worker_cpu_seconds_total`,
        help: 'CPU time of the engine worker (embedded engine: the node process, worker="process")',
        labelNames: ['worker'],
        registers: r,
      }),
    };
  }

  private makeHistograms() {
    const r = [this.registry];
    return {
      rtt: new Histogram({ name: `${P}rtt_seconds`, help: 'Round-trip time to viewers, one observation per consumer per sample', labelNames: ['worker', 'kind'], buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6], registers: r }),
      jitter: new Histogram({ name: `${P}jitter_seconds`, help: 'Interarrival jitter from publishers, one observation per producer stream per sample', labelNames: ['worker', 'kind'], buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2], registers: r }),
      loss: new Histogram({ name: `${P}fraction_lost`, help: 'Fraction of packets lost (0..1) per stream per sample: in from publishers, out as viewers report', labelNames: ['worker', 'direction', 'kind'], buckets: [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1], registers: r }),
      score: new Histogram({ name: `${P}consumer_score`, help: 'Consumer score (0..10, 10 is perfect), one observation per consumer per sample', labelNames: ['worker', 'kind'], buckets: [0, 2, 4, 6, 8, 9, 10], registers: r }),
    };
  }

  /** Samples every SAMPLE_EVERY_MS in the background (timer unref'd). */
  start(): this {
    this.#timer ??= setInterval(() => void this.sample().catch(() => {}), SAMPLE_EVERY_MS).unref();
    return this;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The exposition text, sampled now. */
  async text(): Promise<string> {
    await this.sample();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Reads every live object's stats once; concurrent calls share one pass. */
  sample(): Promise<void> {
    this.#sampling ??= this.#sample().finally(() => {
      this.#sampling = undefined;
    });
    return this.#sampling;
  }

  async #sample(): Promise<void> {
    const { g } = { g: this.#g };
    const fleet = this.#fleet();
    const workers = this.#node.workers;
    g.workers.set(workers.filter((w) => !w.closed).length);
    g.rooms.set(fleet?.rooms ?? 0);
    g.draining.set(fleet?.draining ? 1 : 0);
    g.fleetConnected.set(fleet?.connected ? 1 : 0);
    const embedded = this.#node.engine.name === 'embedded';
    await Promise.all(workers.map((w, i) => this.#sampleWorker(w, String(i), embedded)));
  }

  async #sampleWorker(worker: EngineWorker, label: string, embedded: boolean): Promise<void> {
    const { routers, transports, producers, consumers } = this.#tracker.objects(worker);
    const g = this.#g;
    g.routers.set({ worker: label }, routers.size);
    const byType: Record<TransportType, number> = { webrtc: 0, pipe: 0, plain: 0 };
    for (const type of transports.values()) byType[type]++;
    for (const [type, n] of Object.entries(byType)) g.transports.set({ worker: label, type }, n);
    g.jobs.set({ worker: label }, byType.plain);
    const kinds = (set: Set<Producer> | Set<Consumer>) => {
      const n: Record<Kind, number> = { audio: 0, video: 0 };
      for (const o of set) n[o.kind]++;
      return n;
    };
    for (const [kind, n] of Object.entries(kinds(producers))) g.producers.set({ worker: label, kind }, n);
    for (const [kind, n] of Object.entries(kinds(consumers))) g.consumers.set({ worker: label, kind }, n);

    if (!worker.closed) {
      const t0 = performance.now();
      const usage = await worker.getResourceUsage().catch(() => undefined);
      if (usage) {
        g.workerLag.set({ worker: label }, (performance.now() - t0) / 1000);
        // The embedded engine's workers share the process: its CPU is counted once, as "process".
        const cpuKey = embedded ? this.#node : worker;
        if (!embedded || label === '0') this.#grow(cpuKey, { cpu: (usage.ru_utime + usage.ru_stime) / 1000 }, { cpu: (d) => this.#c.cpu.inc({ worker: embedded ? 'process' : label }, d) });
      }
    }

    let recv = 0;
    let send = 0;
    await Promise.all(
      [...transports.keys()].map(async (t: Transport) => {
        for (const s of await t.getStats().catch(() => [])) {
          recv += s.recvBitrate ?? 0;
          send += s.sendBitrate ?? 0;
          this.#grow(t, { in: s.bytesReceived ?? 0, out: s.bytesSent ?? 0 }, {
            in: (d) => this.#c.transportBytes.inc({ worker: label, direction: 'in' }, d),
            out: (d) => this.#c.transportBytes.inc({ worker: label, direction: 'out' }, d),
          });
        }
      }),
    );
    g.bitrate.set({ worker: label, direction: 'in' }, recv);
    g.bitrate.set({ worker: label, direction: 'out' }, send);

    await Promise.all([
      ...[...producers].map(async (p) => this.#rtp(label, 'in', p.kind, p, await p.getStats().catch(() => []))),
      ...[...consumers].map(async (c) => {
        this.#h.score.observe({ worker: label, kind: c.kind }, c.score.score);
        this.#rtp(label, 'out', c.kind, c, await c.getStats().catch(() => []));
      }),
    ]);
  }

  /** One producer's (in) or consumer's (out) RTP streams: counters by growth, histograms per stream. */
  #rtp(worker: string, direction: Dir, kind: Kind, owner: object, stats: RtpStreamStat[]): void {
    const labels = { worker, direction, kind };
    // Consumers report their own outbound stream; producers their inbound ones (one per layer).
    const mine = stats.filter((s) => s.type === (direction === 'in' ? 'inbound-rtp' : 'outbound-rtp'));
    const sum = (f: (s: RtpStreamStat) => number | undefined) => mine.reduce((a, s) => a + (f(s) ?? 0), 0);
    const c = this.#c;
    this.#grow(owner, {
      packets: sum((s) => s.packetCount),
      bytes: sum((s) => s.byteCount),
      lost: sum((s) => Math.max(0, s.packetsLost)),
      retransmitted: sum((s) => s.packetsRetransmitted),
      nacks: sum((s) => s.nackCount),
      plis: sum((s) => s.pliCount),
      firs: sum((s) => s.firCount),
    }, {
      packets: (d) => c.packets.inc(labels, d),
      bytes: (d) => c.bytes.inc(labels, d),
      lost: (d) => c.lost.inc(labels, d),
      retransmitted: (d) => c.retransmitted.inc(labels, d),
      nacks: (d) => c.nacks.inc(labels, d),
      plis: (d) => c.plis.inc(labels, d),
      firs: (d) => c.firs.inc(labels, d),
    });
    for (const s of mine) {
      // RTCP's fraction lost is in 1/256ths.
      this.#h.loss.observe(labels, Math.min(1, Math.max(0, s.fractionLost / 256)));
      if (direction === 'out' && s.roundTripTime !== undefined && s.roundTripTime > 0) this.#h.rtt.observe({ worker, kind }, s.roundTripTime / 1000);
      if (direction === 'in' && s.jitter !== undefined && s.jitter >= 0) this.#h.jitter.observe({ worker, kind }, s.jitter / CLOCK_RATE[kind]);
    }
  }

  /** Adds to each counter what its cumulative value grew by since the last sample of `key` (a reset counts from zero). */
  #grow(key: object, now: Record<string, number>, inc: Record<string, (delta: number) => void>): void {
    const last = this.#last.get(key) ?? {};
    for (const [name, value] of Object.entries(now)) {
      const before = last[name] ?? 0;
      const delta = value >= before ? value - before : value;
      if (delta > 0 && Number.isFinite(delta)) inc[name]!(delta);
    }
    this.#last.set(key, now);
  }
}
