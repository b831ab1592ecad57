// What every embedded transport shares, whatever carries its datagrams (ICE+DTLS+SRTP for
// WebRTC, a bare UDP socket for plain RTP): the producers and consumers on it, the SSRC table
// that routes RTP and RTCP to them, the publisher feedback, the 100 ms tick and the traffic
// counters. A subclass supplies the wire: whether it can send, and how RTP and RTCP leave.
import { randomInt, randomUUID } from 'node:crypto';
import { RtpPacket, type RtpHeader } from 'werift';
import { Emitter } from '../emitter.ts';
import { EngineError } from '../errors.ts';
import type { Consumer, ConsumerOptions, Producer, ProducerOptions, RtpCapabilities, TransportEvents, TransportStat } from '../types.ts';
import { EXT } from './capabilities.ts';
import { EmbeddedConsumer } from './consumer.ts';
import { canConsume, consumerParameters, mapProducer } from './ortc.ts';
import { EmbeddedProducer } from './producer.ts';
import { PublisherFeedback } from './publisher-feedback.ts';
import { parseRtcp } from './rtcp.ts';
import { type SsrcConsumer, SsrcTable } from './ssrc-table.ts';
import type { RouterContext } from './router.ts';

const TICK_MS = 100;
const REPORT_EVERY_TICKS = 10;

export interface TransportCounters {
  /** Datagrams that failed to decrypt, parse, or belonged to nothing. */
  dropped: number;
  srtpErrors: number;
  unknownSsrc: number;
}

/** What a transport drives on each of its consumers (simulcast-selecting or pipe). */
export interface TransportConsumer extends Consumer, SsrcConsumer {
  tick(now: number): void;
  sendSenderReport(now: number): void;
  onTransportReady(): void;
  transportClosed(): void;
}

type StatBase = Pick<TransportStat, 'transportId' | 'timestamp' | 'bytesReceived' | 'recvBitrate' | 'bytesSent' | 'sendBitrate'>;

export abstract class EmbeddedRtpTransport extends Emitter<TransportEvents> {
  readonly id = randomUUID();
  readonly counters: TransportCounters = { dropped: 0, srtpErrors: 0, unknownSsrc: 0 };
  readonly rtcpSsrc = randomInt(1, 0xffffffff);
  readonly supportsFir = false;
  closed = false;
  maxIncomingBitrate: number;

  readonly #producers = new Map<string, EmbeddedProducer>();
  readonly #consumers = new Map<string, TransportConsumer>();
  readonly #ssrcs = new SsrcTable();
  readonly #feedback = new PublisherFeedback(this.rtcpSsrc);
  #nextMid = 0;
  readonly #timer: NodeJS.Timeout;
  #ticks = 0;
  readonly #traffic = { bytesReceived: 0, bytesSent: 0, recvWindow: 0, sendWindow: 0, recvBitrate: 0, sendBitrate: 0 };

  constructor(
    protected readonly ctx: RouterContext,
    readonly appData: Record<string, unknown>,
  ) {
    super();
    this.maxIncomingBitrate = ctx.maxIncomingBitrate;
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
  }

  /** The wire can carry media now (consumers send once it is). */
  abstract get ready(): boolean;
  /** RTCP can leave now (feedback and reports wait for it). */
  protected abstract get rtcpReady(): boolean;
  abstract sendRtp(header: RtpHeader, payload: Buffer): number;
  abstract sendRtcp(data: Buffer): void;
  abstract getStats(): Promise<TransportStat[]>;
  /** Releases what the wire holds (sockets, sessions); called once, on close. */
  protected abstract closeWire(): void;

  /** Pipe transports produce under the id the producer has on the other router. */
  protected readonly acceptsProducerIds: boolean = false;

  /** What this transport's peer can receive; plain peers get no browser-only extensions. */
  protected consumerCapabilities(rtpCapabilities: RtpCapabilities): RtpCapabilities {
    return rtpCapabilities;
  }

  async produce(options: ProducerOptions): Promise<Producer> {
    this.assertOpen();
    const { kind, rtpParameters } = options;
    if (kind !== 'audio' && kind !== 'video') throw new EngineError('invalid_parameters', `invalid kind ${String(kind)}`);
    if (options.id !== undefined) {
      if (!this.acceptsProducerIds) throw new EngineError('invalid_parameters', 'a producer id can only be given on a pipe transport');
      if (typeof options.id !== 'string' || options.id === '') throw new EngineError('invalid_parameters', 'invalid producer id');
      if (this.ctx.getProducer(options.id)) throw new EngineError('invalid_state', `producer ${options.id} already exists on this router`);
    }
    const mapping = mapProducer(kind, rtpParameters, this.ctx.rtpCapabilities);
    const onClosed = (p: EmbeddedProducer) => {
      this.#producers.delete(p.id);
      this.#ssrcs.removeProducer(p);
      this.ctx.producerClosed(p);
    };
    const producer = new EmbeddedProducer(kind, rtpParameters, mapping, this, this.ctx.fanout, options.paused ?? false, options.appData ?? {}, onClosed, options.id);
    this.#ssrcs.addProducer(producer);
    for (const [id, uri] of mapping.extensionUris) if (uri === EXT.transportCc) this.#feedback.useTransportCcExtension(id);
    this.#producers.set(producer.id, producer);
    this.ctx.producerCreated(producer);
    return producer;
  }

  async consume(options: ConsumerOptions): Promise<Consumer> {
    this.assertOpen();
    const producer = this.ctx.getProducer(options.producerId);
    if (!producer) throw new EngineError('not_found', `producer ${options.producerId} not found`);
    const consumer = this.createConsumer(producer, options, (c) => {
      this.#consumers.delete(c.id);
      this.#ssrcs.removeConsumer(c);
    });
    this.#consumers.set(consumer.id, consumer);
    this.#ssrcs.addConsumer(consumer);
    if (this.ready) consumer.onTransportReady();
    return consumer;
  }

  /** A consumer that sends one chosen layer, with its own sequence and timestamps (WebRTC, plain). */
  protected createConsumer(producer: EmbeddedProducer, options: ConsumerOptions, onClosed: (c: TransportConsumer) => void): TransportConsumer {
    const capabilities = this.consumerCapabilities(options.rtpCapabilities);
    if (!canConsume(producer.mapping.routerCodec, capabilities)) {
      throw new EngineError('cannot_consume', 'the given rtpCapabilities cannot consume this producer');
    }
    const rtpParameters = consumerParameters(producer.mapping, capabilities, {
      cname: `roomcast-${this.id.slice(0, 8)}`,
      layers: producer.streams.length,
    });
    rtpParameters.mid = String(this.#nextMid++);
    return new EmbeddedConsumer(
      producer,
      rtpParameters,
      this,
      { paused: options.paused ?? true, preferredLayers: options.preferredLayers, appData: options.appData ?? {} },
      onClosed,
    );
  }

  close(): void {
    this.#close(false);
  }

  routerClosed(): void {
    this.#close(true);
  }

  /** The wire came up: consumers start sending (a keyframe first). */
  protected wireReady(): void {
    for (const consumer of this.#consumers.values()) consumer.onTransportReady();
  }

  /** A decrypted (or plain) RTP packet from the peer. */
  protected receiveRtp(plain: Buffer): void {
    const packet = RtpPacket.deSerialize(plain);
    this.#feedback.onRtp(packet);
    const entry = this.#ssrcs.streamFor(packet);
    if (!entry) {
      this.counters.unknownSsrc++;
      return;
    }
    entry.producer.receive(packet, entry.stream, performance.now());
  }

  /** A decrypted (or plain) RTCP compound packet from the peer. */
  protected receiveRtcp(plain: Buffer): void {
    const now = performance.now();
    for (const m of parseRtcp(plain)) this.#ssrcs.deliver(m, now);
  }

  protected countReceived(bytes: number): void {
    this.#traffic.bytesReceived += bytes;
    this.#traffic.recvWindow += bytes;
  }

  protected countSent(bytes: number): void {
    this.#traffic.bytesSent += bytes;
    this.#traffic.sendWindow += bytes;
  }

  protected statBase(): StatBase {
    const t = this.#traffic;
    return { transportId: this.id, timestamp: Date.now(), bytesReceived: t.bytesReceived, recvBitrate: t.recvBitrate, bytesSent: t.bytesSent, sendBitrate: t.sendBitrate };
  }

  protected assertOpen(): void {
    if (this.closed) throw new EngineError('invalid_state', 'transport closed');
  }

  #tick(): void {
    if (this.closed) return;
    const now = performance.now();
    this.#ticks++;
    for (const consumer of this.#consumers.values()) consumer.tick(now);
    if (!this.rtcpReady) return;
    for (const producer of this.#producers.values()) producer.sendNacks(now);
    const feedback = this.#feedback.transportCc(this.#ssrcs.anyStreamSsrc ?? 0);
    if (feedback) this.sendRtcp(feedback);
    if (this.#ticks % REPORT_EVERY_TICKS !== 0) return;
    const t = this.#traffic;
    t.recvBitrate = t.recvWindow * 8;
    t.sendBitrate = t.sendWindow * 8;
    t.recvWindow = 0;
    t.sendWindow = 0;
    const reports = this.#feedback.reports(this.#ssrcs.streams, this.maxIncomingBitrate, now);
    if (reports) this.sendRtcp(reports);
    for (const consumer of this.#consumers.values()) consumer.sendSenderReport(now);
    for (const producer of this.#producers.values()) producer.updateScore(now);
  }

  #close(byRouter: boolean): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.#timer);
    for (const consumer of [...this.#consumers.values()]) consumer.transportClosed();
    for (const producer of [...this.#producers.values()]) producer.transportClosed();
    this.closeWire();
    this.ctx.transportClosed(this);
    if (byRouter) this.emit('routerclose');
    this.emit('close');
    this.removeAllListeners();
  }
}
