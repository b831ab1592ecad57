// Per-principal budgets on the authenticated API, so one session or one API key cannot monopolize
// the database. Keyed by who calls, not by address: the web app's server calls for all its users
// from one address. Anonymous calls are limited where they matter (signup, login, public join).
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../http.ts';
import { ApiError } from '../errors.ts';
import { countRateLimit } from './rate-limit.ts';

const TOO_MANY = 'Too many requests; slow down and try again in a minute';

export const limitPrincipalRate = createMiddleware<AppEnv>(async (c, next) => {
  const { principal, config, redis } = c.var;
  const budget =
    principal?.kind === 'user'
      ? { policy: 'user', bucket: `api:user:${principal.userId}`, limit: config.apiRateLimit.perUser }
      : principal?.kind === 'api_key'
        ? { policy: 'api-key', bucket: `api:key:${principal.apiKeyId}`, limit: config.apiRateLimit.perKey }
        : undefined;
  if (budget) {
    const state = await countRateLimit(redis, budget.bucket, budget.limit, 60);
    // Where the caller stands, on every answer (429s included), in the IETF RateLimit header fields
    // (draft-ietf-httpapi-ratelimit-headers) and the older RateLimit-Limit/-Remaining/-Reset trio
    // many clients read.
    c.header('RateLimit-Policy', `"${budget.policy}";q=${state.limit};w=${state.windowSeconds}`);
    c.header('RateLimit', `"${budget.policy}";r=${state.remaining};t=${state.resetSeconds}`);
    c.header('RateLimit-Limit', String(state.limit));
    c.header('RateLimit-Remaining', String(state.remaining));
    c.header('RateLimit-Reset', String(state.resetSeconds));
    if (!state.allowed) throw new ApiError(429, 'rate_limited', TOO_MANY, { retryAfterSeconds: state.resetSeconds });
  }
  await next();
});
