// A pipe consumer: its producer's every stream, unchanged but for SSRC and payload type, to
// another router (in this process or on another node) over a pipe transport. The pipe producer
// on the far side is created from this consumer's RTP parameters, so it looks like the original
// producer there (simulcast layers and all); the far side's consumers choose layers. Keyframe
// requests and NACKs from the far side come back here, per stream.
import { randomInt, randomUUID } from 'node:crypto';
import { RtpHeader, type RtpPacket } from 'werift';
import { Emitter } from '../emitter.ts';
import type { Consumer, ConsumerEvents, ConsumerScore, MediaKind, RtpParameters, RtpStreamStat } from '../types.ts';
import type { ConsumerLink } from './consumer.ts';
import { routerCodecParameters } from './ortc.ts';
import type { EmbeddedProducer, ProducerSink } from './producer.ts';
import { RetransmissionBuffer } from './retransmission-buffer.ts';
import type { ReceiverReport } from './rtcp.ts';

interface OutStream {
  ssrc: number;
  buffer: RetransmissionBuffer;
  packets: number;
  bytes: number;
  retransmitted: number;
  nackCount: number;
  pli: number;
}

/** The parameters the far side produces with: every stream of the producer, by SSRC. */
export function pipeParameters(producer: EmbeddedProducer, ssrcs: number[]): RtpParameters {
  const feedback = producer.kind === 'video' ? [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] : [];
  return {
    codecs: [routerCodecParameters(producer.mapping.routerCodec, feedback)],
    headerExtensions: [],
    encodings: ssrcs.map((ssrc) => ({ ssrc })),
    rtcp: { cname: `roomcast-pipe-${producer.id.slice(0, 8)}`, reducedSize: true },
  };
}

export class EmbeddedPipeConsumer extends Emitter<ConsumerEvents> implements Consumer, ProducerSink {
  readonly id = randomUUID();
  readonly producerId: string;
  readonly kind: MediaKind;
  readonly type: 'simple' | 'simulcast';
  readonly rtpParameters: RtpParameters;
  readonly ssrcs: number[];
  readonly priority = 1;
  readonly preferredLayers = undefined;
  readonly currentLayers = undefined;
  readonly score: ConsumerScore = { score: 10, producerScore: 10, producerScores: [] };
  readonly appData: Record<string, unknown>;
  closed = false;
  paused = false;
  producerPaused: boolean;
  readonly #streams: OutStream[];
  readonly #payloadType: number;

  constructor(
    readonly producer: EmbeddedProducer,
    private readonly link: ConsumerLink,
    appData: Record<string, unknown>,
    private readonly onClosed: (consumer: EmbeddedPipeConsumer) => void,
  ) {
    super();
    this.producerId = producer.id;
    this.kind = producer.kind;
    this.type = producer.type;
    this.appData = appData;
    this.producerPaused = producer.paused;
    this.ssrcs = producer.streams.map(() => randomInt(1, 0xffffffff));
    this.rtpParameters = pipeParameters(producer, this.ssrcs);
    this.#payloadType = this.rtpParameters.codecs[0]!.payloadType;
    this.#streams = this.ssrcs.map((ssrc) => ({ ssrc, buffer: new RetransmissionBuffer(), packets: 0, bytes: 0, retransmitted: 0, nackCount: 0, pli: 0 }));
    producer.addSink(this);
  }

  onPacket(packet: RtpPacket, layer: number, _keyframe: boolean, now: number): void {
    if (this.paused || this.producerPaused || this.closed || !this.link.ready) return;
    const out = this.#streams[layer];
    if (!out) return;
    const h = packet.header;
    const header = new RtpHeader({ payloadType: this.#payloadType, sequenceNumber: h.sequenceNumber, timestamp: h.timestamp, ssrc: out.ssrc, marker: h.marker });
    const size = this.link.sendRtp(header, packet.payload);
    out.buffer.store(header, packet.payload, now);
    out.packets++;
    out.bytes += size;
  }

  onNack(lost: number[], now: number, ssrc?: number): void {
    const out = this.#streams.find((s) => s.ssrc === ssrc);
    if (!out) return;
    out.nackCount++;
    for (const seq of lost) {
      const stored = out.buffer.take(seq, now);
      if (!stored) continue;
      this.link.sendRtp(stored.header, stored.payload);
      out.retransmitted++;
    }
  }

  onKeyFrameRequest(_kind: 'pli' | 'fir', now: number, ssrc?: number): void {
    const layer = this.#streams.findIndex((s) => s.ssrc === ssrc);
    if (layer < 0) return;
    this.#streams[layer]!.pli++;
    this.producer.requestKeyFrameOn(layer, now);
  }

  onReceiverReport(_report: ReceiverReport, _now: number): void {}

  /** The far side asks for keyframes itself when its consumers need them. */
  onTransportReady(): void {}

  tick(_now: number): void {}

  /** Sender reports come from the far side's own consumers, each on its own timeline. */
  sendSenderReport(_now: number): void {}

  onProducerPause(): void {
    this.producerPaused = true;
    this.emit('producerpause');
  }

  onProducerResume(): void {
    this.producerPaused = false;
    this.emit('producerresume');
  }

  onProducerClose(): void {
    this.#close('producerclose');
  }

  transportClosed(): void {
    this.#close('transportclose');
  }

  close(): void {
    this.#close(undefined);
  }

  async pause(): Promise<void> {
    this.paused = true;
  }

  async resume(): Promise<void> {
    this.paused = false;
  }

  async setPreferredLayers(): Promise<void> {}

  async setPriority(): Promise<void> {}

  async requestKeyFrame(): Promise<void> {
    for (let layer = 0; layer < this.#streams.length; layer++) this.producer.requestKeyFrameOn(layer);
  }

  async getStats(): Promise<RtpStreamStat[]> {
    const mimeType = this.rtpParameters.codecs[0]!.mimeType;
    return this.#streams.map((s) => ({
      type: 'outbound-rtp' as const,
      timestamp: Date.now(),
      ssrc: s.ssrc,
      kind: this.kind,
      mimeType,
      packetsLost: 0,
      fractionLost: 0,
      packetsDiscarded: 0,
      packetsRetransmitted: s.retransmitted,
      packetsRepaired: 0,
      nackCount: s.nackCount,
      nackPacketCount: 0,
      pliCount: s.pli,
      firCount: 0,
      score: 10,
      packetCount: s.packets,
      byteCount: s.bytes,
      bitrate: 0,
    }));
  }

  #close(event: 'producerclose' | 'transportclose' | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.producer.removeSink(this);
    this.onClosed(this);
    if (event) this.emit(event);
    this.emit('close');
    this.removeAllListeners();
  }
}
