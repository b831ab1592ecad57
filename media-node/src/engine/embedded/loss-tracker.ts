// Sequence numbers missing from a publisher's stream, NACKed (RFC 4585) while a retransmission
// can still help. Without RTX the publisher resends on the media SSRC, so a repaired packet
// arrives as an out-of-order one and is forwarded in its original slot.
const MAX_AGE_MS = 1000;
const MAX_TRIES = 3;
const RETRY_MS = 120;
/** A larger jump is a restart or garbage, not loss worth asking for. */
const MAX_GAP = 300;

interface Missing {
  since: number;
  tries: number;
  lastAt: number;
}

export class LossTracker {
  readonly #missing = new Map<number, Missing>();
  repaired = 0;
  nackCount = 0;
  nackPacketCount = 0;

  /** `previousMax` is the highest sequence number before this packet. */
  onPacket(seq: number, previousMax: number, now: number): void {
    const delta = (seq - previousMax) & 0xffff;
    if (delta === 0) return;
    if (delta < 0x8000) {
      if (delta > MAX_GAP) {
        this.#missing.clear();
        return;
      }
      for (let s = (previousMax + 1) & 0xffff; s !== seq; s = (s + 1) & 0xffff) {
        this.#missing.set(s, { since: now, tries: 0, lastAt: -Infinity });
      }
    } else if (this.#missing.delete(seq)) {
      this.repaired++;
    }
  }

  /** What to NACK now; forgets what is too old or asked too often. */
  due(now: number): number[] {
    const out: number[] = [];
    for (const [seq, m] of this.#missing) {
      if (now - m.since > MAX_AGE_MS || m.tries >= MAX_TRIES) {
        this.#missing.delete(seq);
        continue;
      }
      if (now - m.lastAt < RETRY_MS) continue;
      m.tries++;
      m.lastAt = now;
      out.push(seq);
    }
    if (out.length) {
      this.nackCount++;
      this.nackPacketCount += out.length;
    }
    return out;
  }
}
