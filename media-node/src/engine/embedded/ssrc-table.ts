// Who each SSRC on a transport belongs to: the publisher's streams (signaled by SSRC, or learned
// from the MID and RID header extensions of the first packets for simulcast by RID) and the
// consumers; and the delivery of RTCP to them.
import type { RtpPacket } from 'werift';
import { EngineError } from '../errors.ts';
import { EXT } from './capabilities.ts';
import type { EmbeddedProducer } from './producer.ts';
import type { RecvStream } from './recv-stream.ts';
import type { ReceiverReport, RtcpMessage } from './rtcp.ts';

/** A consumer as the table sees it: the SSRCs it sends (a pipe consumer sends one per layer). */
export interface SsrcConsumer {
  readonly ssrcs: readonly number[];
  onReceiverReport(report: ReceiverReport, now: number): void;
  onNack(lost: number[], now: number, ssrc: number): void;
  onKeyFrameRequest(kind: 'pli' | 'fir', now: number, ssrc: number): void;
}

export interface StreamEntry {
  producer: EmbeddedProducer;
  stream: RecvStream;
}

export class SsrcTable {
  readonly streams = new Map<number, StreamEntry>();
  readonly #consumers = new Map<number, SsrcConsumer>();
  readonly #producers = new Set<EmbeddedProducer>();

  addProducer(producer: EmbeddedProducer): void {
    for (const s of producer.streams) {
      if (s.ssrc !== undefined && this.streams.has(s.ssrc)) throw new EngineError('invalid_parameters', `ssrc ${s.ssrc} already in use`);
    }
    for (const stream of producer.streams) if (stream.ssrc !== undefined) this.streams.set(stream.ssrc, { producer, stream });
    this.#producers.add(producer);
  }

  removeProducer(producer: EmbeddedProducer): void {
    this.#producers.delete(producer);
    for (const [ssrc, entry] of this.streams) if (entry.producer === producer) this.streams.delete(ssrc);
  }

  addConsumer(consumer: SsrcConsumer): void {
    for (const ssrc of consumer.ssrcs) this.#consumers.set(ssrc, consumer);
  }

  removeConsumer(consumer: SsrcConsumer): void {
    for (const ssrc of consumer.ssrcs) this.#consumers.delete(ssrc);
  }

  /** Some publisher stream's SSRC, as the media source of transport-wide feedback. */
  get anyStreamSsrc(): number | undefined {
    return this.streams.keys().next().value;
  }

  streamFor(packet: RtpPacket): StreamEntry | undefined {
    return this.streams.get(packet.header.ssrc) ?? this.#learn(packet);
  }

  deliver(m: RtcpMessage, now: number): void {
    switch (m.type) {
      case 'sr': {
        const entry = this.streams.get(m.ssrc);
        entry?.producer.onSenderReport(entry.stream, m.ntp, now);
        return;
      }
      case 'rr':
        for (const r of m.reports) this.#consumers.get(r.ssrc)?.onReceiverReport(r, now);
        return;
      case 'nack':
        this.#consumers.get(m.mediaSsrc)?.onNack(m.lost, now, m.mediaSsrc);
        return;
      case 'pli':
        this.#consumers.get(m.mediaSsrc)?.onKeyFrameRequest('pli', now, m.mediaSsrc);
        return;
      case 'fir':
        for (const ssrc of m.mediaSsrcs) this.#consumers.get(ssrc)?.onKeyFrameRequest('fir', now, ssrc);
        return;
      case 'remb':
        // Receiver-side estimates from consumers are not used: no send-side estimation yet.
        return;
    }
  }

  #learn(packet: RtpPacket): StreamEntry | undefined {
    for (const producer of this.#producers) {
      let mid: string | undefined;
      let rid: string | undefined;
      for (const e of packet.header.extensions) {
        const uri = producer.mapping.extensionUris.get(e.id);
        if (uri === EXT.mid) mid = e.payload.toString('latin1');
        else if (uri === EXT.rid) rid = e.payload.toString('latin1');
      }
      if (mid === undefined || mid !== producer.rtpParameters.mid) continue;
      const stream = rid !== undefined ? producer.streams.find((s) => s.rid === rid) : producer.streams.length === 1 ? producer.streams[0] : undefined;
      if (!stream || stream.ssrc !== undefined) return undefined;
      stream.ssrc = packet.header.ssrc;
      const entry = { producer, stream };
      this.streams.set(packet.header.ssrc, entry);
      return entry;
    }
    return undefined;
  }
}
