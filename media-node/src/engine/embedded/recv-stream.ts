// One stream a publisher sends (one simulcast layer): what arrived, what was lost (RFC 3550
// extended sequence numbers), bitrate, and the keyframe requests made for it.
import { LossTracker } from './loss-tracker.ts';

/** A layer counts as flowing if a packet arrived this recently. */
const ACTIVE_WINDOW_MS = 1500;

export class RecvStream {
  ssrc: number | undefined;
  packets = 0;
  bytes = 0;
  paddingPackets = 0;
  discarded = 0;
  lastPacketAt = 0;
  baseSeq: number | undefined;
  cycles = 0;
  maxSeq = 0;
  expectedPrior = 0;
  receivedPrior = 0;
  lastSrMiddle = 0;
  lastSrAt = 0;
  lastKeyframeRequestAt = -Infinity;
  lastKeyframeAt = -Infinity;
  deferredRequest: NodeJS.Timeout | undefined;
  pliCount = 0;
  firCount = 0;
  firSeq = 0;
  readonly loss = new LossTracker();
  #bitrateWindow: { at: number; bytes: number }[] = [];

  constructor(
    readonly layer: number,
    readonly rid: string | undefined,
    ssrc: number | undefined,
  ) {
    this.ssrc = ssrc;
  }

  record(seq: number, size: number, now: number): void {
    this.packets++;
    this.bytes += size;
    this.lastPacketAt = now;
    this.#bitrateWindow.push({ at: now, bytes: size });
    if (this.#bitrateWindow.length > 2000) this.#bitrateWindow.splice(0, 1000);
    if (this.baseSeq === undefined) {
      this.baseSeq = seq;
      this.maxSeq = seq;
      return;
    }
    this.loss.onPacket(seq, this.maxSeq, now);
    const delta = (seq - this.maxSeq) & 0xffff;
    if (delta > 0 && delta < 0x8000) {
      if (seq < this.maxSeq) this.cycles += 0x10000;
      this.maxSeq = seq;
    }
  }

  get extendedMaxSeq(): number {
    return this.cycles + this.maxSeq;
  }

  get expected(): number {
    return this.baseSeq === undefined ? 0 : this.extendedMaxSeq - this.baseSeq + 1;
  }

  get lost(): number {
    return Math.max(0, this.expected - this.packets);
  }

  bitrate(now: number): number {
    const from = now - 1000;
    let bytes = 0;
    for (let i = this.#bitrateWindow.length - 1; i >= 0 && this.#bitrateWindow[i]!.at >= from; i--) bytes += this.#bitrateWindow[i]!.bytes;
    return bytes * 8;
  }

  active(now: number): boolean {
    return now - this.lastPacketAt < ACTIVE_WINDOW_MS && this.packets > 0;
  }
}
