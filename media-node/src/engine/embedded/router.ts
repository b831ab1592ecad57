// A router: the producers of one room and the transports that carry them.
import { randomUUID } from 'node:crypto';
import { Emitter } from '../emitter.ts';
import { EngineError, unsupported } from '../errors.ts';
import type {
  RouterEvents,
  Router,
  RtpCapabilities,
  RtpCodecCapability,
  PipeToRouterOptions,
  PipeToRouterResult,
  PipeTransport,
  PipeTransportOptions,
  PlainTransport,
  PlainTransportOptions,
  Producer,
  WebRtcTransport,
  WebRtcTransportOptions,
} from '../types.ts';
import { routerCapabilities } from './capabilities.ts';
import type { DtlsCertificate } from './certificate.ts';
import type { Fanout } from './fanout.ts';
import { canConsume } from './ortc.ts';
import type { EmbeddedProducer } from './producer.ts';
import type { UdpMux } from './udp-mux.ts';
import { EmbeddedPipeTransport } from './pipe-transport.ts';
import { EmbeddedPlainTransport } from './plain-transport.ts';
import type { EmbeddedRtpTransport } from './rtp-transport.ts';
import { EmbeddedWebRtcTransport } from './webrtc-transport.ts';

/** What a transport needs from its router and worker. */
export interface RouterContext {
  readonly mux: UdpMux;
  /** Where plain and pipe transports listen when told no port. */
  readonly rtcPortRange: { min: number; max: number } | undefined;
  /** ICE-TCP is listening on the worker's port too. */
  readonly tcp: boolean;
  readonly fanout: Fanout;
  readonly certificate: DtlsCertificate;
  readonly announcedAddress: string;
  readonly rtpCapabilities: RtpCapabilities;
  readonly maxIncomingBitrate: number;
  readonly consentTimeoutMs: number;
  getProducer(id: string): EmbeddedProducer | undefined;
  producerCreated(producer: EmbeddedProducer): void;
  producerClosed(producer: EmbeddedProducer): void;
  /** A transport closed (undefined: one reserved but never created). */
  transportClosed(transport: EmbeddedRtpTransport | undefined): void;
}

export interface WorkerContext {
  readonly mux: UdpMux;
  readonly rtcPortRange: { min: number; max: number } | undefined;
  readonly tcp: boolean;
  readonly fanout: Fanout;
  readonly certificate: DtlsCertificate;
  readonly announcedAddress: string;
  readonly maxIncomingBitrate: number;
  readonly consentTimeoutMs: number;
  reserveTransport(): void;
  releaseTransport(): void;
}

export class EmbeddedRouter extends Emitter<RouterEvents> implements Router {
  readonly id = randomUUID();
  readonly rtpCapabilities: RtpCapabilities;
  closed = false;
  readonly #producers = new Map<string, EmbeddedProducer>();
  readonly #transports = new Set<EmbeddedRtpTransport>();
  /** The pipe transport pair to each router this one pipes to (pipeToRouter). */
  readonly #pipes = new Map<EmbeddedRouter, Promise<{ local: PipeTransport; remote: PipeTransport }>>();
  readonly #context: RouterContext;

  constructor(
    worker: WorkerContext,
    mediaCodecs: RtpCodecCapability[],
    readonly appData: Record<string, unknown>,
    private readonly onClosed: (router: EmbeddedRouter) => void,
  ) {
    super();
    this.rtpCapabilities = routerCapabilities(mediaCodecs);
    this.#context = {
      mux: worker.mux,
      rtcPortRange: worker.rtcPortRange,
      tcp: worker.tcp,
      fanout: worker.fanout,
      certificate: worker.certificate,
      announcedAddress: worker.announcedAddress,
      rtpCapabilities: this.rtpCapabilities,
      maxIncomingBitrate: worker.maxIncomingBitrate,
      consentTimeoutMs: worker.consentTimeoutMs,
      getProducer: (id) => this.#producers.get(id),
      producerCreated: (p) => this.#producers.set(p.id, p),
      producerClosed: (p) => this.#producers.delete(p.id),
      transportClosed: (t) => {
        if (t) this.#transports.delete(t);
        worker.releaseTransport();
      },
    };
    this.#reserve = () => worker.reserveTransport();
  }

  readonly #reserve: () => void;

  canConsume({ producerId, rtpCapabilities }: { producerId: string; rtpCapabilities: RtpCapabilities }): boolean {
    const producer = this.#producers.get(producerId);
    return producer !== undefined && canConsume(producer.mapping.routerCodec, rtpCapabilities);
  }

  async createWebRtcTransport(options: WebRtcTransportOptions = {}): Promise<WebRtcTransport> {
    if (this.closed) throw new EngineError('invalid_state', 'router closed');
    const udp = options.enableUdp ?? true;
    const tcp = (options.enableTcp ?? true) && this.#context.tcp;
    if (!udp && !tcp) throw unsupported('a WebRTC transport without UDP or TCP', 'embedded');
    this.#reserve();
    const transport = new EmbeddedWebRtcTransport(this.#context, { udp, tcp }, options.appData ?? {});
    this.#transports.add(transport);
    return transport;
  }

  async createPipeTransport(options: PipeTransportOptions): Promise<PipeTransport> {
    return this.#addTransport(() => EmbeddedPipeTransport.createPipe(this.#context, options ?? {}));
  }

  async pipeToRouter({ producerId, router, listenIp = '127.0.0.1', enableSrtp = false }: PipeToRouterOptions): Promise<PipeToRouterResult> {
    if (this.closed) throw new EngineError('invalid_state', 'router closed');
    const producer = this.#producers.get(producerId);
    if (!producer) throw new EngineError('not_found', `producer ${producerId} not found`);
    if (!(router instanceof EmbeddedRouter) || router === this) throw new EngineError('invalid_parameters', 'router must be another embedded router');
    const { local, remote } = await this.#pipePair(router, listenIp, enableSrtp);
    const pipeConsumer = await local.consume({ producerId, rtpCapabilities: {} });
    let pipeProducer: Producer;
    try {
      pipeProducer = await remote.produce({ id: producer.id, kind: producer.kind, rtpParameters: pipeConsumer.rtpParameters, paused: producer.paused, appData: producer.appData });
    } catch (error) {
      pipeConsumer.close();
      throw error;
    }
    pipeConsumer.on('close', () => pipeProducer.close());
    pipeConsumer.on('producerpause', () => void pipeProducer.pause());
    pipeConsumer.on('producerresume', () => void pipeProducer.resume());
    pipeProducer.on('close', () => pipeConsumer.close());
    return { pipeConsumer, pipeProducer };
  }

  /** One pipe transport pair per pair of routers, connected to each other; either closing closes both. */
  #pipePair(router: EmbeddedRouter, listenIp: string, enableSrtp: boolean): Promise<{ local: PipeTransport; remote: PipeTransport }> {
    let pair = this.#pipes.get(router);
    if (!pair) {
      pair = (async () => {
        const local = await this.createPipeTransport({ listenIp, enableSrtp });
        const remote = await router.createPipeTransport({ listenIp, enableSrtp }).catch((error: unknown) => {
          local.close();
          throw error;
        });
        const forget = () => {
          this.#pipes.delete(router);
          local.close();
          remote.close();
        };
        local.on('close', forget);
        remote.on('close', forget);
        await local.connect({ ip: remote.tuple.localAddress, port: remote.tuple.localPort, ...(remote.srtpParameters ? { srtpParameters: remote.srtpParameters } : {}) });
        await remote.connect({ ip: local.tuple.localAddress, port: local.tuple.localPort, ...(local.srtpParameters ? { srtpParameters: local.srtpParameters } : {}) });
        return { local, remote };
      })();
      this.#pipes.set(router, pair);
      pair.catch(() => this.#pipes.delete(router));
    }
    return pair;
  }

  async createPlainTransport(options: PlainTransportOptions): Promise<PlainTransport> {
    return this.#addTransport(() => EmbeddedPlainTransport.create(this.#context, options ?? {}));
  }

  /** Counts a transport against the worker's limit for as long as it is open. */
  async #addTransport<T extends EmbeddedRtpTransport>(create: () => Promise<T>): Promise<T> {
    if (this.closed) throw new EngineError('invalid_state', 'router closed');
    this.#reserve();
    let transport: T;
    try {
      transport = await create();
    } catch (error) {
      this.#context.transportClosed(undefined);
      throw error;
    }
    if (this.closed) {
      transport.routerClosed();
      throw new EngineError('invalid_state', 'router closed');
    }
    this.#transports.add(transport);
    return transport;
  }

  close(): void {
    this.#close(false);
  }

  workerClosed(): void {
    this.#close(true);
  }

  #close(byWorker: boolean): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of [...this.#transports]) t.routerClosed();
    this.onClosed(this);
    if (byWorker) this.emit('workerclose');
    this.emit('close');
    this.removeAllListeners();
  }
}
