// Per-participant send limits, in memory: a sliding 10-second window for rate, and the time of the
// last message for slow mode. Losing them on eviction only forgives a few seconds of history.
import { ProtocolError } from '@roomcast/schema/protocol';

const WINDOW_MS = 10_000;

export class ChatLimits {
  #sent = new Map<string, number[]>();

  constructor(private readonly perWindow: number) {}

  /** Throws rate_limited or slow_mode; records the send when allowed. */
  check(identity: string, now: number, slowModeSeconds: number): void {
    const recent = (this.#sent.get(identity) ?? []).filter((t) => now - t < WINDOW_MS);
    const last = recent.at(-1);
    if (slowModeSeconds > 0 && last !== undefined && now - last < slowModeSeconds * 1000) {
      const wait = Math.ceil((slowModeSeconds * 1000 - (now - last)) / 1000);
      throw new ProtocolError('slow_mode', `Slow mode is on: one message every ${slowModeSeconds} s; wait ${wait} s`);
    }
    if (recent.length >= this.perWindow) {
      const wait = Math.ceil((WINDOW_MS - (now - recent[0]!)) / 1000);
      throw new ProtocolError('rate_limited', `At most ${this.perWindow} messages per 10 seconds; wait ${wait} s`);
    }
    recent.push(now);
    this.#sent.set(identity, recent);
  }

  forget(identity: string): void {
    this.#sent.delete(identity);
  }
}
