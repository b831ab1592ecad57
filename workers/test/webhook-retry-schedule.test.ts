// The retry schedule promised in the API document: first retry within a minute, exponential with
// jitter, about three days in all, and Retry-After honoured.
import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, parseRetryAfter, retryDelayMs } from '../src/webhooks/retry-schedule.ts';

const BASE = 30_000; // the production default

describe('webhook retry schedule', () => {
  it('retries first within a minute and gives up after about three days', () => {
    for (const r of [0, 0.5, 0.999]) expect(retryDelayMs(1, BASE, null, () => r)!).toBeLessThan(60_000);
    const total = (r: number) => Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryDelayMs(i + 1, BASE, null, () => r)!).reduce((a, b) => a + b, 0);
    expect(total(0.5) / 3600_000).toBeGreaterThan(60);
    expect(total(0.5) / 3600_000).toBeLessThan(90);
    expect(retryDelayMs(MAX_ATTEMPTS, BASE, null)).toBeNull();
  });

  it('grows exponentially with jitter of at most 20 %', () => {
    expect(retryDelayMs(2, BASE, null, () => 0.5)).toBe(2 * retryDelayMs(1, BASE, null, () => 0.5)!);
    expect(retryDelayMs(3, BASE, null, () => 0)).toBe(0.8 * 4 * BASE);
    expect(retryDelayMs(3, BASE, null, () => 1)).toBe(1.2 * 4 * BASE);
  });

  it('honours Retry-After (seconds or HTTP date) when it asks for longer', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter(new Date(90_000).toUTCString(), 0)).toBe(90_000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(retryDelayMs(1, BASE, 120_000, () => 0.5)).toBe(120_000);
    expect(retryDelayMs(1, BASE, 1_000, () => 0.5)).toBe(BASE);
  });
});
