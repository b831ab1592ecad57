// Per-principal budgets on the authenticated API, so one session or one API key cannot monopolize
// the database. Keyed by who calls, not by address: the web app's server calls for all its users
// from one address. Anonymous calls are limited where they matter (signup, login, public join).
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../http.ts';
import { enforceRateLimit } from './rate-limit.ts';

const TOO_MANY = 'Too many requests; slow down and try again in a minute';

export const limitPrincipalRate = createMiddleware<AppEnv>(async (c, next) => {
  const { principal, config, redis } = c.var;
  if (principal?.kind === 'user') await enforceRateLimit(redis, `api:user:${principal.userId}`, config.apiRateLimit.perUser, 60, TOO_MANY);
  if (principal?.kind === 'api_key') await enforceRateLimit(redis, `api:key:${principal.apiKeyId}`, config.apiRateLimit.perKey, 60, TOO_MANY);
  await next();
});
