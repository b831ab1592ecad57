// Per-principal budgets on the API, so one session or one API key cannot monopolize the database.
// Keyed by who calls, not by address: the web app's server calls for all its users from one
// address. Calls without a valid credential (public room pages, room sockets, a bad bearer token)
// cost database work too: they share one budget per client network (the web app forwards the
// browser's address), on top of the tighter limits on signup, login and the public join. Stripe's
// webhook is exempt: it is signed, and Stripe sends every tenant's events from a few addresses.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../http.ts';
import { ApiError } from '../errors.ts';
import { clientNetwork } from './client-network.ts';
import { countRateLimit, enforceRateLimit } from './rate-limit.ts';

const TOO_MANY = 'Too many requests; slow down and try again in a minute';

/** The anonymous budget of the caller's client network. */
export async function limitAnonymousRate(c: Context<AppEnv>): Promise<void> {
  if (c.req.path.startsWith('/api/v1/webhooks/')) return;
  // Cloudflare's edge always names the client; only local runs (tests, npm run dev) do not.
  const client = clientNetwork(c.req.header('cf-connecting-ip'));
  if (!client) return;
  await enforceRateLimit(c.var.redis, `api:anon:${client}`, c.var.config.apiRateLimit.perAnonymousClient, 60, TOO_MANY);
}

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
  } else {
    await limitAnonymousRate(c);
  }
  await next();
});
