// Configuration is parsed once per isolate from the bindings, with a schema; nothing else in the
// Worker reads `env.X` strings. Local and production differ only in these values.
import { z } from 'zod';
import type { Env } from './env.ts';

const intFrom = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const ConfigSchema = z.object({
  APP_ENV: z.enum(['development', 'test', 'production']).default('production'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  // Local only: route the Neon driver's WebSocket through our proxy to a plain Postgres.
  NEON_WS_PROXY: z.string().min(1).optional(),
  UPSTASH_REDIS_REST_URL: z.url(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1),
  ROOM_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters'),
  PUBLIC_URL: z.url().optional(),
  SESSION_TTL_HOURS: intFrom(24 * 30),
  ROOM_TOKEN_TTL_SECONDS: intFrom(15 * 60),
  AUTH_RATE_LIMIT_PER_IP: intFrom(30),
  AUTH_RATE_LIMIT_PER_EMAIL: intFrom(10),
  PUBLIC_JOIN_RATE_LIMIT_PER_IP: intFrom(60),
  ROOM_CHAT_HISTORY: intFrom(500),
  ROOM_CHAT_RATE_PER_10S: intFrom(10),
  ROOM_HEARTBEAT_SECONDS: intFrom(15),
  ROOM_RESUME_WINDOW_SECONDS: intFrom(30),
  ROOM_EMPTY_TIMEOUT_SECONDS: intFrom(300),
  ROOM_PLAN_CACHE_SECONDS: intFrom(30),
});

export interface Config {
  env: 'development' | 'test' | 'production';
  databaseUrl: string;
  neonWsProxy: string | undefined;
  redis: { url: string; token: string };
  roomTokenSecret: Uint8Array;
  publicUrl: string | undefined;
  sessionTtlMs: number;
  roomTokenTtlSeconds: number;
  /** Attempts per minute on signup and login. */
  authRateLimit: { perIp: number; perEmail: number };
  /** Anonymous joins of public rooms per minute from one address. */
  publicJoinRateLimitPerIp: number;
  room: RoomConfig;
}

export interface RoomConfig {
  /** Chat messages each room keeps; older ones are deleted. */
  chatHistory: number;
  /** Chat messages one participant may send per 10 seconds. */
  chatRatePer10s: number;
  /** How often clients ping; a connection silent for three intervals is dropped. */
  heartbeatMs: number;
  /** How long a dropped participant may come back with their resumeId before they have left. */
  resumeWindowMs: number;
  /** How long a room may stay empty before the alarm closes it. */
  emptyTimeoutMs: number;
  /** How long the RoomDO trusts the plan it read for the viewers limit. */
  planCacheMs: number;
}

let cached: { env: Env; config: Config } | undefined;

export function loadConfig(env: Env): Config {
  if (cached?.env === env) return cached.config;
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid Worker configuration: ${problems}`);
  }
  const v = parsed.data;
  const config: Config = {
    env: v.APP_ENV,
    databaseUrl: v.DATABASE_URL,
    neonWsProxy: v.NEON_WS_PROXY,
    redis: { url: v.UPSTASH_REDIS_REST_URL, token: v.UPSTASH_REDIS_REST_TOKEN },
    roomTokenSecret: new TextEncoder().encode(v.ROOM_TOKEN_SECRET),
    publicUrl: v.PUBLIC_URL,
    sessionTtlMs: v.SESSION_TTL_HOURS * 3600_000,
    roomTokenTtlSeconds: v.ROOM_TOKEN_TTL_SECONDS,
    authRateLimit: { perIp: v.AUTH_RATE_LIMIT_PER_IP, perEmail: v.AUTH_RATE_LIMIT_PER_EMAIL },
    publicJoinRateLimitPerIp: v.PUBLIC_JOIN_RATE_LIMIT_PER_IP,
    room: {
      chatHistory: v.ROOM_CHAT_HISTORY,
      chatRatePer10s: v.ROOM_CHAT_RATE_PER_10S,
      heartbeatMs: v.ROOM_HEARTBEAT_SECONDS * 1000,
      resumeWindowMs: v.ROOM_RESUME_WINDOW_SECONDS * 1000,
      emptyTimeoutMs: v.ROOM_EMPTY_TIMEOUT_SECONDS * 1000,
      planCacheMs: v.ROOM_PLAN_CACHE_SECONDS * 1000,
    },
  };
  cached = { env, config };
  return config;
}
