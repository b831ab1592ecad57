// A sliding-window counter per key, in memory: at most `limit` hits per `windowMs`. Losing it on
// eviction only forgives a few seconds of history.

/** Above this many keys, keys whose window has passed are dropped on the next hit. */
const PRUNE_ABOVE = 5_000;

export class RateWindow {
  #hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Records a hit and returns 0, or (window full) records nothing and returns the ms to wait. */
  take(key: string, now: number): number {
    const recent = (this.#hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.limit) {
      this.#hits.set(key, recent);
      return this.windowMs - (now - recent[0]!);
    }
    recent.push(now);
    this.#hits.set(key, recent);
    if (this.#hits.size > PRUNE_ABOVE) this.#prune(now);
    return 0;
  }

  #prune(now: number): void {
    for (const [key, hits] of this.#hits) if (hits.every((t) => now - t >= this.windowMs)) this.#hits.delete(key);
  }
}
