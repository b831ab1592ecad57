// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01)
// for what a publisher sends us. Without it Chrome's bandwidth estimate ramps slowly and the top
// simulcast layer takes tens of seconds to appear.

const MAX_PACKETS_PER_FEEDBACK = 1000;

export class TwccFeedback {
  /** Unwrapped sequence number -> arrival time in µs. */
  #arrivals = new Map<number, number>();
  #nextBase: number | undefined;
  #maxSeen = -1;
  #lastUnwrapped = -1;
  #fbCount = 0;

  constructor(
    private readonly senderSsrc: number,
    private readonly now: () => number = () => performance.now() * 1000,
  ) {}

  onPacket(wireSeq: number): void {
    const seq = this.#unwrap(wireSeq);
    if (this.#nextBase === undefined) this.#nextBase = seq;
    if (seq < this.#nextBase) return; // already reported
    this.#arrivals.set(seq, this.now());
    if (seq > this.#maxSeen) this.#maxSeen = seq;
  }

  /** One feedback packet for everything since the last one, or undefined if nothing arrived. */
  build(mediaSsrc: number): Buffer | undefined {
    if (this.#nextBase === undefined || this.#arrivals.size === 0) return undefined;
    const base = this.#nextBase;
    const last = Math.min(this.#maxSeen, base + MAX_PACKETS_PER_FEEDBACK - 1);
    let firstArrival: number | undefined;
    for (let s = base; s <= last; s++) {
      const t = this.#arrivals.get(s);
      if (t !== undefined) {
        firstArrival = t;
        break;
      }
    }
    if (firstArrival === undefined) return undefined;
    const refTime = Math.floor(firstArrival / 64_000); // 64 ms units
    let previous = refTime * 64_000;
    const symbols: number[] = [];
    const deltas: number[] = [];
    for (let s = base; s <= last; s++) {
      const t = this.#arrivals.get(s);
      if (t === undefined) {
        symbols.push(0);
        continue;
      }
      const delta = Math.round((t - previous) / 250);
      previous += delta * 250;
      if (delta >= 0 && delta <= 255) symbols.push(1);
      else symbols.push(2);
      deltas.push(Math.max(-32768, Math.min(32767, delta)));
    }
    for (let s = base; s <= last; s++) this.#arrivals.delete(s);
    this.#nextBase = last + 1;

    const chunks = encodeChunks(symbols);
    const deltaBytes = symbols.reduce((n, sym) => n + (sym === 1 ? 1 : sym === 2 ? 2 : 0), 0);
    const bodyLength = 8 + 8 + chunks.length * 2 + deltaBytes;
    const padded = Math.ceil(bodyLength / 4) * 4;
    const buf = Buffer.alloc(4 + padded);
    buf[0] = 0x80 | 15 | (padded !== bodyLength ? 0x20 : 0);
    buf[1] = 205;
    buf.writeUInt16BE((4 + padded) / 4 - 1, 2);
    buf.writeUInt32BE(this.senderSsrc >>> 0, 4);
    buf.writeUInt32BE(mediaSsrc >>> 0, 8);
    buf.writeUInt16BE(base & 0xffff, 12);
    buf.writeUInt16BE(symbols.length, 14);
    buf.writeUIntBE(refTime & 0xffffff, 16, 3);
    buf[19] = this.#fbCount++ & 0xff;
    let o = 20;
    for (const c of chunks) {
      buf.writeUInt16BE(c, o);
      o += 2;
    }
    let d = 0;
    for (const sym of symbols) {
      if (sym === 0) continue;
      const delta = deltas[d++]!;
      if (sym === 1) buf[o++] = delta;
      else {
        buf.writeInt16BE(delta, o);
        o += 2;
      }
    }
    if (padded !== bodyLength) buf[buf.length - 1] = padded - bodyLength;
    return buf;
  }

  #unwrap(seq: number): number {
    if (this.#lastUnwrapped < 0) {
      this.#lastUnwrapped = seq;
      return seq;
    }
    const lastWire = this.#lastUnwrapped & 0xffff;
    let diff = seq - lastWire;
    if (diff > 0x8000) diff -= 0x10000;
    else if (diff < -0x8000) diff += 0x10000;
    const unwrapped = this.#lastUnwrapped + diff;
    if (unwrapped > this.#lastUnwrapped) this.#lastUnwrapped = unwrapped;
    return unwrapped;
  }
}

/** Run-length chunks where a run is long, two-bit status vectors (7 symbols) otherwise. */
function encodeChunks(symbols: number[]): number[] {
  const chunks: number[] = [];
  let i = 0;
  while (i < symbols.length) {
    let run = 1;
    while (i + run < symbols.length && symbols[i + run] === symbols[i] && run < 0x1fff) run++;
    if (run >= 7) {
      chunks.push((symbols[i]! << 13) | run);
      i += run;
      continue;
    }
    let chunk = 0xc000;
    for (let k = 0; k < 7; k++) chunk |= (symbols[i + k] ?? 0) << (12 - 2 * k);
    chunks.push(chunk);
    i += 7;
  }
  return chunks;
}
