import { app } from './app.ts';
import { reportUsage } from './billing/usage-reporter.ts';
import { loadConfig } from './config.ts';
import type { Env } from './env.ts';
import { cleanStaleRecordings } from './recordings/stale-recordings.ts';
import { cleanStaleUploads } from './storage/stale-uploads.ts';
import { wakeDueWebhookDeliveries } from './webhooks/wake.ts';

export { RoomDO } from './rooms/room-do.ts';
// Deployed, the shards run in their own Worker (wrangler.shards.toml); exported here too for the
// tests, which run them beside the room (vitest.workspace.ts), and for migration v4's namespace.
export { RoomShardDO } from './rooms/fanout/room-shard-do.ts';
export { FleetDO } from './fleet/fleet-do.ts';
export { WebhookDeliveryDO } from './webhooks/delivery-do.ts';

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  // Cron trigger (wrangler.toml): report closed usage slices to Stripe as meter events, and wake
  // the webhook delivery of every organization with a delivery due (the backstop for lost wake-ups),
  // clean up uploads left pending for a day (workers/src/storage/stale-uploads.ts) and recordings
  // left unfinished with an open multipart upload (workers/src/recordings/stale-recordings.ts).
  scheduled: (_controller, env, ctx) => {
    ctx.waitUntil(cleanStaleUploads(loadConfig(env)).then(() => undefined));
    ctx.waitUntil(cleanStaleRecordings(loadConfig(env), env).then(() => undefined));
    ctx.waitUntil(reportUsage(loadConfig(env)).then(() => undefined));
    ctx.waitUntil(wakeDueWebhookDeliveries(loadConfig(env)));
  },
} satisfies ExportedHandler<Env>;
