// Per-principal budgets on the API, so one session or one API key cannot monopolize the database.
// Keyed by who calls, not by address: the web app's server calls for all its users from one
// address. Calls without a valid credential (public room pages, room sockets, a bad bearer token)
// cost database work too: they share one budget per client network (the web app forwards the
// browser's address), on top of the tighter limits on signup, login and the public join. Stripe's
// webhook is exempt: it is signed, and Stripe sends every tenant's events from a few addresses.
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../http.ts';
import { clientNetwork } from './client-network.ts';
import { enforceRateLimit } from './rate-limit.ts';

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
  if (principal?.kind === 'user') await enforceRateLimit(redis, `api:user:${principal.userId}`, config.apiRateLimit.perUser, 60, TOO_MANY);
  else if (principal?.kind === 'api_key') await enforceRateLimit(redis, `api:key:${principal.apiKeyId}`, config.apiRateLimit.perKey, 60, TOO_MANY);
  else await limitAnonymousRate(c);
  await next();
});
