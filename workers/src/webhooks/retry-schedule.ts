// When a failed delivery is tried again. Exponential backoff from the base (30 s by default, so
// the first retry comes within a minute) doubling to at most 12 hours, with +-20 % jitter so
// endpoints that failed together are not retried in lockstep. 16 retries span about 3 days with
// the default base; after the last one the delivery has failed for good.
export const MAX_ATTEMPTS = 17;
const MAX_DELAY_MS = 12 * 3600_000;
/** A Retry-After longer than this is not honoured as such: the schedule's own delay applies. */
const MAX_RETRY_AFTER_MS = 24 * 3600_000;

/** Delay before attempt `attempts + 1`, after `attempts` failed ones; null when none is left. */
export function retryDelayMs(attempts: number, baseMs: number, retryAfterMs: number | null, random = Math.random): number | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  const backoff = Math.min(baseMs * 2 ** (attempts - 1), MAX_DELAY_MS) * (0.8 + 0.4 * random());
  const honoured = retryAfterMs !== null && retryAfterMs <= MAX_RETRY_AFTER_MS ? retryAfterMs : 0;
  return Math.round(Math.max(backoff, honoured));
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
