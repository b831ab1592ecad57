// Fixed-window rate limits in Redis (Upstash). One round trip: a pipeline that creates the window
// key with its expiry if missing, then counts.
import type { Redis } from '@upstash/redis/cloudflare';
import { ApiError } from '../errors.ts';

export async function enforceRateLimit(
  redis: Redis,
  bucket: string,
  limit: number,
  windowSeconds: number,
): Promise<void> {
  const key = `ratelimit:${bucket}:${Math.floor(Date.now() / 1000 / windowSeconds)}`;
  const [, count] = await redis.pipeline().set(key, 0, { nx: true, ex: windowSeconds }).incr(key).exec<[unknown, number]>();
  if (count > limit) {
    throw new ApiError(429, 'rate_limited', 'Too many attempts; try again in a minute', {
      retryAfterSeconds: windowSeconds,
    });
  }
}
