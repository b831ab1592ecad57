// Rewrites sequence numbers and timestamps of a consumer's outgoing stream so it stays continuous
// when the source changes (simulcast layer switch, producer pause) and when packets are dropped
// (padding-only probes): the receiver sees one stream with no gaps and no jumps.
import { randomInt } from 'node:crypto';

const isNewer = (a: number, b: number) => a !== b && ((a - b) & 0xffff) < 0x8000;

export class SeqRewriter {
  #seqOffset = 0;
  #tsOffset = 0;
  #source: number | undefined;
  #maxInSeq = 0;
  lastSeq = randomInt(0, 0x8000);
  lastTs = randomInt(0, 0x7fffffff);
  #lastAt = 0;

  constructor(private readonly clockRate: number) {}

  /** The next packet starts a new source (or the old one after a pause): re-anchor there. */
  resync(): void {
    this.#source = undefined;
  }

  rewrite(source: number, seq: number, ts: number, now: number): { seq: number; ts: number } {
    if (this.#source !== source) {
      const elapsedTicks = this.#lastAt ? Math.max(1, Math.round(((now - this.#lastAt) * this.clockRate) / 1000)) : 1;
      this.#seqOffset = (this.lastSeq + 1 - seq) & 0xffff;
      this.#tsOffset = (this.lastTs + elapsedTicks - ts) >>> 0;
      this.#source = source;
      this.#maxInSeq = seq;
    }
    if (isNewer(seq, this.#maxInSeq)) this.#maxInSeq = seq;
    const out = { seq: (seq + this.#seqOffset) & 0xffff, ts: (ts + this.#tsOffset) >>> 0 };
    if (isNewer(out.seq, this.lastSeq) || out.seq === ((this.lastSeq + 1) & 0xffff)) {
      this.lastSeq = out.seq;
      this.lastTs = out.ts;
      this.#lastAt = now;
    }
    return out;
  }

  /** A packet of the current source was dropped: close the gap it would leave. */
  drop(source: number, seq: number): void {
    if (this.#source !== source || !isNewer(seq, this.#maxInSeq)) return;
    this.#maxInSeq = seq;
    this.#seqOffset = (this.#seqOffset - 1) & 0xffff;
  }
}
