import type { Context } from 'hono';
import type { AppEnv } from '../http.ts';
import { isOperator } from './operator.ts';

async function probe(check: () => Promise<unknown>) {
  const started = performance.now();
  try {
    await check();
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * GET /health: the Worker answers, and says whether each dependency is reachable. Raw errors name
 * hosts, ports and driver internals, so latency, errors and the environment go to the operator
 * (ADMIN_TOKEN) only; everyone else sees ok or failing.
 */
export async function health(c: Context<AppEnv>) {
  const [postgres, redis] = await Promise.all([probe(() => c.var.db.ping()), probe(() => c.var.redis.ping())]);
  const ok = postgres.ok && redis.ok;
  const status = ok ? 'ok' : 'degraded';
  if (await isOperator(c.var.config.fleet.adminToken, c.req.raw)) {
    return c.json({ status, worker: { ok: true, env: c.var.config.env }, dependencies: { postgres, redis } }, ok ? 200 : 503);
  }
  return c.json({ status, dependencies: { postgres: { ok: postgres.ok }, redis: { ok: redis.ok } } }, ok ? 200 : 503);
}
