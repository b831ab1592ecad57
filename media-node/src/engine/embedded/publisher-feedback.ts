// What a transport tells the publishers on it: transport-wide CC feedback every tick, and once a
// second receiver reports plus a REMB capped at the transport's maximum incoming bitrate.
import type { RtpPacket } from 'werift';
import type { EmbeddedProducer } from './producer.ts';
import type { RecvStream } from './recv-stream.ts';
import { type ReceiverReport, buildRemb, buildRr } from './rtcp.ts';
import { TwccFeedback } from './twcc-feedback.ts';

const MAX_REPORTS = 31; // RC is 5 bits

export class PublisherFeedback {
  readonly #twcc: TwccFeedback;
  #twccExtensionId: number | undefined;

  constructor(private readonly rtcpSsrc: number) {
    this.#twcc = new TwccFeedback(rtcpSsrc);
  }

  /** The header extension id the publisher puts transport-wide sequence numbers in. */
  useTransportCcExtension(id: number): void {
    this.#twccExtensionId = id;
  }

  onRtp(packet: RtpPacket): void {
    if (this.#twccExtensionId === undefined) return;
    for (const e of packet.header.extensions) {
      if (e.id === this.#twccExtensionId && e.payload.length >= 2) {
        this.#twcc.onPacket(e.payload.readUInt16BE(0));
        return;
      }
    }
  }

  transportCc(mediaSsrc: number): Buffer | undefined {
    return this.#twcc.build(mediaSsrc);
  }

  reports(streams: Iterable<[number, { producer: EmbeddedProducer; stream: RecvStream }]>, maxIncomingBitrate: number, now: number): Buffer | undefined {
    const reports: ReceiverReport[] = [];
    const video: number[] = [];
    for (const [ssrc, { producer, stream }] of streams) {
      if (stream.baseSeq === undefined) continue;
      if (producer.kind === 'video') video.push(ssrc);
      reports.push({
        ssrc,
        fractionLost: 0,
        totalLost: stream.lost,
        highestSeq: stream.extendedMaxSeq,
        jitter: 0,
        lsr: stream.lastSrMiddle,
        dlsr: stream.lastSrAt ? Math.round(((now - stream.lastSrAt) / 1000) * 65536) : 0,
      });
    }
    if (reports.length === 0) return undefined;
    const parts = [buildRr(this.rtcpSsrc, reports.slice(0, MAX_REPORTS))];
    if (video.length) parts.push(buildRemb(this.rtcpSsrc, maxIncomingBitrate, video));
    return Buffer.concat(parts);
  }
}
