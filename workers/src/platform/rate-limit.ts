// Sliding-window rate limits in Redis (Upstash), as Upstash's own ratelimit does: the current
// window's count plus the previous window's, weighted by how much of it still overlaps. Unlike a
// fixed window, a burst cannot double the limit by straddling a window boundary. One round trip.
import type { Redis } from '@upstash/redis/cloudflare';
import { ApiError } from '../errors.ts';

export interface RateLimitState {
  limit: number;
  /** Requests left in the sliding window (never negative). */
  remaining: number;
  /** Seconds until the current window ends. */
  resetSeconds: number;
  windowSeconds: number;
  allowed: boolean;
}

/** Counts one request against the bucket and says where it stands. */
export async function countRateLimit(redis: Redis, bucket: string, limit: number, windowSeconds: number): Promise<RateLimitState> {
  const now = Date.now() / 1000;
  const window = Math.floor(now / windowSeconds);
  const currentKey = `ratelimit:${bucket}:${window}`;
  const previousKey = `ratelimit:${bucket}:${window - 1}`;
  const [current, , previous] = await redis
    .pipeline()
    .incr(currentKey)
    .expire(currentKey, windowSeconds * 2)
    .get<number>(previousKey)
    .exec<[number, unknown, number | null]>();
  const overlap = 1 - (now / windowSeconds - window);
  const used = current + (previous ?? 0) * overlap;
  return {
    limit,
    remaining: Math.max(0, Math.floor(limit - used)),
    resetSeconds: Math.max(1, Math.ceil((window + 1) * windowSeconds - now)),
    windowSeconds,
    allowed: used <= limit,
  };
}

export async function enforceRateLimit(
  redis: Redis,
  bucket: string,
  limit: number,
  windowSeconds: number,
  message = 'Too many attempts; try again in a minute',
): Promise<RateLimitState> {
  const state = await countRateLimit(redis, bucket, limit, windowSeconds);
  if (!state.allowed) {
    throw new ApiError(429, 'rate_limited', message, {
      retryAfterSeconds: windowSeconds,
    });
  }
  return state;
}
