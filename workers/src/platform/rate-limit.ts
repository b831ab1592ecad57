// Sliding-window rate limits in Redis (Upstash), as Upstash's own ratelimit does: the current
// window's count plus the previous window's, weighted by how much of it still overlaps. Unlike a
// fixed window, a burst cannot double the limit by straddling a window boundary. One round trip.
import type { Redis } from '@upstash/redis/cloudflare';
import { ApiError } from '../errors.ts';

export async function enforceRateLimit(
  redis: Redis,
  bucket: string,
  limit: number,
  windowSeconds: number,
  message = 'Too many attempts; try again in a minute',
): Promise<void> {
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
  if (current + (previous ?? 0) * overlap > limit) {
    throw new ApiError(429, 'rate_limited', message, {
      retryAfterSeconds: windowSeconds,
    });
  }
}
