// A WebRTC transport: ICE-lite + DTLS + SRTP on the worker's shared UDP port, carrying the
// producers and consumers created on it, and the RTCP between them and the peer.
import { randomInt, randomUUID } from 'node:crypto';
import { RtpPacket, type RtpHeader, type SrtcpSession, type SrtpSession } from 'werift';
import { Emitter } from '../emitter.ts';
import { EngineError } from '../errors.ts';
import type {
  Consumer,
  ConsumerOptions,
  DtlsParameters,
  DtlsState,
  IceCandidate,
  IceParameters,
  IceState,
  Producer,
  ProducerOptions,
  TransportEvents,
  TransportStat,
  TransportTuple,
  WebRtcTransport,
} from '../types.ts';
import { EXT } from './capabilities.ts';
import { EmbeddedConsumer } from './consumer.ts';
import { classifyDatagram } from './demux.ts';
import { DtlsSession } from './dtls-session.ts';
import { IceLite } from './ice-lite.ts';
import { canConsume, consumerParameters, mapProducer } from './ortc.ts';
import { EmbeddedProducer } from './producer.ts';
import { PublisherFeedback } from './publisher-feedback.ts';
import { parseRtcp } from './rtcp.ts';
import type { SrtpSender } from './srtp-sender.ts';
import { SsrcTable } from './ssrc-table.ts';
import type { MuxEndpoint, RemoteAddress } from './udp-mux.ts';
import type { RouterContext } from './router.ts';

const TICK_MS = 100;
const REPORT_EVERY_TICKS = 10;

export interface TransportCounters {
  /** Datagrams that failed to decrypt, parse, or belonged to nothing. */
  dropped: number;
  srtpErrors: number;
  unknownSsrc: number;
}

export class EmbeddedWebRtcTransport extends Emitter<TransportEvents> implements WebRtcTransport, MuxEndpoint {
  readonly id = randomUUID();
  readonly iceRole = 'controlled' as const;
  readonly counters: TransportCounters = { dropped: 0, srtpErrors: 0, unknownSsrc: 0 };
  readonly rtcpSsrc = randomInt(1, 0xffffffff);
  readonly supportsFir = false;
  closed = false;
  maxIncomingBitrate: number;

  readonly #ice: IceLite;
  readonly #dtls: DtlsSession;
  #srtp: SrtpSession | undefined;
  #srtcp: SrtcpSession | undefined;
  #sender: SrtpSender | undefined;
  #connectCalled = false;
  readonly #producers = new Map<string, EmbeddedProducer>();
  readonly #consumers = new Map<string, EmbeddedConsumer>();
  readonly #ssrcs = new SsrcTable();
  readonly #feedback = new PublisherFeedback(this.rtcpSsrc);
  #nextMid = 0;
  readonly #timer: NodeJS.Timeout;
  #ticks = 0;
  readonly #traffic = { bytesReceived: 0, bytesSent: 0, recvWindow: 0, sendWindow: 0, recvBitrate: 0, sendBitrate: 0 };

  constructor(
    private readonly ctx: RouterContext,
    private readonly protocols: { udp: boolean; tcp: boolean },
    readonly appData: Record<string, unknown>,
  ) {
    super();
    this.maxIncomingBitrate = ctx.maxIncomingBitrate;
    this.#ice = new IceLite(
      {
        send: (data, to) => this.#sendRaw(data, to),
        selectedTuple: (tuple) => this.#onSelectedTuple(tuple),
        stateChange: (state) => this.#onIceState(state),
      },
      ctx.consentTimeoutMs,
    );
    this.#dtls = new DtlsSession(ctx.certificate, {
      send: (data) => this.#sendToPeer(data),
      stateChange: (state) => this.#onDtlsState(state),
      connected: ({ srtp, srtcp, sender }) => {
        this.#srtp = srtp;
        this.#srtcp = srtcp;
        this.#sender = sender;
        for (const consumer of this.#consumers.values()) consumer.onTransportReady();
      },
    });
    ctx.mux.addUfrag(this.#ice.ufrag, this);
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
  }

  get iceParameters(): IceParameters {
    return this.#ice.parameters;
  }

  get iceCandidates(): IceCandidate[] {
    const address = this.ctx.announcedAddress;
    const port = this.ctx.mux.port;
    const candidates: IceCandidate[] = [];
    // UDP first and with the higher priority, as mediasoup orders them with preferUdp.
    if (this.protocols.udp) candidates.push({ foundation: 'udpcandidate', priority: 1076302079, address, ip: address, protocol: 'udp', port, type: 'host' });
    if (this.protocols.tcp) {
      candidates.push({ foundation: 'tcpcandidate', priority: 1076276479, address, ip: address, protocol: 'tcp', port, type: 'host', tcpType: 'passive' });
    }
    return candidates;
  }

  get iceState(): IceState {
    return this.#ice.state;
  }

  get iceSelectedTuple(): TransportTuple | undefined {
    const s = this.#ice.selected;
    return s && { localAddress: this.ctx.announcedAddress, localPort: this.ctx.mux.port, remoteIp: s.address, remotePort: s.port, protocol: s.tcp ? 'tcp' : 'udp' };
  }

  get dtlsParameters(): DtlsParameters {
    return { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: this.ctx.certificate.fingerprint }] };
  }

  get dtlsState(): DtlsState {
    return this.#dtls.state;
  }

  /** Why DTLS failed, when it did (a certificate that does not match, for one). */
  get dtlsFailureReason(): string | undefined {
    return this.#dtls.failureReason;
  }

  get iceRejectedRequests(): number {
    return this.#ice.rejectedRequests;
  }

  async connect({ dtlsParameters }: { dtlsParameters: DtlsParameters }): Promise<void> {
    this.#assertOpen();
    if (this.#connectCalled) throw new EngineError('invalid_state', 'connect() already called');
    const fingerprints = dtlsParameters?.fingerprints;
    if (!Array.isArray(fingerprints) || fingerprints.length === 0) {
      throw new EngineError('invalid_parameters', 'dtlsParameters.fingerprints is empty');
    }
    this.#connectCalled = true;
    this.#dtls.start(dtlsParameters.role ?? 'auto', fingerprints);
    if (this.#ice.selected) this.#dtls.beginHandshakeIfClient();
  }

  async restartIce(): Promise<IceParameters> {
    this.#assertOpen();
    this.ctx.mux.removeUfrag(this.#ice.ufrag);
    const parameters = this.#ice.restart();
    this.ctx.mux.addUfrag(this.#ice.ufrag, this);
    return parameters;
  }

  async setMaxIncomingBitrate(bitrate: number): Promise<void> {
    this.maxIncomingBitrate = Math.max(10_000, bitrate);
  }

  async produce(options: ProducerOptions): Promise<Producer> {
    this.#assertOpen();
    const { kind, rtpParameters } = options;
    if (kind !== 'audio' && kind !== 'video') throw new EngineError('invalid_parameters', `invalid kind ${String(kind)}`);
    const mapping = mapProducer(kind, rtpParameters, this.ctx.rtpCapabilities);
    const producer = new EmbeddedProducer(kind, rtpParameters, mapping, this, this.ctx.fanout, options.paused ?? false, options.appData ?? {}, (p) => {
      this.#producers.delete(p.id);
      this.#ssrcs.removeProducer(p);
      this.ctx.producerClosed(p);
    });
    this.#ssrcs.addProducer(producer);
    for (const [id, uri] of mapping.extensionUris) if (uri === EXT.transportCc) this.#feedback.useTransportCcExtension(id);
    this.#producers.set(producer.id, producer);
    this.ctx.producerCreated(producer);
    return producer;
  }

  async consume(options: ConsumerOptions): Promise<Consumer> {
    this.#assertOpen();
    const producer = this.ctx.getProducer(options.producerId);
    if (!producer) throw new EngineError('not_found', `producer ${options.producerId} not found`);
    if (!canConsume(producer.mapping.routerCodec, options.rtpCapabilities)) {
      throw new EngineError('cannot_consume', 'the given rtpCapabilities cannot consume this producer');
    }
    const rtpParameters = consumerParameters(producer.mapping, options.rtpCapabilities, {
      cname: `roomcast-${this.id.slice(0, 8)}`,
      layers: producer.streams.length,
    });
    rtpParameters.mid = String(this.#nextMid++);
    const consumer = new EmbeddedConsumer(
      producer,
      rtpParameters,
      this,
      { paused: options.paused ?? true, preferredLayers: options.preferredLayers, appData: options.appData ?? {} },
      (c) => {
        this.#consumers.delete(c.id);
        this.#ssrcs.removeConsumer(c);
      },
    );
    this.#consumers.set(consumer.id, consumer);
    this.#ssrcs.addConsumer(consumer);
    return consumer;
  }

  async getStats(): Promise<TransportStat[]> {
    return [
      {
        type: 'webrtc-transport',
        transportId: this.id,
        timestamp: Date.now(),
        iceRole: this.iceRole,
        iceState: this.iceState,
        ...(this.iceSelectedTuple ? { iceSelectedTuple: this.iceSelectedTuple } : {}),
        dtlsState: this.dtlsState,
        bytesReceived: this.#traffic.bytesReceived,
        recvBitrate: this.#traffic.recvBitrate,
        bytesSent: this.#traffic.bytesSent,
        sendBitrate: this.#traffic.sendBitrate,
      },
    ];
  }

  close(): void {
    this.#close(false);
  }

  routerClosed(): void {
    this.#close(true);
  }

  // ---- wire side ----

  onDatagram(data: Buffer, from: RemoteAddress): void {
    if (this.closed) return;
    this.#traffic.bytesReceived += data.length;
    this.#traffic.recvWindow += data.length;
    try {
      switch (classifyDatagram(data)) {
        case 'stun':
          this.#ice.handleStun(data, from);
          return;
        case 'dtls':
          if (this.#isSelected(from)) this.#dtls.handleDatagram(data);
          else this.counters.dropped++;
          return;
        case 'rtp':
          this.#onRtp(data);
          return;
        case 'rtcp':
          this.#onRtcp(data);
          return;
        default:
          this.counters.dropped++;
      }
    } catch {
      this.counters.dropped++;
    }
  }

  get ready(): boolean {
    return this.#sender !== undefined && this.#ice.selected !== undefined && !this.closed;
  }

  sendRtp(header: RtpHeader, payload: Buffer): number {
    if (!this.#sender || !this.#ice.selected) return 0;
    const packet = this.#sender.protect(header, payload);
    this.#sendToPeer(packet);
    return packet.length;
  }

  sendRtcp(data: Buffer): void {
    if (!this.#srtcp || !this.#ice.selected) return;
    this.#sendToPeer(this.#srtcp.encrypt(data));
  }

  #onRtp(data: Buffer): void {
    if (!this.#srtp) return void this.counters.dropped++;
    let plain: Buffer;
    try {
      plain = this.#srtp.decrypt(data);
    } catch {
      this.counters.srtpErrors++;
      return;
    }
    const packet = RtpPacket.deSerialize(plain);
    const now = performance.now();
    this.#feedback.onRtp(packet);
    const entry = this.#ssrcs.streamFor(packet);
    if (!entry) {
      this.counters.unknownSsrc++;
      return;
    }
    entry.producer.receive(packet, entry.stream, now);
  }

  #onRtcp(data: Buffer): void {
    if (!this.#srtcp) return void this.counters.dropped++;
    let plain: Buffer;
    try {
      plain = this.#srtcp.decrypt(data);
    } catch {
      this.counters.srtpErrors++;
      return;
    }
    const now = performance.now();
    for (const m of parseRtcp(plain)) this.#ssrcs.deliver(m, now);
  }

  #tick(): void {
    if (this.closed) return;
    const now = performance.now();
    this.#ticks++;
    for (const consumer of this.#consumers.values()) consumer.tick(now);
    if (!this.#srtcp) return;
    for (const producer of this.#producers.values()) producer.sendNacks(now);
    const feedback = this.#feedback.transportCc(this.#ssrcs.anyStreamSsrc ?? 0);
    if (feedback) this.sendRtcp(feedback);
    if (this.#ticks % REPORT_EVERY_TICKS !== 0) return;
    this.#traffic.recvBitrate = this.#traffic.recvWindow * 8;
    this.#traffic.sendBitrate = this.#traffic.sendWindow * 8;
    this.#traffic.recvWindow = 0;
    this.#traffic.sendWindow = 0;
    const reports = this.#feedback.reports(this.#ssrcs.streams, this.maxIncomingBitrate, now);
    if (reports) this.sendRtcp(reports);
    for (const consumer of this.#consumers.values()) consumer.sendSenderReport(now);
    for (const producer of this.#producers.values()) producer.updateScore(now);
  }

  #onSelectedTuple(tuple: RemoteAddress): void {
    const previous = this.#selectedForMux;
    if (previous) this.ctx.mux.removeRemote(previous, this);
    this.#selectedForMux = { ...tuple };
    this.ctx.mux.addRemote(tuple, this);
    this.emit('iceselectedtuplechange', this.iceSelectedTuple!);
    if (this.#connectCalled) this.#dtls.beginHandshakeIfClient();
  }

  #selectedForMux: RemoteAddress | undefined;

  #onIceState(state: IceState): void {
    this.emit('icestatechange', state);
  }

  #onDtlsState(state: DtlsState): void {
    if (state !== 'connected') {
      this.#srtp = undefined;
      this.#srtcp = undefined;
      this.#sender = undefined;
    }
    this.emit('dtlsstatechange', state);
  }

  #isSelected(from: RemoteAddress): boolean {
    const s = this.#ice.selected;
    return s !== undefined && s.address === from.address && s.port === from.port && s.tcp?.id === from.tcp?.id;
  }

  #sendToPeer(data: Buffer): void {
    const to = this.#ice.selected;
    if (!to) return;
    this.#sendRaw(data, to);
  }

  #sendRaw(data: Buffer, to: RemoteAddress): void {
    this.#traffic.bytesSent += data.length;
    this.#traffic.sendWindow += data.length;
    this.ctx.mux.send(data, to);
  }

  #assertOpen(): void {
    if (this.closed) throw new EngineError('invalid_state', 'transport closed');
  }

  #close(byRouter: boolean): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.#timer);
    for (const consumer of [...this.#consumers.values()]) consumer.transportClosed();
    for (const producer of [...this.#producers.values()]) producer.transportClosed();
    this.#dtls.close();
    this.#ice.close();
    this.ctx.mux.removeUfrag(this.#ice.ufrag);
    if (this.#selectedForMux) this.ctx.mux.removeRemote(this.#selectedForMux, this);
    this.ctx.transportClosed(this);
    if (byRouter) this.emit('routerclose');
    this.emit('close');
    this.removeAllListeners();
  }
}

