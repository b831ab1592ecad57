/** Bindings and variables the Worker receives. Only config.ts reads the string values. */
export interface Env {
  ROOM: DurableObjectNamespace;
  FLEET: DurableObjectNamespace;
  FILES: R2Bucket;
  APP_ENV?: string;
  DATABASE_URL?: string;
  NEON_WS_PROXY?: string;
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  ROOM_TOKEN_SECRET?: string;
  FLEET_SECRET?: string;
  ADMIN_TOKEN?: string;
  FLEET_HEARTBEAT_SECONDS?: string;
  FLEET_NODE_STALE_SECONDS?: string;
  PUBLIC_URL?: string;
  WEB_URL?: string;
  SESSION_TTL_HOURS?: string;
  ROOM_TOKEN_TTL_SECONDS?: string;
  AUTH_RATE_LIMIT_PER_IP?: string;
  AUTH_RATE_LIMIT_PER_EMAIL?: string;
  PUBLIC_JOIN_RATE_LIMIT_PER_IP?: string;
  ROOM_CHAT_HISTORY?: string;
  ROOM_CHAT_RATE_PER_10S?: string;
  ROOM_HEARTBEAT_SECONDS?: string;
  ROOM_RESUME_WINDOW_SECONDS?: string;
  ROOM_EMPTY_TIMEOUT_SECONDS?: string;
  ROOM_PLAN_CACHE_SECONDS?: string;
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  STRIPE_API_BASE?: string;
  STRIPE_PRICE_STARTER?: string;
  STRIPE_PRICE_PROFESSIONAL?: string;
  STRIPE_PRICE_BUSINESS?: string;
  STRIPE_PRICE_ENTERPRISE?: string;
  STRIPE_METER_PARTICIPANT_MINUTES?: string;
  STRIPE_METER_STREAM_MINUTES?: string;
}
