import { Redis } from '@upstash/redis/cloudflare';
import type { Config } from '../config.ts';

export function createRedis(config: Config): Redis {
  return new Redis({ url: config.redis.url, token: config.redis.token, retry: false });
}
