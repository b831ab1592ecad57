// `npm run dev`: the whole product on one machine with no cloud account. Starts, in order and
// each only once the previous one is ready: Postgres (the local server, or embedded PGlite) with
// migrations applied, the Neon WebSocket proxy, the Upstash REST adapter over the local Redis,
// and the Worker under `wrangler dev`. Ctrl-C (or SIGTERM) stops everything it started, child
// process trees included.
//
// A service is one entry in `services` below: in-process ones are started by a function, child
// processes through `childProcess()`; more (the media node, the web app) are further entries.
//
// Environment (all optional):
//   DATABASE_URL          owner URL of the local database (default postgres://postgres@127.0.0.1:5432/roomcast).
//                         Not on this machine (e.g. Neon): taken as the API role's URL and passed
//                         to the Worker as is; no proxy; migrations run only if DATABASE_ADMIN_URL is set.
//   DATABASE_ADMIN_URL    owner URL for migrations (default: DATABASE_URL when local)
//   UPSTASH_REDIS_REST_URL / _TOKEN   a real Upstash database: the local adapter is not started
//   REDIS_URL             Redis behind the adapter (default redis://127.0.0.1:6379)
//   PORT (8787)  NEON_PROXY_PORT (8789)  UPSTASH_ADAPTER_PORT (8079)  WEB_PORT (3000)
//   MEDIA_METRICS_PORT    the media node's /metrics and /health (default PORT + 677: 9464)
//   MEDIA_RTMP_PORT       the media node's RTMP ingest listener (default PORT - 6852: 1935, RTMP's own port)
//   MAIL_PORT             the local inbox (browser) and email API the Worker sends through (default PORT - 762: 8025)
//   SMTP_PORT             the local SMTP server behind that inbox (default PORT - 7762: 1025)
//   OIDC_PORT             the local OpenID Connect provider for SSO (default PORT - 761: 8026)
//   EMAIL_API_URL / EMAIL_API_KEY / EMAIL_FROM   a real email API instead of the local mail service
//   TURN_PORT             the local coturn, started when Debian's coturn is installed (default PORT - 5309: 3478)
//   TURN_SECRET / TURN_URLS   an external coturn instead (TURN_URLS comma-separated turn: URLs)
//   OBJECT_STORE_PORT     the local S3-compatible store (default PORT + 213: 9000); objects under
//                         WRANGLER_STATE_DIR (default .wrangler/state)/object-store
//   STORAGE_ENDPOINT, STORAGE_BUCKET, STORAGE_ACCESS_KEY_ID, STORAGE_SECRET_ACCESS_KEY   a real
//                         S3 endpoint (e.g. an R2 bucket) instead: the local store is not started
//   WRANGLER_STATE_DIR    where the Worker keeps Durable Object and R2 state (default .wrangler/state);
//                         a second stack in the same checkout (e2e, benches) needs its own
//   WORKER_RUNTIME        wrangler (default: `wrangler dev`, reloads on change) or bare: the Worker's
//                         bundle on the bare runtime with no dev proxy in front (scripts/local/bare-worker.ts;
//                         what `npm run bench:room` measures; no reload)
//   WEB_BUILD             `always` rebuilds the web app on start (default: only when web/src is newer than the build)
//   ROOM_TOKEN_SECRET, FLEET_SECRET, ADMIN_TOKEN, PUBLIC_URL, WEB_URL, SESSION_TTL_HOURS, ROOM_TOKEN_TTL_SECONDS,
//   AUTH_RATE_LIMIT_PER_IP, AUTH_RATE_LIMIT_PER_EMAIL, SIGNUP_RATE_LIMIT_PER_IP_PER_HOUR,
//   API_RATE_LIMIT_PER_ANONYMOUS_CLIENT, API_RATE_LIMIT_PER_USER, API_RATE_LIMIT_PER_KEY,
//   ROOM_SHARD_AFTER_SOCKETS, ROOM_SHARD_SOCKETS   passed to the Worker (local defaults for the secrets)
//   ROOM_NODE_SILENCE_MS  how long a node may stay silent before its room treats it as lost (local default 10000)
//   MEDIA_*               the media node's settings (media-node/src/config.ts); its fleet URL and
//                         credential are set here (node id MEDIA_NODE_ID, default media-local)
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isLoopback, startNeonWsProxy } from './local/neon-ws-proxy.ts';
import { envPort } from './local/env-port.ts';
import { appDatabaseUrl, resolvePostgres } from './local/postgres.ts';
import { startUpstashAdapter } from './local/upstash-adapter.ts';
import { hasCoturn, startCoturn } from './local/coturn.ts';
import { startObjectStore } from './local/object-store.ts';
import { startLocalMail } from './local/mail-server.ts';
import { LOCAL_OIDC_CLIENT, LOCAL_OIDC_USERS, startLocalOidc } from './local/oidc-provider.ts';
import { signNodeToken } from '../workers/src/fleet/fleet-token.ts';
import { DEV_FLEET_SECRET } from './fleet/node-token.ts';
import { shardsDevConfig } from './local/shards-dev-config.ts';
import { assertPortFree, childProcess, killChildGroups, logger, shutdown, withPortHint, type Running, type Service } from './local/processes.ts';
import { buildWeb, webBuildIsStale } from './local/web-build.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;

// ---------------------------------------------------------------------------------------------
// Configuration, read once.

function portFrom(name: string, fallback: number): number {
  try {
    return envPort(name, fallback, env);
  } catch (error) {
    fail((error as Error).message);
  }
}

const config = {
  /** Durable Object, R2 and object-store state, and the shards' dev config (WRANGLER_STATE_DIR). */
  stateDir: resolve(ROOT, env.WRANGLER_STATE_DIR || '.wrangler/state'),
  databaseUrl: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/roomcast',
  adminDatabaseUrl: env.DATABASE_ADMIN_URL || undefined,
  redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
  upstash: env.UPSTASH_REDIS_REST_URL
    ? { url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN ?? '' }
    : undefined,
  localUpstashToken: env.UPSTASH_REDIS_REST_TOKEN || 'roomcast-dev-upstash-token',
  workerPort: portFrom('PORT', 8787),
  neonProxyPort: portFrom('NEON_PROXY_PORT', 8789),
  upstashPort: portFrom('UPSTASH_ADAPTER_PORT', 8079),
  webPort: portFrom('WEB_PORT', 3000),
  /** The local coturn's port (TURN over UDP and TCP): PORT - 5309 by default (3478 beside 8787). */
  turnPort: portFrom('TURN_PORT', portFrom('PORT', 8787) - 5309),
  turnSecret: env.TURN_SECRET || 'dev-only-turn-secret-0123456789abcdef',
  /** The media node's Prometheus /metrics and /health: PORT + 677 by default (9464 beside 8787), so stacks on other ports (e2e, benches) never collide. */
  mediaMetricsPort: portFrom('MEDIA_METRICS_PORT', portFrom('PORT', 8787) + 677),
  /** The media node's RTMP listener: PORT - 6852 by default (1935, RTMP's port, beside 8787). */
  mediaRtmpPort: portFrom('MEDIA_RTMP_PORT', portFrom('PORT', 8787) - 6852),
  /** The local S3-compatible object store (uploads, recordings): PORT + 213 by default (9000 beside 8787). */
  objectStorePort: portFrom('OBJECT_STORE_PORT', portFrom('PORT', 8787) + 213),
  objectStore: {
    bucket: 'roomcast-dev',
    accessKeyId: 'roomcast-dev-access-key',
    secretAccessKey: env.STORAGE_SECRET_ACCESS_KEY || 'dev-only-storage-secret-0123456789abcdef',
  },
  /** The local inbox and email API (PORT - 762: 8025 beside 8787) and its SMTP server (PORT - 7762: 1025). */
  mailPort: portFrom('MAIL_PORT', portFrom('PORT', 8787) - 762),
  smtpPort: portFrom('SMTP_PORT', portFrom('PORT', 8787) - 7762),
  mailApiToken: 'dev-only-local-mail-token',
  /** The local OpenID Connect provider that plays an organization's IdP for SSO (PORT - 761: 8026). */
  oidcPort: portFrom('OIDC_PORT', portFrom('PORT', 8787) - 761),
  workerRuntime: env.WORKER_RUNTIME || 'wrangler',
  webBuild: env.WEB_BUILD === 'always' ? ('always' as const) : ('if-stale' as const),
  secrets: {
    ROOM_TOKEN_SECRET: env.ROOM_TOKEN_SECRET || 'dev-only-room-token-secret-0123456789abcdef',
    FLEET_SECRET: env.FLEET_SECRET || DEV_FLEET_SECRET,
    ADMIN_TOKEN: env.ADMIN_TOKEN || 'dev-only-admin-token-0123456789abcdef0123',
  },
  /** Optional Worker settings passed through when set. */
  passThrough: [
    'SESSION_TTL_HOURS', 'ROOM_TOKEN_TTL_SECONDS', 'AUTH_RATE_LIMIT_PER_IP', 'AUTH_RATE_LIMIT_PER_EMAIL', 'SIGNUP_RATE_LIMIT_PER_IP_PER_HOUR',
    'API_RATE_LIMIT_PER_ANONYMOUS_CLIENT',
    'API_RATE_LIMIT_PER_USER', 'API_RATE_LIMIT_PER_KEY',
    'ROOM_SHARD_AFTER_SOCKETS', 'ROOM_SHARD_SOCKETS',
    'EMAIL_FROM', 'EMAIL_VERIFICATION_TTL_HOURS', 'PASSWORD_RESET_TTL_MINUTES', 'PASSWORD_RESET_RATE_LIMIT_PER_EMAIL_PER_HOUR',
    // Billing: without STRIPE_SECRET_KEY the Worker runs billing in LOCAL MODE (README: Billing).
    'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE', 'STRIPE_PRICE_STARTER', 'STRIPE_PRICE_PROFESSIONAL',
    'STRIPE_PRICE_BUSINESS', 'STRIPE_PRICE_ENTERPRISE', 'STRIPE_METER_PARTICIPANT_MINUTES', 'STRIPE_METER_STREAM_MINUTES',
    'STORAGE_REGION', 'STORAGE_URL_TTL_SECONDS', 'UPLOAD_MAX_FILE_MIB', 'UPLOAD_MULTIPART_FROM_MIB',
  ],
};
const localDatabase = isLoopback(new URL(config.databaseUrl).hostname);
if (config.workerRuntime !== 'wrangler' && config.workerRuntime !== 'bare') fail(`WORKER_RUNTIME is wrangler or bare, not ${config.workerRuntime}`);
if (config.upstash && !config.upstash.token) fail('UPSTASH_REDIS_REST_URL is set but UPSTASH_REDIS_REST_TOKEN is not');

// ---------------------------------------------------------------------------------------------
// Services and what they hand each other (the plumbing is in local/processes.ts).

const devLog = logger('dev', 7);

function fail(message: string): never {
  process.stderr.write(`[dev] ${message}\n`);
  process.exit(1);
}

/** Facts earlier services hand to later ones (URLs the Worker needs, for instance). */
interface Context {
  databaseUrl: string;
  appDatabaseUrl: string;
  neonWsProxy?: string;
  upstash: { url: string; token: string };
  /** Where the Worker sends mail: the local mail service, or EMAIL_API_URL. */
  mail?: { url: string; token: string };
  /** The local coturn, when it runs: the Worker mints credentials for it. */
  turn?: { secret: string; urls: string[] };
  storage?: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };
}

// ---------------------------------------------------------------------------------------------
// The services, in start order.

const wranglerBin = join(ROOT, 'node_modules/.bin/wrangler');

const services: Service<Context>[] = [
  {
    name: 'postgres',
    async start(ctx, log) {
      let stop = async () => {};
      if (localDatabase) {
        const pg = await resolvePostgres(config.adminDatabaseUrl ?? config.databaseUrl, log);
        stop = () => pg.close();
        ctx.databaseUrl = pg.url;
        ctx.appDatabaseUrl = appDatabaseUrl(pg.url);
      } else {
        ctx.databaseUrl = config.adminDatabaseUrl ?? config.databaseUrl;
        ctx.appDatabaseUrl = config.databaseUrl;
        log(`using the database at ${new URL(config.databaseUrl).host} (not local: no proxy, no embedded fallback)`);
      }
      if (localDatabase || config.adminDatabaseUrl) {
        try {
          await runMigrations(ctx.databaseUrl, log);
        } catch (err) {
          await stop();
          throw err;
        }
      } else {
        log('DATABASE_ADMIN_URL is not set: migrations skipped');
      }
      return { url: redact(ctx.appDatabaseUrl), stop };
    },
  },
  {
    name: 'neon-proxy',
    skip: () => (localDatabase ? undefined : 'DATABASE_URL is not local: the Worker talks to Neon directly'),
    async start(ctx, log) {
      const proxy = await withPortHint(startNeonWsProxy({ port: config.neonProxyPort, log }), config.neonProxyPort, 'NEON_PROXY_PORT');
      ctx.neonWsProxy = `127.0.0.1:${proxy.port}`;
      log(`ws://127.0.0.1:${proxy.port}/v2 -> loopback Postgres`);
      return { url: `ws://127.0.0.1:${proxy.port}/v2`, stop: () => proxy.close() };
    },
  },
  {
    name: 'upstash',
    skip: () => (config.upstash ? 'UPSTASH_REDIS_REST_URL is set: using that Upstash database' : undefined),
    async start(ctx, log) {
      const adapter = await withPortHint(
        startUpstashAdapter({ port: config.upstashPort, redisUrl: config.redisUrl, token: config.localUpstashToken, log }),
        config.upstashPort,
        'UPSTASH_ADAPTER_PORT',
      );
      ctx.upstash = { url: adapter.url, token: config.localUpstashToken };
      log(`${adapter.url} -> ${config.redisUrl}`);
      return { url: adapter.url, stop: () => adapter.close() };
    },
  },
  {
    // coturn (Debian's package) for TURN with the credentials the Worker mints on every join:
    // a browser forced to relay (localStorage roomcast.iceTransportPolicy = relay) goes through it.
    name: 'turn',
    skip: () =>
      env.TURN_URLS ? 'TURN_URLS is set: the Worker hands out that TURN server' : hasCoturn() ? undefined : 'coturn is not installed (apt-get install coturn): joins carry no TURN servers',
    async start(ctx, log) {
      await assertPortFree(config.turnPort, 'TURN_PORT');
      const turn = await startCoturn({ port: config.turnPort, secret: config.turnSecret, log: (l) => (/error/i.test(l) ? log(l) : undefined) });
      ctx.turn = { secret: config.turnSecret, urls: turn.urls };
      return { url: `${turn.urls.join(', ')} (TURN REST API credentials with every join)`, stop: () => turn.stop() };
    },
  },
  {
    // The local S3-compatible store (scripts/local/object-store.ts): uploads from browsers,
    // recordings from the media node, presigned by the Worker. Private: signed requests only.
    name: 'object-store',
    async start(ctx, log) {
      if (env.STORAGE_ENDPOINT) {
        ctx.storage = {
          endpoint: env.STORAGE_ENDPOINT,
          bucket: env.STORAGE_BUCKET ?? '',
          accessKeyId: env.STORAGE_ACCESS_KEY_ID ?? '',
          secretAccessKey: env.STORAGE_SECRET_ACCESS_KEY ?? '',
        };
        return { url: `${env.STORAGE_ENDPOINT} (STORAGE_ENDPOINT is set: the local store is not started)`, stop: async () => {} };
      }
      const directory = join(config.stateDir, 'object-store');
      mkdirSync(directory, { recursive: true });
      const store = await withPortHint(
        startObjectStore({ port: config.objectStorePort, directory, ...config.objectStore }),
        config.objectStorePort,
        'OBJECT_STORE_PORT',
      );
      ctx.storage = { endpoint: store.endpoint, ...config.objectStore };
      return { url: `${store.endpoint}/${store.bucket} (S3 API, signed requests only; objects in ${directory})`, stop: () => store.close() };
    },
  },
  {
    // A real SMTP server with an inbox in the browser, and the HTTP email API the Worker sends
    // through (scripts/local/mail-server.ts): every verification, reset and invitation mail lands here.
    name: 'mail',
    skip: () => (env.EMAIL_API_URL ? 'EMAIL_API_URL is set: the Worker sends through that email API' : undefined),
    async start(ctx, log) {
      await assertPortFree(config.mailPort, 'MAIL_PORT');
      await assertPortFree(config.smtpPort, 'SMTP_PORT');
      const mail = await startLocalMail({ smtpPort: config.smtpPort, httpPort: config.mailPort, apiToken: config.mailApiToken, log });
      ctx.mail = { url: mail.httpUrl, token: config.mailApiToken };
      return { url: `inbox ${mail.httpUrl} (SMTP 127.0.0.1:${mail.smtpPort})`, stop: () => mail.close() };
    },
  },
  {
    // A real OpenID Connect provider (oidc-provider) with two users, to set up an organization's
    // SSO against (scripts/local/oidc-provider.ts; client and users printed when ready).
    name: 'oidc',
    async start(_ctx, log) {
      await assertPortFree(config.oidcPort, 'OIDC_PORT');
      const web = env.WEB_URL || `http://127.0.0.1:${config.webPort}`;
      const redirectUris = [...new Set([`${web}/sso/callback`, `http://127.0.0.1:${config.webPort}/sso/callback`, `http://localhost:${config.webPort}/sso/callback`])];
      const idp = await startLocalOidc({ port: config.oidcPort, clients: [{ ...LOCAL_OIDC_CLIENT, redirectUris }], users: LOCAL_OIDC_USERS, log });
      const users = LOCAL_OIDC_USERS.map((u) => u.email).join(', ');
      return {
        url: `issuer ${idp.issuer}, client ${LOCAL_OIDC_CLIENT.clientId} / ${LOCAL_OIDC_CLIENT.clientSecret}, users ${users} (password ${LOCAL_OIDC_USERS[0]!.password})`,
        stop: () => idp.close(),
      };
    },
  },
  {
    name: 'worker',
    async start(ctx, log) {
      if (!existsSync(join(ROOT, 'workers/src/index.ts'))) throw new Error('workers/src/index.ts does not exist yet');
      await assertPortFree(config.workerPort, 'PORT');
      const origin = `http://127.0.0.1:${config.workerPort}`;
      const vars: Record<string, string> = {
        APP_ENV: 'development',
        DATABASE_URL: ctx.appDatabaseUrl,
        ...(ctx.neonWsProxy ? { NEON_WS_PROXY: ctx.neonWsProxy } : {}),
        UPSTASH_REDIS_REST_URL: ctx.upstash.url,
        UPSTASH_REDIS_REST_TOKEN: ctx.upstash.token,
        ...config.secrets,
        PUBLIC_URL: env.PUBLIC_URL || origin,
        WEB_URL: env.WEB_URL || `http://127.0.0.1:${config.webPort}`,
        // The RTMP URL the ingest settings show: the local node's listener.
        INGEST_RTMP_URL: env.INGEST_RTMP_URL || `rtmp://127.0.0.1:${config.mediaRtmpPort}/live`,
        // A hung node is found by its silence (3 s in production). Here the browsers, the node and the
        // runtime share a few cores: in an e2e run at load average 11-13 a node whose keepalives left
        // at most 2 s apart was heard 3.3 s apart by the room, which then reset every viewer. So the
        // local stack waits 10 s; a node that dies still closes its socket and is replaced at once.
        ROOM_NODE_SILENCE_MS: env.ROOM_NODE_SILENCE_MS || '10000',
        ...Object.fromEntries(config.passThrough.flatMap((k) => (env[k] ? [[k, env[k]]] : []))),
        ...(ctx.turn ? { TURN_SECRET: ctx.turn.secret, TURN_URLS: ctx.turn.urls.join(',') } : {}),
        ...(env.TURN_URLS ? { TURN_URLS: env.TURN_URLS, TURN_SECRET: config.turnSecret } : {}),
        ...(ctx.storage
          ? {
              STORAGE_ENDPOINT: ctx.storage.endpoint,
              STORAGE_BUCKET: ctx.storage.bucket,
              STORAGE_ACCESS_KEY_ID: ctx.storage.accessKeyId,
              STORAGE_SECRET_ACCESS_KEY: ctx.storage.secretAccessKey,
            }
          : {}),
        ...(ctx.mail ? { EMAIL_API_URL: ctx.mail.url, EMAIL_API_KEY: ctx.mail.token } : {}),
        ...(env.EMAIL_API_URL ? { EMAIL_API_URL: env.EMAIL_API_URL, EMAIL_API_KEY: env.EMAIL_API_KEY ?? '' } : {}),
      };
      // Both Workers in one `wrangler dev`: the main one first (it serves the port), then the fan-out
      // shards' (wrangler.shards.toml), which the main one binds by name. `--var` reaches only the
      // first, so the shards get theirs in a copy of their config made for this run.
      const args = ['dev', '--config', 'wrangler.toml', '--config', shardsDevConfig(vars, config.stateDir), '--ip', '127.0.0.1', '--port', String(config.workerPort), '--show-interactive-dev-session=false'];
      // Two wrangler instances on one state directory contend on the Durable Objects' SQLite (SQLITE_BUSY).
      if (env.WRANGLER_STATE_DIR) args.push('--persist-to', env.WRANGLER_STATE_DIR);
      for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
      const runtime =
        config.workerRuntime === 'bare'
          ? { command: process.execPath, args: ['--import', 'tsx', join(ROOT, 'scripts/local/bare-worker.ts'), ...args.slice(1)] }
          : { command: wranglerBin, args };
      return childProcess({ ...runtime, healthUrl: `${origin}/health`, readyTimeoutMs: 120_000, url: origin })(log);
    },
  },
  {
    // One media node (engine auto), dialing out to the Worker's FleetDO with a credential minted
    // from FLEET_SECRET. It has no HTTP port: it counts as started once the Worker answers.
    name: 'media-node',
    async start(_ctx, log) {
      const nodeId = env.MEDIA_NODE_ID || 'media-local';
      const region = env.MEDIA_REGION || 'local';
      const token = await signNodeToken(config.secrets.FLEET_SECRET, { nodeId, region }, 30 * 86_400);
      const origin = `http://127.0.0.1:${config.workerPort}`;
      await assertPortFree(config.mediaMetricsPort, 'MEDIA_METRICS_PORT');
      await assertPortFree(config.mediaRtmpPort, 'MEDIA_RTMP_PORT');
      const metrics = `http://127.0.0.1:${config.mediaMetricsPort}`;
      return childProcess({
        command: process.execPath,
        args: ['--import', 'tsx', 'media-node/src/main.ts'],
        env: {
          MEDIA_NODE_ID: nodeId,
          MEDIA_REGION: region,
          MEDIA_FLEET_URL: `ws://127.0.0.1:${config.workerPort}/api/v1/fleet/connect`,
          MEDIA_FLEET_TOKEN: token,
          MEDIA_METRICS_HOST: '127.0.0.1',
          MEDIA_METRICS_PORT: String(config.mediaMetricsPort),
          // RTMP ingest: OBS pushes to rtmp://127.0.0.1:1935/live with the room's stream key.
          MEDIA_RTMP_HOST: '127.0.0.1',
          MEDIA_RTMP_PORT: String(config.mediaRtmpPort),
          // Ctrl-C SIGTERMs the node, which drains: locally it hands its rooms back at once.
          MEDIA_DRAIN_TIMEOUT_SECONDS: env.MEDIA_DRAIN_TIMEOUT_SECONDS || '0',
        },
        // Ready once the node's own health endpoint answers (it is up, its engine workers running).
        healthUrl: `${metrics}/health`,
        readyTimeoutMs: 30_000,
        url: `node ${nodeId} (${region}) -> ${origin}/api/v1/fleet/connect; metrics ${metrics}/metrics (health: /health); RTMP ingest rtmp://127.0.0.1:${config.mediaRtmpPort}/live`,
      })(log);
    },
  },
  {
    // The web app as in production: the built SolidStart output under wrangler (web/wrangler.toml).
    name: 'web',
    skip: () => (existsSync(join(ROOT, 'web/app.config.ts')) ? undefined : 'web/app.config.ts does not exist yet'),
    async start(_ctx, log) {
      await assertPortFree(config.webPort, 'WEB_PORT');
      if (config.webBuild === 'always' || webBuildIsStale()) await buildWeb(log);
      const origin = `http://127.0.0.1:${config.webPort}`;
      const args = ['dev', '--config', 'web/wrangler.toml', '--assets', 'web/.output/public', '--ip', '127.0.0.1', '--port', String(config.webPort)];
      args.push('--show-interactive-dev-session=false', '--var', `API_URL:http://127.0.0.1:${config.workerPort}`);
      return childProcess({ command: wranglerBin, args, healthUrl: `${origin}/login`, readyTimeoutMs: 120_000, url: origin })(log);
    },
  },
];

async function runMigrations(adminUrl: string, log: (line: string) => void): Promise<void> {
  const file = join(ROOT, 'scripts/db/migrate.ts');
  if (!existsSync(file)) throw new Error('scripts/db/migrate.ts is missing');
  const { migrate } = (await import(pathToFileURL(file).href)) as {
    migrate: (adminDatabaseUrl: string, log?: (s: string) => void) => Promise<void>;
  };
  await migrate(adminUrl, log);
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

// ---------------------------------------------------------------------------------------------
// Orchestration: start in order, report, stop in reverse on a signal or a crash.

const started: { name: string; running: Running; log: (line: string) => void }[] = [];
/** The service being started right now, if any. */
let starting: Promise<unknown> | undefined;
let stopping: Promise<void> | undefined;

function stopAll(reason: string, exitCode: number): Promise<void> {
  stopping ??= (async () => {
    devLog(`${reason}: stopping`);
    shutdown.abort();
    // Let a start in flight finish or fail (children abort at once); main() records what started.
    await starting?.catch(() => {});
    for (const { name, running, log } of [...started].reverse()) {
      try {
        await running.stop();
      } catch (err) {
        log(`stop failed: ${(err as Error).message}`);
      }
      devLog(`${name} stopped`);
    }
    process.exit(exitCode);
  })();
  return stopping;
}

// Children run in their own process groups, so nothing else would stop them if this process died.
process.on('exit', killChildGroups);
process.on('uncaughtException', (err) => {
  devLog(`unexpected error: ${err.stack ?? err.message}`);
  void stopAll('crash', 1);
});
process.on('unhandledRejection', (err) => {
  devLog(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  void stopAll('crash', 1);
});

// Ctrl-C reaches this process twice (the terminal signals the whole foreground group, and tsx
// relays it again), so only a signal well after the first one means "stop waiting".
let firstSignalAt: number | undefined;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    const now = Date.now();
    firstSignalAt ??= now;
    if (now - firstSignalAt > 1000) {
      // A second Ctrl-C: do not wait for graceful shutdowns (the exit handler SIGKILLs children).
      process.exit(130);
    }
    void stopAll(sig, 0);
  });
}

async function main() {
  const ctx: Context = {
    databaseUrl: config.databaseUrl,
    appDatabaseUrl: config.databaseUrl,
    upstash: config.upstash ?? { url: '', token: '' },
  };
  for (const [index, service] of services.entries()) {
    const log = logger(service.name, index);
    const skipped = service.skip?.(ctx);
    if (skipped) {
      log(`skipped: ${skipped}`);
      continue;
    }
    if (stopping) return;
    let running: Running;
    try {
      const attempt = service.start(ctx, log);
      starting = attempt;
      running = await attempt;
    } catch (err) {
      if (stopping) return;
      log(`failed to start: ${(err as Error).message}`);
      await stopAll(`${service.name} did not start`, 1);
      return;
    } finally {
      starting = undefined;
    }
    started.push({ name: service.name, running, log });
    running.exited?.then((how) => void stopAll(`${service.name} ${how}`, 1));
    if (stopping) return;
  }
  const width = Math.max(...started.map((s) => s.name.length));
  devLog('ready:');
  for (const { name, running } of started) if (running.url) devLog(`  ${name.padEnd(width)}  ${running.url}`);
  devLog(`  ${'api'.padEnd(width)}  http://127.0.0.1:${config.workerPort}/api/v1  (health: /health)`);
  if (started.some((s) => s.name === 'web')) {
    const web = `http://127.0.0.1:${config.webPort}`;
    devLog(`start here: ${web}/signup, create a room, open it and press "Open host studio" to go live;`);
    devLog(`  viewers open ${web}/r/{organization-slug}/{room-slug} (demo logins: npm run db:seed)`);
    if (started.some((s) => s.name === 'mail')) devLog(`  mail (verification, password reset, invitations): http://127.0.0.1:${config.mailPort}`);
  }
  devLog('Ctrl-C stops everything');
}

void main();
