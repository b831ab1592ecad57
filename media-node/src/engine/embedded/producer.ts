// A producer: the publisher's streams (one per encoding; simulcast layers are encodings ordered
// low to high), their receive statistics, and fan-out of every packet to the consumers.
import { randomUUID } from 'node:crypto';
import type { RtpPacket } from 'werift';
import { Emitter } from '../emitter.ts';
import type { MediaKind, Producer, ProducerEvents, ProducerScore, RtpParameters, RtpStreamStat } from '../types.ts';
import type { Fanout } from './fanout.ts';
import { keyframeDetector } from './keyframe.ts';
import type { ProducerMapping } from './ortc.ts';
import { RecvStream } from './recv-stream.ts';
import { buildFir, buildNack, buildPli, ntpMiddle } from './rtcp.ts';

/** What a consumer receives from its producer. */
export interface ProducerSink {
  onPacket(packet: RtpPacket, layer: number, keyframe: boolean, now: number): void;
  onProducerPause(): void;
  onProducerResume(): void;
  onProducerClose(): void;
}

/** The transport the producer arrived on, for feedback to the publisher. */
export interface PublisherLink {
  sendRtcp(data: Buffer): void;
  readonly rtcpSsrc: number;
  /** The publisher answers FIR (not only PLI). */
  readonly supportsFir: boolean;
}

/**
 * libwebrtc ignores keyframe requests within 300 ms of the last one it honoured, timed by when it
 * processes them: the margin keeps a request timed right at the end of the window from landing
 * just inside it (then ignored, while we would count it as outstanding).
 */
const KEYFRAME_REQUEST_INTERVAL_MS = 300 + 50;

export class EmbeddedProducer extends Emitter<ProducerEvents> implements Producer {
  readonly id: string;
  readonly type: 'simple' | 'simulcast';
  readonly streams: RecvStream[];
  readonly #sinks = new Set<ProducerSink>();
  /** Rebuilt on change, never mutated: queued fan-out tasks keep the list they started with. */
  #sinkList: readonly ProducerSink[] = [];
  readonly isKeyframe: ((payload: Buffer) => boolean) | undefined;
  /** When the publisher was last asked for a keyframe, on any layer. */
  #lastKeyframeRequestAt = Number.NEGATIVE_INFINITY;
  closed = false;
  paused: boolean;
  score: ProducerScore[] = [];

  constructor(
    readonly kind: MediaKind,
    readonly rtpParameters: RtpParameters,
    readonly mapping: ProducerMapping,
    private readonly link: PublisherLink,
    private readonly fanout: Fanout,
    paused: boolean,
    readonly appData: Record<string, unknown>,
    private readonly onClosed: (producer: EmbeddedProducer) => void,
    id: string = randomUUID(),
  ) {
    super();
    this.id = id;
    this.paused = paused;
    this.streams = mapping.encodings.map((e, i) => new RecvStream(i, e.rid, e.ssrc));
    this.type = this.streams.length > 1 ? 'simulcast' : 'simple';
    this.isKeyframe = keyframeDetector(mapping.routerCodec.mimeType);
  }

  get clockRate(): number {
    return this.mapping.routerCodec.clockRate;
  }

  receive(packet: RtpPacket, stream: RecvStream, now: number): void {
    const header = packet.header;
    stream.record(header.sequenceNumber, packet.payload.length + 12, now);
    if (packet.payload.length > 0 && !this.mapping.payloadTypes.has(header.payloadType)) {
      stream.discarded++;
      return;
    }
    if (packet.payload.length === 0) stream.paddingPackets++;
    if (this.paused) return;
    const keyframe = packet.payload.length > 0 && this.isKeyframe !== undefined && this.isKeyframe(packet.payload);
    if (keyframe) stream.lastKeyframeAt = now;
    this.fanout.push(this.#sinkList, packet, stream.layer, keyframe, now);
  }

  /**
   * Asks the publisher for a keyframe on one layer. libwebrtc ignores requests that come within
   * 300 ms of the previous one it honoured, on any layer of the same track (one window for all
   * simulcast layers). So: while a request for this layer is in that window and no keyframe has
   * come since, the coming keyframe serves everyone; any other request that is too early is
   * deferred to the end of the window, not lost (sending it would be ignored, and counting it as
   * outstanding would swallow the requests after it).
   */
  requestKeyFrameOn(layer: number, now = performance.now()): void {
    const stream = this.streams[layer];
    if (!stream?.ssrc || this.kind !== 'video' || this.closed) return;
    const sinceLast = now - this.#lastKeyframeRequestAt;
    if (sinceLast < KEYFRAME_REQUEST_INTERVAL_MS) {
      const outstanding = stream.lastKeyframeRequestAt === this.#lastKeyframeRequestAt && stream.lastKeyframeRequestAt > stream.lastKeyframeAt;
      if (!outstanding && !stream.deferredRequest) {
        stream.deferredRequest = setTimeout(() => {
          stream.deferredRequest = undefined;
          this.requestKeyFrameOn(layer);
        }, KEYFRAME_REQUEST_INTERVAL_MS - sinceLast);
      }
      return;
    }
    this.#lastKeyframeRequestAt = now;
    stream.lastKeyframeRequestAt = now;
    if (this.link.supportsFir) {
      stream.firCount++;
      this.link.sendRtcp(buildFir(this.link.rtcpSsrc, stream.ssrc, ++stream.firSeq));
    } else {
      stream.pliCount++;
      this.link.sendRtcp(buildPli(this.link.rtcpSsrc, stream.ssrc));
    }
  }

  addSink(sink: ProducerSink): void {
    this.#sinks.add(sink);
    this.#sinkList = [...this.#sinks];
  }

  removeSink(sink: ProducerSink): void {
    this.#sinks.delete(sink);
    this.#sinkList = [...this.#sinks];
  }

  /** NACKs for what is missing from the publisher (video only: Opus is not retransmitted). */
  sendNacks(now: number): void {
    if (this.kind !== 'video' || this.closed) return;
    for (const stream of this.streams) {
      if (stream.ssrc === undefined) continue;
      const lost = stream.loss.due(now);
      for (let i = 0; i < lost.length; i += 64) this.link.sendRtcp(buildNack(this.link.rtcpSsrc, stream.ssrc, lost.slice(i, i + 64)));
    }
  }

  activeLayers(now: number): number[] {
    return this.streams.filter((s) => s.active(now)).map((s) => s.layer);
  }

  onSenderReport(stream: RecvStream, ntp: bigint, now: number): void {
    stream.lastSrMiddle = ntpMiddle(ntp);
    stream.lastSrAt = now;
  }

  /** Recomputes per-stream scores (10: flowing without loss, 0: silent); emits when they change. */
  updateScore(now: number): void {
    const score = this.streams.flatMap((s, encodingIdx) => {
        if (s.ssrc === undefined) return [];
        const expected = s.expected - s.expectedPrior;
        const received = s.packets - s.receivedPrior;
        s.expectedPrior = s.expected;
        s.receivedPrior = s.packets;
        const loss = expected > 0 ? Math.max(0, expected - received) / expected : 0;
        const value = !s.active(now) ? 0 : Math.max(0, Math.round(10 - loss * 20));
        return [{ encodingIdx, ssrc: s.ssrc, ...(s.rid ? { rid: s.rid } : {}), score: value }];
      });
    const changed = JSON.stringify(score) !== JSON.stringify(this.score);
    this.score = score;
    if (changed) this.emit('score', score);
  }

  async pause(): Promise<void> {
    if (this.paused || this.closed) return;
    this.paused = true;
    for (const sink of this.#sinkList) sink.onProducerPause();
  }

  async resume(): Promise<void> {
    if (!this.paused || this.closed) return;
    this.paused = false;
    for (const sink of this.#sinkList) sink.onProducerResume();
  }

  async getStats(): Promise<RtpStreamStat[]> {
    const now = performance.now();
    return this.streams
      .filter((s) => s.ssrc !== undefined)
      .map((s, i) => ({
        type: 'inbound-rtp' as const,
        timestamp: Date.now(),
        ssrc: s.ssrc!,
        ...(s.rid ? { rid: s.rid } : {}),
        kind: this.kind,
        mimeType: this.mapping.routerCodec.mimeType,
        packetsLost: s.lost,
        fractionLost: 0,
        packetsDiscarded: s.discarded,
        packetsRetransmitted: 0,
        packetsRepaired: s.loss.repaired,
        nackCount: s.loss.nackCount,
        nackPacketCount: s.loss.nackPacketCount,
        pliCount: s.pliCount,
        firCount: s.firCount,
        score: this.score[i]?.score ?? 0,
        packetCount: s.packets,
        byteCount: s.bytes,
        bitrate: s.bitrate(now),
      }));
  }

  close(): void {
    this.#close(false);
  }

  /** The transport closed under it. */
  transportClosed(): void {
    this.#close(true);
  }

  #close(byTransport: boolean): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams) clearTimeout(s.deferredRequest);
    for (const sink of this.#sinkList) sink.onProducerClose();
    this.#sinks.clear();
    this.#sinkList = [];
    this.onClosed(this);
    if (byTransport) this.emit('transportclose');
    this.emit('close');
    this.removeAllListeners();
  }
}
