// A consumer: one outgoing stream built from its producer's packets. It picks the simulcast
// layer (preferred layers, capped by what is flowing and by the consumer's loss), switches only on
// a keyframe, rewrites SSRC / payload type / sequence / timestamp / extension ids, keeps the last
// packets to answer NACKs, and sends sender reports.
import { randomUUID } from 'node:crypto';
import { RtpHeader, type RtpPacket } from 'werift';
import { Emitter } from '../emitter.ts';
import type {
  Consumer,
  ConsumerEvents,
  ConsumerLayers,
  ConsumerScore,
  MediaKind,
  RtpParameters,
  RtpStreamStat,
} from '../types.ts';
import type { EmbeddedProducer, ProducerSink } from './producer.ts';
import { RetransmissionBuffer } from './retransmission-buffer.ts';
import { type ReceiverReport, buildSr, ntpNow } from './rtcp.ts';
import { SeqRewriter } from './seq-rewriter.ts';
import { Vp8Rewriter } from './vp8-rewriter.ts';

/** The transport a consumer sends on. */
export interface ConsumerLink {
  /** ICE and DTLS are up: what is sent now can arrive. */
  readonly ready: boolean;
  sendRtp(header: RtpHeader, payload: Buffer): number;
  sendRtcp(data: Buffer): void;
}

/** Loss above this in a receiver report (x/256) counts as a congested report. */
const CONGESTED_FRACTION = 0.1 * 256;
const STEP_DOWN_HOLD_MS = 10_000;
const SWITCH_RETRY_MS = 1000;

export class EmbeddedConsumer extends Emitter<ConsumerEvents> implements Consumer {
  readonly id = randomUUID();
  readonly producerId: string;
  readonly kind: MediaKind;
  readonly type: 'simple' | 'simulcast';
  readonly ssrc: number;
  readonly payloadType: number;
  closed = false;
  paused: boolean;
  producerPaused: boolean;
  priority = 1;
  preferredLayers: ConsumerLayers | undefined;
  currentLayers: ConsumerLayers | undefined;
  score: ConsumerScore = { score: 10, producerScore: 10, producerScores: [] };

  #current: number | undefined;
  #target: number | undefined;
  #targetSince = 0;
  #needKeyframe: boolean;
  #maxLayerByLoss = Number.POSITIVE_INFINITY;
  #maxLayerUntil = 0;
  #congestedReports = 0;
  readonly #rewriter: SeqRewriter;
  readonly #vp8: Vp8Rewriter | undefined;
  readonly #buffer = new RetransmissionBuffer();
  readonly #extensionIds: Map<number, number>;
  readonly #stats = { packets: 0, bytes: 0, retransmitted: 0, nackCount: 0, nackPackets: 0, pli: 0, fir: 0, lost: 0, fractionLost: 0, rtt: 0 };
  /** The next packet starts a flow: a sender report goes first (see #announceTimeline). */
  #timelinePending = true;
  /** The flow's first packet: its timestamp and when it left. Sender reports extend this line. */
  #timeline: { at: number; ts: number } | undefined;

  constructor(
    readonly producer: EmbeddedProducer,
    readonly rtpParameters: RtpParameters,
    private readonly link: ConsumerLink,
    options: { paused: boolean; preferredLayers?: ConsumerLayers; appData: Record<string, unknown> },
    private readonly onClosed: (consumer: EmbeddedConsumer) => void,
  ) {
    super();
    this.producerId = producer.id;
    this.kind = producer.kind;
    this.type = producer.type;
    this.appData = options.appData;
    this.ssrc = rtpParameters.encodings![0]!.ssrc!;
    this.payloadType = rtpParameters.codecs[0]!.payloadType;
    this.paused = options.paused;
    this.producerPaused = producer.paused;
    this.#needKeyframe = this.kind === 'video';
    this.#rewriter = new SeqRewriter(producer.clockRate);
    if (producer.mapping.routerCodec.mimeType.toLowerCase() === 'video/vp8') this.#vp8 = new Vp8Rewriter();
    const consumerIds = new Map((rtpParameters.headerExtensions ?? []).map((e) => [e.uri, e.id]));
    this.#extensionIds = new Map();
    for (const [id, uri] of producer.mapping.extensionUris) {
      const out = consumerIds.get(uri);
      if (out !== undefined) this.#extensionIds.set(id, out);
    }
    if (this.type === 'simulcast') {
      const top = producer.streams.length - 1;
      this.preferredLayers = { spatialLayer: Math.min(options.preferredLayers?.spatialLayer ?? top, top), temporalLayer: 0 };
    }
    producer.addSink(this);
  }

  readonly appData: Record<string, unknown>;

  get ssrcs(): readonly number[] {
    return [this.ssrc];
  }

  get active(): boolean {
    return !this.closed && !this.paused && !this.producerPaused;
  }

  /**
   * Active and on a transport that can carry media. Until then nothing is sent or counted and no
   * keyframe is asked for: it would be lost (or open the publisher's 300 ms throttle window for
   * nothing), and the decoder would wait for the publisher's next keyframe, which libwebrtc sends
   * on its own only every few minutes. The stream starts when the transport connects.
   */
  get #flowing(): boolean {
    return this.active && this.link.ready;
  }

  onPacket(packet: RtpPacket, layer: number, keyframe: boolean, now: number): void {
    if (!this.#flowing) return;
    if (this.#target === undefined) this.#chooseTarget(now);
    if (layer !== this.#current) {
      if (layer !== this.#target || !keyframe) return;
      this.#current = layer;
      this.#needKeyframe = false;
      this.#rewriter.resync();
      this.#vp8?.resync();
      this.currentLayers = this.type === 'simulcast' ? { spatialLayer: layer, temporalLayer: 0 } : undefined;
      if (this.type === 'simulcast') this.emit('layerschange', this.currentLayers);
    } else if (this.#needKeyframe) {
      if (!keyframe) return;
      this.#needKeyframe = false;
      this.#rewriter.resync();
      this.#vp8?.resync();
    }
    const h = packet.header;
    if (packet.payload.length === 0) {
      this.#rewriter.drop(layer, h.sequenceNumber);
      return;
    }
    const { seq, ts } = this.#rewriter.rewrite(layer, h.sequenceNumber, h.timestamp, now);
    if (this.#timelinePending) this.#announceTimeline(ts, now);
    const extensions = [];
    for (const e of h.extensions) {
      const id = this.#extensionIds.get(e.id);
      if (id !== undefined) extensions.push({ id, payload: e.payload });
    }
    const out = new RtpHeader({
      payloadType: this.payloadType,
      sequenceNumber: seq,
      timestamp: ts,
      ssrc: this.ssrc,
      marker: h.marker,
      extension: extensions.length > 0,
      extensions,
    });
    const payload = this.#vp8 ? this.#vp8.rewrite(packet.payload) : packet.payload;
    const size = this.link.sendRtp(out, payload);
    this.#buffer.store(out, payload, now);
    this.#stats.packets++;
    this.#stats.bytes += size;
  }

  /** Periodic work from the transport: layer choice, switch retries, score. */
  tick(now: number): void {
    if (!this.#flowing || this.kind !== 'video') return;
    this.#chooseTarget(now);
    const waiting = this.#target !== undefined && (this.#target !== this.#current || this.#needKeyframe);
    if (waiting && now - this.#targetSince > SWITCH_RETRY_MS) {
      this.#targetSince = now;
      this.#requestKeyFrame(this.#target!, now);
    }
  }

  /**
   * Every report extends the line the flow's first report drew (timestamp = first + elapsed wall
   * time), so consecutive reports agree with each other: a reader re-syncing on each one (ffmpeg)
   * would otherwise move its timestamps back and forth by the event loop's jitter.
   */
  sendSenderReport(now: number): void {
    if (this.#stats.packets === 0 || !this.active || !this.#timeline) return;
    const elapsed = Math.round(((now - this.#timeline.at) * this.producer.clockRate) / 1000);
    this.link.sendRtcp(
      buildSr(this.ssrc, {
        ntp: ntpNow(),
        rtpTimestamp: (this.#timeline.ts + elapsed) >>> 0,
        packetCount: this.#stats.packets,
        octetCount: this.#stats.bytes,
      }),
    );
  }

  onNack(lost: number[], now: number): void {
    this.#stats.nackCount++;
    this.#stats.nackPackets += lost.length;
    for (const seq of lost) {
      const stored = this.#buffer.take(seq, now);
      if (!stored) continue;
      this.link.sendRtp(stored.header, stored.payload);
      this.#stats.retransmitted++;
    }
  }

  onKeyFrameRequest(kind: 'pli' | 'fir', now: number): void {
    if (kind === 'pli') this.#stats.pli++;
    else this.#stats.fir++;
    const layer = this.#target ?? this.#current;
    if (layer !== undefined) this.#requestKeyFrame(layer, now);
  }

  onReceiverReport(report: ReceiverReport, now: number): void {
    this.#stats.lost = report.totalLost;
    this.#stats.fractionLost = report.fractionLost;
    if (report.lsr) {
      const nowMiddle = Number((ntpNow() >> 16n) & 0xffffffffn);
      const rtt = ((nowMiddle - report.lsr - report.dlsr) >>> 0) / 65536;
      if (rtt < 10) this.#stats.rtt = rtt * 1000;
    }
    const score = Math.max(0, Math.round(10 - (report.fractionLost / 256) * 20));
    if (score !== this.score.score) {
      this.score = { score, producerScore: this.#producerScore(), producerScores: this.producer.score.map((s) => s.score) };
      this.emit('score', this.score);
    }
    // Short of bandwidth: persistent loss steps the layer down and holds it there a while.
    if (this.type !== 'simulcast') return;
    this.#congestedReports = report.fractionLost > CONGESTED_FRACTION ? this.#congestedReports + 1 : 0;
    if (this.#congestedReports >= 2 && this.#current !== undefined && this.#current > 0) {
      this.#congestedReports = 0;
      this.#maxLayerByLoss = this.#current - 1;
      this.#maxLayerUntil = now + STEP_DOWN_HOLD_MS;
      this.#chooseTarget(now);
    }
  }

  /** The transport just became able to carry media (DTLS connected): start with a keyframe. */
  onTransportReady(): void {
    this.#startFlow();
  }

  onProducerPause(): void {
    this.producerPaused = true;
    this.emit('producerpause');
  }

  onProducerResume(): void {
    this.producerPaused = false;
    this.#startFlow();
    this.emit('producerresume');
  }

  onProducerClose(): void {
    if (this.closed) return;
    this.#close();
    this.emit('producerclose');
    this.emit('close');
    this.removeAllListeners();
  }

  transportClosed(): void {
    if (this.closed) return;
    this.#close();
    this.emit('transportclose');
    this.emit('close');
    this.removeAllListeners();
  }

  async pause(): Promise<void> {
    this.paused = true;
  }

  async resume(): Promise<void> {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.#startFlow();
  }

  async setPreferredLayers(layers: ConsumerLayers): Promise<void> {
    if (this.type !== 'simulcast') return;
    const top = this.producer.streams.length - 1;
    this.preferredLayers = { spatialLayer: Math.max(0, Math.min(layers.spatialLayer, top)), temporalLayer: layers.temporalLayer ?? 0 };
    this.#maxLayerByLoss = Number.POSITIVE_INFINITY;
    this.#chooseTarget(performance.now());
  }

  async setPriority(priority: number): Promise<void> {
    this.priority = Math.max(1, Math.min(255, Math.round(priority)));
  }

  async requestKeyFrame(): Promise<void> {
    this.onKeyFrameRequest('pli', performance.now());
  }

  async getStats(): Promise<RtpStreamStat[]> {
    const s = this.#stats;
    const codec = this.rtpParameters.codecs[0]!;
    const own: RtpStreamStat = {
      type: 'outbound-rtp',
      timestamp: Date.now(),
      ssrc: this.ssrc,
      kind: this.kind,
      mimeType: codec.mimeType,
      packetsLost: s.lost,
      fractionLost: s.fractionLost,
      packetsDiscarded: 0,
      packetsRetransmitted: s.retransmitted,
      packetsRepaired: 0,
      nackCount: s.nackCount,
      nackPacketCount: s.nackPackets,
      pliCount: s.pli,
      firCount: s.fir,
      score: this.score.score,
      packetCount: s.packets,
      byteCount: s.bytes,
      bitrate: 0,
      roundTripTime: s.rtt,
    };
    const source = (await this.producer.getStats()).find((x) => x.ssrc === this.producer.streams[this.#current ?? 0]?.ssrc);
    return source ? [own, source] : [own];
  }

  close(): void {
    if (this.closed) return;
    this.#close();
    this.emit('close');
    this.removeAllListeners();
  }

  #close(): void {
    this.closed = true;
    this.producer.removeSink(this);
    this.#buffer.clear();
    this.onClosed(this);
  }

  // On resume, producer resume and transport connect (whichever comes last): the receiver needs
  // a keyframe to decode, so everything before the next one is dropped ("sync required"), and the
  // stream continues from the last sequence number and timestamp sent, without a jump.
  /**
   * A sender report just before the first packet of a flow, mapping that packet's timestamp to
   * now. A reader that syncs streams by sender reports (ffmpeg, a browser) then places the first
   * packets of audio and video on one timeline; packets it got before any report are placed on
   * each stream's own, and jump when the first periodic report arrives a second later.
   */
  #announceTimeline(ts: number, now: number): void {
    this.#timelinePending = false;
    this.#timeline = { at: now, ts };
    this.link.sendRtcp(buildSr(this.ssrc, { ntp: ntpNow(), rtpTimestamp: ts, packetCount: this.#stats.packets, octetCount: this.#stats.bytes }));
  }

  #startFlow(): void {
    if (!this.#flowing) return;
    this.#timelinePending = true;
    const now = performance.now();
    this.#rewriter.resync();
    this.#vp8?.resync();
    if (this.kind !== 'video') return;
    this.#needKeyframe = true;
    this.#target = undefined;
    this.#chooseTarget(now);
    if (this.#target !== undefined) {
      this.#targetSince = now;
      this.#requestKeyFrame(this.#target, now);
    }
  }

  #requestKeyFrame(layer: number, now: number): void {
    if (this.#flowing) this.producer.requestKeyFrameOn(layer, now);
  }

  #chooseTarget(now: number): void {
    if (this.kind !== 'video') {
      this.#target = 0;
      this.#current = 0;
      return;
    }
    if (this.type !== 'simulcast') {
      this.#target = 0;
      this.#current ??= 0;
      return;
    }
    if (now > this.#maxLayerUntil) this.#maxLayerByLoss = Number.POSITIVE_INFINITY;
    const cap = Math.min(this.preferredLayers?.spatialLayer ?? 0, this.#maxLayerByLoss);
    const activeLayers = this.producer.activeLayers(now);
    if (activeLayers.length === 0) return;
    const fitting = activeLayers.filter((l) => l <= cap);
    const target = fitting.length ? Math.max(...fitting) : Math.min(...activeLayers);
    if (target === this.#target) return;
    this.#target = target;
    this.#targetSince = now;
    if (target !== this.#current) this.#requestKeyFrame(target, now);
  }

  #producerScore(): number {
    const layer = this.#current ?? 0;
    return this.producer.score.find((s) => s.encodingIdx === layer)?.score ?? 0;
  }
}
