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
  if (await isOperator(c.var.config.fleet.adminToken, c.req.raw)) {
    const { postgres, redis } = await probeAll(c);
    const ok = postgres.ok && redis.ok;
    return c.json({ status: ok ? 'ok' : 'degraded', worker: { ok: true, env: c.var.config.env }, dependencies: { postgres, redis } }, ok ? 200 : 503);
  }
  // Anyone may ask, so a stranger's flood must not become a flood of database connections: the
  // public answer is this isolate's last probe while it is fresh. (Only the finished result is
  // shared: a Worker request must not wait on another request's I/O.)
  const now = Date.now();
  const key = `${c.var.config.databaseUrl}|${c.var.config.redis.url}`;
  let last = lastPublic.get(key);
  if (!last || now - last.at >= PUBLIC_PROBE_TTL_MS) {
    const { postgres, redis } = await probeAll(c);
    last = { at: now, postgres: postgres.ok, redis: redis.ok };
    lastPublic.set(key, last);
  }
  const ok = last.postgres && last.redis;
  return c.json({ status: ok ? 'ok' : 'degraded', dependencies: { postgres: { ok: last.postgres }, redis: { ok: last.redis } } }, ok ? 200 : 503);
}

/** How long a public /health answer is reused (per isolate and set of dependencies). */
export const PUBLIC_PROBE_TTL_MS = 5_000;
const lastPublic = new Map<string, { at: number; postgres: boolean; redis: boolean }>();

const probeAll = async (c: Context<AppEnv>) => {
  const [postgres, redis] = await Promise.all([probe(() => c.var.db.ping()), probe(() => c.var.redis.ping())]);
  return { postgres, redis };
};
