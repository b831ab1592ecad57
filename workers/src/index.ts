import { app } from './app.ts';
import { reportUsage } from './billing/usage-reporter.ts';
import { loadConfig } from './config.ts';
import type { Env } from './env.ts';

export { RoomDO } from './rooms/room-do.ts';
export { FleetDO } from './fleet/fleet-do.ts';

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  // Cron trigger (wrangler.toml): report closed usage slices to Stripe as meter events.
  scheduled: (_controller, env, ctx) => ctx.waitUntil(reportUsage(loadConfig(env)).then(() => undefined)),
} satisfies ExportedHandler<Env>;
