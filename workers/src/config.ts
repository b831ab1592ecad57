// Configuration is parsed once per isolate from the bindings, with a schema; nothing else in the
// Worker reads `env.X` strings. Local and production differ only in these values.
import { z } from 'zod';
import type { PlanId } from '@roomcast/schema';
import type { Env } from './env.ts';
import type { MailConfig } from './mail/mailer.ts';
import type { TurnConfig } from './rooms/turn-credentials.ts';

const MIB = 1024 * 1024;
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
  // The web app's public origin (Stripe Checkout/Portal return there); default PUBLIC_URL.
  WEB_URL: z.url().optional(),
  SESSION_TTL_HOURS: intFrom(24 * 30),
  ROOM_TOKEN_TTL_SECONDS: intFrom(15 * 60),
  AUTH_RATE_LIMIT_PER_IP: intFrom(30),
  AUTH_RATE_LIMIT_PER_EMAIL: intFrom(10),
  // Accounts per client network per hour: each signup is a new organization with a trial.
  SIGNUP_RATE_LIMIT_PER_IP_PER_HOUR: intFrom(10),
  PUBLIC_JOIN_RATE_LIMIT_PER_IP: intFrom(60),
  // Requests per minute of one signed-in user and of one API key on the authenticated API.
  API_RATE_LIMIT_PER_USER: intFrom(300),
  API_RATE_LIMIT_PER_KEY: intFrom(600),
  // Requests per minute of one client network without a valid credential (public pages, sockets, bad tokens).
  API_RATE_LIMIT_PER_ANONYMOUS_CLIENT: intFrom(600),
  // New organizations: per user per hour, and how many trial or canceled ones a user may own.
  ORG_CREATE_RATE_LIMIT_PER_HOUR: intFrom(5),
  MAX_UNPAID_ORGS_PER_USER: intFrom(3),
  TRIAL_DAYS: intFrom(14),
  ROOM_CHAT_HISTORY: intFrom(500),
  ROOM_CHAT_RATE_PER_10S: intFrom(10),
  ROOM_HEARTBEAT_SECONDS: intFrom(15),
  ROOM_RESUME_WINDOW_SECONDS: intFrom(30),
  ROOM_EMPTY_TIMEOUT_SECONDS: intFrom(300),
  ROOM_PLAN_CACHE_SECONDS: intFrom(30),
  // A media node whose room socket stays silent (no keepalive, no frame) this long is lost; nodes
  // send a keepalive every second (NODE_KEEPALIVE_INTERVAL_MS), so 3 s tolerates a 2 s stall.
  ROOM_NODE_SILENCE_MS: z.coerce.number().int().min(500).default(3_000),
  // Fan-out shards (rooms/fanout/): a room keeps every socket itself up to this many; past it new
  // viewers' sockets attach to shard Durable Objects of up to ROOM_SHARD_SOCKETS each.
  // Early and small: the room's own sends leave garbage in the main Worker's isolate, whose full
  // collections pause every object in it for 60-130 ms; the shards' Worker pauses 15-50 ms (README
  // "Big rooms: signaling", run 8). A room event costs RoomDO one call per shard.
  ROOM_SHARD_AFTER_SOCKETS: intFrom(100),
  ROOM_SHARD_SOCKETS: intFrom(250),
  // Billing. Without STRIPE_SECRET_KEY billing runs in local mode (refused in production).
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  // Tests and local runs only: the FAKE Stripe (scripts/local/fake-stripe.ts), e.g. http://127.0.0.1:18111.
  STRIPE_API_BASE: z.url().optional(),
  STRIPE_PRICE_STARTER: z.string().min(1).optional(),
  STRIPE_PRICE_PROFESSIONAL: z.string().min(1).optional(),
  STRIPE_PRICE_BUSINESS: z.string().min(1).optional(),
  STRIPE_PRICE_ENTERPRISE: z.string().min(1).optional(),
  STRIPE_METER_PARTICIPANT_MINUTES: z.string().min(1).default('participant_minutes'),
  STRIPE_METER_STREAM_MINUTES: z.string().min(1).default('stream_minutes'),
  // Media fleet. ADMIN_TOKEN is the operator's bearer token for /api/v1/admin (required in production).
  FLEET_SECRET: z.string().min(32, 'must be at least 32 characters'),
  ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  FLEET_HEARTBEAT_SECONDS: intFrom(5),
  FLEET_NODE_STALE_SECONDS: intFrom(15),
  // TURN (coturn, TURN REST API): the shared secret and the URLs clients are given; both or neither.
  TURN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  TURN_URLS: z
    .string()
    .transform((s) => s.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^turns?:[^\s]+$/, 'must be turn: or turns: URLs, comma-separated')).min(1))
    .optional(),
  TURN_TTL_SECONDS: intFrom(6 * 3600),
  // Big rooms: viewers one node takes for a room before the room spills to an edge node (mediasoup's
  // guidance is 200-300 viewers per router), and how many edges one room may use.
  MEDIA_VIEWERS_PER_NODE: intFrom(200),
  MEDIA_MAX_EDGES: intFrom(8),
  // Tenant webhooks (workers/src/webhooks): the first retry's delay (doubling after each failure),
  // how long one attempt may take, and after how many hours of failures an endpoint is disabled.
  WEBHOOK_RETRY_BASE_MS: intFrom(30_000),
  WEBHOOK_TIMEOUT_SECONDS: intFrom(12),
  WEBHOOK_DISABLE_AFTER_HOURS: intFrom(5 * 24),
  // DNS-over-HTTPS (JSON) resolver asked, in production, whether an endpoint's host name resolves
  // to a private address.
  WEBHOOK_DNS_RESOLVER: z.url().default('https://cloudflare-dns.com/dns-query'),
  // Ingest (workers/src/ingest): the RTMP URL encoders are given (the media fleet's RTMP listener,
  // behind a TLS terminator for rtmps://); unset: rooms show WHIP only. WHIP sessions one room may
  // open per minute before the endpoint answers 503 with Retry-After.
  INGEST_RTMP_URL: z.string().regex(/^rtmps?:\/\/[^\s]+$/, 'must be an rtmp:// or rtmps:// URL').optional(),
  INGEST_WHIP_PER_ROOM_PER_MINUTE: intFrom(20),
  // Object storage (workers/src/storage): an S3 endpoint reached with presigned URLs. Production:
  // R2's S3 endpoint (https://<account id>.r2.cloudflarestorage.com) and an R2 API token's keys;
  // locally the S3 server scripts/local/object-store.ts. All four or none (then uploads and
  // recording answer 503 storage_unavailable; production requires them).
  STORAGE_ENDPOINT: z.url().optional(),
  STORAGE_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
    .optional(),
  STORAGE_ACCESS_KEY_ID: z.string().min(1).optional(),
  STORAGE_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  STORAGE_REGION: z.string().min(1).default('auto'),
  // How long a presigned upload or download URL stays valid.
  STORAGE_URL_TTL_SECONDS: intFrom(900),
  // The largest single upload (MiB); an upload past UPLOAD_MULTIPART_FROM_MIB goes in parts.
  UPLOAD_MAX_FILE_MIB: intFrom(2048),
  UPLOAD_MULTIPART_FROM_MIB: intFrom(16),
  // Mail (workers/src/mail): the HTTP email API, its key and the sender. Required in production;
  // `npm run dev` and the tests point them at the local mail service.
  EMAIL_API_URL: z.url().optional(),
  EMAIL_API_KEY: z.string().min(1).optional(),
  EMAIL_FROM: z.string().min(3).default('Roomcast <no-reply@roomcast.local>'),
  // One-time account links (workers/src/accounts): lifetimes and how many reset mails one address
  // may be sent per hour.
  EMAIL_VERIFICATION_TTL_HOURS: intFrom(48),
  PASSWORD_RESET_TTL_MINUTES: intFrom(30),
  PASSWORD_RESET_RATE_LIMIT_PER_EMAIL_PER_HOUR: intFrom(5),
  // Key-encryption keys for endpoint secrets at rest (webhooks/secret-box.ts): `id:base64` of 32
  // random bytes, comma-separated; the first seals, all open. Required in production; local runs
  // without it use the published key `dev` (refused in production).
  WEBHOOK_SECRET_KEYS: z
    .string()
    .transform((s, ctx) => {
      const keys = s.split(',').map((k) => k.trim()).filter(Boolean).map((entry) => {
        const [id, b64] = entry.split(':');
        const raw = id && b64 && /^[A-Za-z0-9_-]{1,32}$/.test(id) ? decodeKey(b64) : undefined;
        if (!raw) ctx.addIssue({ code: 'custom', message: 'each key is id:base64 of 32 bytes (id: letters, digits, _ or -)' });
        return { id: id ?? '', raw: raw ?? new Uint8Array(0) };
      });
      if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one key' });
      if (new Set(keys.map((k) => k.id)).size !== keys.length) ctx.addIssue({ code: 'custom', message: 'key ids must differ' });
      return keys;
    })
    .optional(),
});

/** The local key for webhook secrets when WEBHOOK_SECRET_KEYS is unset (published: never in production). */
const DEV_WEBHOOK_SECRET_KEY = { id: 'dev', raw: new Uint8Array(32).fill(7) };

function decodeKey(b64: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const raw = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    return raw.length === 32 ? raw : undefined;
  } catch {
    return undefined;
  }
}

export interface Config {
  env: 'development' | 'test' | 'production';
  databaseUrl: string;
  neonWsProxy: string | undefined;
  redis: { url: string; token: string };
  roomTokenSecret: Uint8Array;
  publicUrl: string | undefined;
  /** Origin of the web app (where Stripe sends the browser back); falls back to publicUrl. */
  webUrl: string | undefined;
  sessionTtlMs: number;
  roomTokenTtlSeconds: number;
  /** Attempts per minute on signup and login. */
  authRateLimit: { perIp: number; perEmail: number; signupsPerIpPerHour: number };
  /** Anonymous joins of public rooms per minute from one address. */
  publicJoinRateLimitPerIp: number;
  /** Authenticated API requests per minute, per session user and per API key. */
  apiRateLimit: { perUser: number; perKey: number; perAnonymousClient: number };
  organizations: OrganizationLimits;
  room: RoomConfig;
  billing: BillingConfig;
  fleet: FleetConfig;
  /** TURN credentials for every join; undefined: joins carry no iceServers (no relay). */
  turn: TurnConfig | undefined;
  webhooks: WebhookConfig;
  ingest: IngestConfig;
  /** Object storage; undefined: not configured (uploads and recording answer 503). */
  storage: StorageConfig | undefined;
  /** undefined (never in production): mails are logged as not sent. */
  mail: MailConfig | undefined;
  accounts: AccountLinkConfig;
}

export interface IngestConfig {
  /** Where encoders push RTMP (the stream key is appended); undefined: no RTMP offered. */
  rtmpUrl: string | undefined;
  /** WHIP session creations per room per minute; past it 503 with Retry-After. */
  whipPerRoomPerMinute: number;
}

export interface StorageConfig {
  /** S3 endpoint without the bucket (path-style URLs: {endpoint}/{bucket}/{key}). */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  urlTtlSeconds: number;
  maxFileBytes: number;
  /** Files from this size up are uploaded in parts (multipart upload). */
  multipartFromBytes: number;
}

export interface AccountLinkConfig {
  verificationTtlMs: number;
  resetTtlMs: number;
  resetsPerEmailPerHour: number;
}

export interface WebhookConfig {
  /** Production: https only, no private, loopback or link-local destinations (at create and send). */
  publicUrlsOnly: boolean;
  retryBaseMs: number;
  timeoutMs: number;
  disableAfterMs: number;
  dnsResolver: string;
  /** Seal and open endpoint secrets at rest: the first seals, all open. */
  secretKeys: WebhookSecretKey[];
}

export interface WebhookSecretKey {
  id: string;
  /** 32 bytes: an AES-256-GCM key. */
  raw: Uint8Array<ArrayBuffer>;
}

export interface OrganizationLimits {
  /** Organizations one user may create per hour. */
  createPerHour: number;
  /** Organizations one user may own without a paid subscription (trialing or canceled). */
  maxUnpaidPerUser: number;
  /** How long a new organization's Starter trial lasts. */
  trialMs: number;
}

export interface FleetConfig {
  /** Signs node credentials and room-node credentials (HS256). */
  secret: string;
  /** Operator bearer token for the admin API; undefined refuses every admin call. */
  adminToken: string | undefined;
  /** How often nodes report load. */
  heartbeatMs: number;
  /** A node silent for longer than this is dead: no new rooms, its rooms are re-placed on request. */
  staleAfterMs: number;
  /** Viewers a room puts on one node (origin or edge) before it opens another edge. */
  viewersPerNode: number;
  /** Edge nodes one room may use; past that, viewers go to the least full node. */
  maxEdges: number;
}

/** `local`: no Stripe keys; an owner switches plans directly (never in production). */
export type BillingConfig =
  | { mode: 'local' }
  | {
      mode: 'stripe';
      secretKey: string;
      webhookSecret: string;
      /** Where stripe-node sends requests; undefined means api.stripe.com. */
      api: { host: string; port: number; protocol: 'http' | 'https' } | undefined;
      /** Stripe price id of each self-serve plan (a plan without one cannot be bought online). */
      priceIds: Partial<Record<PlanId, string>>;
      /** Event names of the Stripe billing meters usage is reported to. */
      meters: { participantMinutes: string; streamMinutes: string };
    };

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
  /** A node silent on its room socket this long (at least two of its keepalive intervals) is lost. */
  nodeSilenceMs: number;
  /** Sockets a room holds itself before new viewers go to fan-out shards. */
  shardAfterSockets: number;
  /** Sockets per fan-out shard (a target: a burst of joins may overfill one a little). */
  shardSockets: number;
}

/** What a fan-out shard reads: it runs in a Worker of its own (wrangler.shards.toml), which needs no other setting. */
export interface ShardConfig {
  roomTokenSecret: Uint8Array;
  room: { heartbeatMs: number };
}

const ShardConfigSchema = ConfigSchema.pick({ APP_ENV: true, ROOM_TOKEN_SECRET: true, ROOM_HEARTBEAT_SECONDS: true });

/** The env parsed by `schema`, or an error naming every problem. */
function parseEnv<S extends z.ZodType>(schema: S, env: Env, what: string): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new Error(`Invalid ${what} configuration: ${problems}`);
}

export function loadShardConfig(env: Env): ShardConfig {
  const v = parseEnv(ShardConfigSchema, env, 'shard Worker');
  // The room computes the same client fingerprint with it: both Workers must hold one secret.
  if (v.APP_ENV === 'production' && v.ROOM_TOKEN_SECRET.startsWith('dev-only-')) {
    throw new Error('Invalid shard Worker configuration: ROOM_TOKEN_SECRET still holds the published local dev value');
  }
  return { roomTokenSecret: new TextEncoder().encode(v.ROOM_TOKEN_SECRET), room: { heartbeatMs: v.ROOM_HEARTBEAT_SECONDS * 1000 } };
}

let cached: { env: Env; config: Config } | undefined;

export function loadConfig(env: Env): Config {
  if (cached?.env === env) return cached.config;
  const v = parseEnv(ConfigSchema, env, 'Worker');
  if (v.APP_ENV === 'production' && !v.STRIPE_SECRET_KEY) {
    throw new Error('Invalid Worker configuration: STRIPE_SECRET_KEY is required in production (billing local mode is for local runs only)');
  }
  if (v.APP_ENV === 'production' && !v.ADMIN_TOKEN) {
    throw new Error('Invalid Worker configuration: ADMIN_TOKEN is required in production');
  }
  // The local defaults are published (scripts/dev.ts, README): in production they would let anyone
  // mint node credentials and room tokens or call the admin API.
  const published = (['ROOM_TOKEN_SECRET', 'FLEET_SECRET', 'ADMIN_TOKEN', 'TURN_SECRET', 'STORAGE_SECRET_ACCESS_KEY'] as const).filter((k) => v[k]?.startsWith('dev-only-'));
  if (v.APP_ENV === 'production' && published.length > 0) {
    throw new Error(`Invalid Worker configuration: ${published.join(', ')} still hold the published local dev value`);
  }
  if (v.APP_ENV === 'production' && !(v.EMAIL_API_URL && v.EMAIL_API_KEY)) {
    throw new Error('Invalid Worker configuration: EMAIL_API_URL and EMAIL_API_KEY are required in production (verification and reset mails)');
  }
  if (Boolean(v.EMAIL_API_URL) !== Boolean(v.EMAIL_API_KEY)) {
    throw new Error('Invalid Worker configuration: EMAIL_API_URL and EMAIL_API_KEY go together');
  }
  if (Boolean(v.TURN_SECRET) !== Boolean(v.TURN_URLS)) {
    throw new Error('Invalid Worker configuration: TURN_SECRET and TURN_URLS go together (set both, or neither for no TURN)');
  }
  const storageKeys = [v.STORAGE_ENDPOINT, v.STORAGE_BUCKET, v.STORAGE_ACCESS_KEY_ID, v.STORAGE_SECRET_ACCESS_KEY];
  if (storageKeys.some(Boolean) && !storageKeys.every(Boolean)) {
    throw new Error('Invalid Worker configuration: STORAGE_ENDPOINT, STORAGE_BUCKET, STORAGE_ACCESS_KEY_ID and STORAGE_SECRET_ACCESS_KEY go together');
  }
  if (v.APP_ENV === 'production' && !v.STORAGE_ENDPOINT) {
    throw new Error('Invalid Worker configuration: STORAGE_ENDPOINT (R2\'s S3 endpoint), STORAGE_BUCKET and its keys are required in production');
  }
  if (v.STRIPE_SECRET_KEY && !v.STRIPE_WEBHOOK_SECRET) {
    throw new Error('Invalid Worker configuration: STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY');
  }
  if (v.APP_ENV === 'production' && !v.WEBHOOK_SECRET_KEYS) {
    throw new Error('Invalid Worker configuration: WEBHOOK_SECRET_KEYS is required in production');
  }
  if (v.APP_ENV === 'production' && v.WEBHOOK_SECRET_KEYS?.some((k) => k.id === DEV_WEBHOOK_SECRET_KEY.id)) {
    throw new Error('Invalid Worker configuration: WEBHOOK_SECRET_KEYS must not use the local key id "dev" in production');
  }
  const config: Config = {
    env: v.APP_ENV,
    databaseUrl: v.DATABASE_URL,
    neonWsProxy: v.NEON_WS_PROXY,
    redis: { url: v.UPSTASH_REDIS_REST_URL, token: v.UPSTASH_REDIS_REST_TOKEN },
    roomTokenSecret: new TextEncoder().encode(v.ROOM_TOKEN_SECRET),
    publicUrl: v.PUBLIC_URL,
    webUrl: v.WEB_URL ?? v.PUBLIC_URL,
    sessionTtlMs: v.SESSION_TTL_HOURS * 3600_000,
    roomTokenTtlSeconds: v.ROOM_TOKEN_TTL_SECONDS,
    authRateLimit: { perIp: v.AUTH_RATE_LIMIT_PER_IP, perEmail: v.AUTH_RATE_LIMIT_PER_EMAIL, signupsPerIpPerHour: v.SIGNUP_RATE_LIMIT_PER_IP_PER_HOUR },
    publicJoinRateLimitPerIp: v.PUBLIC_JOIN_RATE_LIMIT_PER_IP,
    apiRateLimit: { perUser: v.API_RATE_LIMIT_PER_USER, perKey: v.API_RATE_LIMIT_PER_KEY, perAnonymousClient: v.API_RATE_LIMIT_PER_ANONYMOUS_CLIENT },
    organizations: {
      createPerHour: v.ORG_CREATE_RATE_LIMIT_PER_HOUR,
      maxUnpaidPerUser: v.MAX_UNPAID_ORGS_PER_USER,
      trialMs: v.TRIAL_DAYS * 24 * 3600_000,
    },
    room: {
      chatHistory: v.ROOM_CHAT_HISTORY,
      chatRatePer10s: v.ROOM_CHAT_RATE_PER_10S,
      heartbeatMs: v.ROOM_HEARTBEAT_SECONDS * 1000,
      resumeWindowMs: v.ROOM_RESUME_WINDOW_SECONDS * 1000,
      emptyTimeoutMs: v.ROOM_EMPTY_TIMEOUT_SECONDS * 1000,
      planCacheMs: v.ROOM_PLAN_CACHE_SECONDS * 1000,
      nodeSilenceMs: v.ROOM_NODE_SILENCE_MS,
      shardAfterSockets: v.ROOM_SHARD_AFTER_SOCKETS,
      shardSockets: v.ROOM_SHARD_SOCKETS,
    },
    billing: v.STRIPE_SECRET_KEY
      ? {
          mode: 'stripe',
          secretKey: v.STRIPE_SECRET_KEY,
          webhookSecret: v.STRIPE_WEBHOOK_SECRET!,
          api: v.STRIPE_API_BASE ? stripeApi(v.STRIPE_API_BASE) : undefined,
          priceIds: {
            starter: v.STRIPE_PRICE_STARTER,
            professional: v.STRIPE_PRICE_PROFESSIONAL,
            business: v.STRIPE_PRICE_BUSINESS,
            enterprise: v.STRIPE_PRICE_ENTERPRISE,
          },
          meters: { participantMinutes: v.STRIPE_METER_PARTICIPANT_MINUTES, streamMinutes: v.STRIPE_METER_STREAM_MINUTES },
        }
      : { mode: 'local' },
    fleet: {
      secret: v.FLEET_SECRET,
      adminToken: v.ADMIN_TOKEN,
      heartbeatMs: v.FLEET_HEARTBEAT_SECONDS * 1000,
      staleAfterMs: v.FLEET_NODE_STALE_SECONDS * 1000,
      viewersPerNode: v.MEDIA_VIEWERS_PER_NODE,
      maxEdges: v.MEDIA_MAX_EDGES,
    },
    turn: v.TURN_SECRET && v.TURN_URLS ? { secret: v.TURN_SECRET, urls: v.TURN_URLS, ttlSeconds: v.TURN_TTL_SECONDS } : undefined,
    ingest: { rtmpUrl: v.INGEST_RTMP_URL, whipPerRoomPerMinute: v.INGEST_WHIP_PER_ROOM_PER_MINUTE },
    webhooks: {
      publicUrlsOnly: v.APP_ENV === 'production',
      retryBaseMs: v.WEBHOOK_RETRY_BASE_MS,
      timeoutMs: v.WEBHOOK_TIMEOUT_SECONDS * 1000,
      disableAfterMs: v.WEBHOOK_DISABLE_AFTER_HOURS * 3600_000,
      dnsResolver: v.WEBHOOK_DNS_RESOLVER,
      secretKeys: v.WEBHOOK_SECRET_KEYS ?? [DEV_WEBHOOK_SECRET_KEY],
    },
    storage: v.STORAGE_ENDPOINT
      ? {
          endpoint: v.STORAGE_ENDPOINT.replace(/\/+$/, ''),
          bucket: v.STORAGE_BUCKET!,
          accessKeyId: v.STORAGE_ACCESS_KEY_ID!,
          secretAccessKey: v.STORAGE_SECRET_ACCESS_KEY!,
          region: v.STORAGE_REGION,
          urlTtlSeconds: v.STORAGE_URL_TTL_SECONDS,
          maxFileBytes: v.UPLOAD_MAX_FILE_MIB * MIB,
          multipartFromBytes: v.UPLOAD_MULTIPART_FROM_MIB * MIB,
        }
      : undefined,
    mail: v.EMAIL_API_URL && v.EMAIL_API_KEY ? { apiUrl: v.EMAIL_API_URL, apiKey: v.EMAIL_API_KEY, from: v.EMAIL_FROM } : undefined,
    accounts: {
      verificationTtlMs: v.EMAIL_VERIFICATION_TTL_HOURS * 3600_000,
      resetTtlMs: v.PASSWORD_RESET_TTL_MINUTES * 60_000,
      resetsPerEmailPerHour: v.PASSWORD_RESET_RATE_LIMIT_PER_EMAIL_PER_HOUR,
    },
  };
  cached = { env, config };
  return config;
}

function stripeApi(base: string) {
  const url = new URL(base);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol } as const;
}
