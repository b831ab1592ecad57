// An embedded worker: one UDP port, one DTLS certificate, and the routers on them. It runs in the
// node's own process, so `pid` is the process's and resource usage is the process's.
import { Emitter } from '../emitter.ts';
import { EngineError } from '../errors.ts';
import type { EngineWorker, Router, RtpCodecCapability, WorkerEvents, WorkerOptions, WorkerResourceUsage } from '../types.ts';
import { type DtlsCertificate, createCertificate } from './certificate.ts';
import { Fanout } from './fanout.ts';
import { CONSENT_TIMEOUT_MS } from './ice-lite.ts';
import { EmbeddedRouter, type WorkerContext } from './router.ts';
import { TcpListener } from './tcp-listener.ts';
import { UdpMux } from './udp-mux.ts';

/** Tries at finding a free port for both UDP and TCP when any port will do. */
const PORT_PAIR_ATTEMPTS = 20;

export interface EmbeddedWorkerOptions extends WorkerOptions {
  /** Shorter in tests, to prove consent expiry without waiting 30 s. */
  consentTimeoutMs?: number;
}

export class EmbeddedWorker extends Emitter<WorkerEvents> implements EngineWorker {
  readonly pid = process.pid;
  closed = false;
  readonly #routers = new Set<EmbeddedRouter>();
  readonly #context: WorkerContext;
  #transports = 0;
  readonly #maxRouters: number;

  private constructor(
    readonly mux: UdpMux,
    private readonly tcp: TcpListener | undefined,
    certificate: DtlsCertificate,
    options: EmbeddedWorkerOptions,
  ) {
    super();
    this.#maxRouters = options.maxRouters ?? Number.POSITIVE_INFINITY;
    const maxTransports = options.maxTransports ?? Number.POSITIVE_INFINITY;
    this.#context = {
      mux,
      rtcPortRange: options.rtcPortRange,
      tcp: tcp !== undefined,
      fanout: new Fanout(),
      certificate,
      announcedAddress: options.announcedAddress,
      maxIncomingBitrate: options.maxIncomingBitrate ?? 3_000_000,
      consentTimeoutMs: options.consentTimeoutMs ?? CONSENT_TIMEOUT_MS,
      reserveTransport: () => {
        if (this.#transports >= maxTransports) throw new EngineError('limit_reached', 'worker transport limit reached');
        this.#transports++;
      },
      releaseTransport: () => {
        this.#transports--;
      },
    };
  }

  static async create(options: EmbeddedWorkerOptions): Promise<EmbeddedWorker> {
    const certificate = await createCertificate();
    // ICE-TCP listens on the UDP port's number. With "any port" the kernel picks the UDP port
    // without looking at TCP, whose twin may be some outgoing connection's local port: pick again
    // rather than run without TCP. A configured port gets what it gets (TCP only if free).
    for (let attempt = 1; ; attempt++) {
      const mux = await UdpMux.bind(options.listenIp, options.port);
      const tcp = await TcpListener.listen(options.listenIp, mux);
      if (tcp || options.port !== 0 || attempt === PORT_PAIR_ATTEMPTS) return new EmbeddedWorker(mux, tcp, certificate, options);
      mux.close();
    }
  }

  get port(): number {
    return this.mux.port;
  }

  /** Datagrams received on the worker's port, dropped as garbage or unroutable, and packets dropped for overload. */
  get datagramStats() {
    return { ...this.mux.stats, overloadDropped: this.#context.fanout.dropped, fanoutBacklog: this.#context.fanout.backlog };
  }

  async createRouter({ mediaCodecs, appData }: { mediaCodecs: RtpCodecCapability[]; appData?: Record<string, unknown> }): Promise<Router> {
    if (this.closed) throw new EngineError('invalid_state', 'worker closed');
    if (this.#routers.size >= this.#maxRouters) throw new EngineError('limit_reached', 'worker router limit reached');
    const router = new EmbeddedRouter(this.#context, mediaCodecs, appData ?? {}, (r) => this.#routers.delete(r));
    this.#routers.add(router);
    return router;
  }

  async getResourceUsage(): Promise<WorkerResourceUsage> {
    const u = process.cpuUsage();
    return { ru_utime: u.user / 1000, ru_stime: u.system / 1000 };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const r of [...this.#routers]) r.workerClosed();
    this.mux.close();
    this.tcp?.close();
    this.emit('close');
    this.removeAllListeners();
  }
}
