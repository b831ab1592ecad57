import type { Context } from 'hono';
import type { AppEnv } from '../http.ts';

async function probe(check: () => Promise<unknown>) {
  const started = performance.now();
  try {
    await check();
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) };
  }
}

/** GET /health: the Worker answers, and says which dependencies it can reach. */
export async function health(c: Context<AppEnv>) {
  const [postgres, redis] = await Promise.all([probe(() => c.var.db.ping()), probe(() => c.var.redis.ping())]);
  const ok = postgres.ok && redis.ok;
  return c.json({ status: ok ? 'ok' : 'degraded', worker: { ok: true, env: c.var.config.env }, dependencies: { postgres, redis } }, ok ? 200 : 503);
}
