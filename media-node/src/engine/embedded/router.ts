// A router: the producers of one room and the transports that carry them.
import { randomUUID } from 'node:crypto';
import { Emitter } from '../emitter.ts';
import { EngineError, unsupported } from '../errors.ts';
import type {
  RouterEvents,
  Router,
  RtpCapabilities,
  RtpCodecCapability,
  PlainTransport,
  PlainTransportOptions,
  Transport,
  WebRtcTransport,
  WebRtcTransportOptions,
} from '../types.ts';
import { routerCapabilities } from './capabilities.ts';
import type { DtlsCertificate } from './certificate.ts';
import type { Fanout } from './fanout.ts';
import { canConsume } from './ortc.ts';
import type { EmbeddedProducer } from './producer.ts';
import type { UdpMux } from './udp-mux.ts';
import { EmbeddedPlainTransport } from './plain-transport.ts';
import type { EmbeddedRtpTransport } from './rtp-transport.ts';
import { EmbeddedWebRtcTransport } from './webrtc-transport.ts';

/** What a transport needs from its router and worker. */
export interface RouterContext {
  readonly mux: UdpMux;
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

  async createPipeTransport(): Promise<Transport> {
    throw unsupported('createPipeTransport', 'embedded');
  }

  async createPlainTransport(options: PlainTransportOptions): Promise<PlainTransport> {
    if (this.closed) throw new EngineError('invalid_state', 'router closed');
    this.#reserve();
    let transport: EmbeddedPlainTransport;
    try {
      transport = await EmbeddedPlainTransport.create(this.#context, options ?? {});
    } catch (error) {
      this.#context.transportClosed(undefined);
      throw error;
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
