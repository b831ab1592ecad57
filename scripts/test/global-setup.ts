// Test services for the `workers` and `node` projects: a fresh, migrated `roomcast_test`
// database, the Neon WebSocket proxy, the Upstash adapter and the local S3 object store on the ports
// in services.ts.
// Redis is shared with dev and left alone: tests use unique keys (emails, IPs) instead.
//
// Both projects name this file, and vitest runs each project's global setup (one after the other,
// before any test) and each teardown (after all tests). So the first call starts everything and
// later calls join it; state lives on globalThis because each project may load its own copy of
// this module. If the ports are already served by another test run's proxy and adapter (two
// engineers on one machine), those are reused and the database is migrated but not recreated,
// so that run is not pulled out from under its tests. A webhook receiver (webhook-receiver.ts)
// listens on a port of the system's choosing, handed to the tests as `inject('webhookReceiverPort')`.
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../db/migrate.ts';
import { NEON_PROXY_HEALTH, startNeonWsProxy } from '../local/neon-ws-proxy.ts';
import { FAKE_STRIPE_HEALTH, startFakeStripe } from '../local/fake-stripe.ts';
import { OBJECT_STORE_HEALTH, startObjectStore } from '../local/object-store.ts';
import { MAIL_HEALTH, startLocalMail } from '../local/mail-server.ts';
import { OIDC_HEALTH, startLocalOidc } from '../local/oidc-provider.ts';
import { maintenanceUrl } from '../local/postgres.ts';
import { UPSTASH_ADAPTER_HEALTH, startUpstashAdapter } from '../local/upstash-adapter.ts';
import { testServices } from './services.ts';
import { startWebhookReceiver } from './webhook-receiver.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    webhookReceiverPort: number;
    oidc: { issuer: string; clients: { clientId: string; clientSecret: string; redirectUris: string[] }[] };
  }
}

interface Running {
  close(): Promise<void>;
}
interface Started extends Running {
  webhookReceiverPort: number;
}
interface SharedState {
  refs: number;
  ready: Promise<Started>;
}

const STATE = Symbol.for('roomcast.test-services');
const shared = globalThis as { [STATE]?: SharedState };
const log = (line: string) => console.log(`[test-services] ${line}`);

export default async function setup(project?: TestProject): Promise<() => Promise<void>> {
  let state = shared[STATE];
  if (!state) {
    state = { refs: 0, ready: start() };
    shared[STATE] = state;
  }
  state.refs += 1;
  let running: Started;
  try {
    running = await state.ready;
    project?.provide('webhookReceiverPort', running.webhookReceiverPort);
    project?.provide('oidc', { issuer: testServices.oidc.issuer, clients: testServices.oidc.clients.map((c) => ({ ...c, redirectUris: [...c.redirectUris] })) });
  } catch (err) {
    state.refs -= 1;
    if (shared[STATE] === state) delete shared[STATE];
    throw err;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    state.refs -= 1;
    if (state.refs > 0) return;
    if (shared[STATE] === state) delete shared[STATE];
    await running.close();
  };
}

async function start(): Promise<Started> {
  const owned: Running[] = [];
  let webhookReceiverPort = 0;
  const closeAll = async () => {
    for (const s of owned.reverse()) await s.close().catch(() => {});
  };
  try {
    const proxy = await ownOrReuse('Neon proxy', testServices.neonProxyPort, NEON_PROXY_HEALTH, () =>
      startNeonWsProxy({ port: testServices.neonProxyPort }),
    );
    if (proxy) owned.push(proxy);
    const adapter = await ownOrReuse('Upstash adapter', testServices.upstashPort, UPSTASH_ADAPTER_HEALTH, () =>
      startUpstashAdapter({
        port: testServices.upstashPort,
        redisUrl: testServices.redisUrl,
        token: testServices.upstashToken,
      }),
    );
    if (adapter) owned.push(adapter);
    const stripe = await ownOrReuse('FAKE Stripe', testServices.fakeStripePort, FAKE_STRIPE_HEALTH, () =>
      startFakeStripe({ port: testServices.fakeStripePort, secretKey: testServices.stripeSecretKey, log: () => {} }),
    );
    if (stripe) owned.push(stripe);
    const store = await ownOrReuse('object store', testServices.objectStorePort, OBJECT_STORE_HEALTH, () =>
      startObjectStore({ port: testServices.objectStorePort, ...testServices.objectStore }),
    );
    if (store) owned.push(store);
    const mail = await ownOrReuse('local mail', testServices.mailPort, MAIL_HEALTH, () =>
      startLocalMail({ smtpPort: 0, httpPort: testServices.mailPort, apiToken: testServices.mailApiToken }),
    );
    if (mail) owned.push(mail);
    const oidc = await ownOrReuse('local OIDC provider', testServices.oidc.port, OIDC_HEALTH, () =>
      startLocalOidc({ port: testServices.oidc.port, users: 'any', clients: testServices.oidc.clients.map((c) => ({ ...c, redirectUris: [...c.redirectUris] })) }),
    );
    if (oidc) owned.push(oidc);
    const receiver = await startWebhookReceiver();
    owned.push(receiver);
    webhookReceiverPort = receiver.port;

    const anotherRunIsActive = !proxy || !adapter;
    await prepareDatabase(testServices.adminDatabaseUrl, { recreate: !anotherRunIsActive });
    await migrate(testServices.adminDatabaseUrl, log);
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { close: closeAll, webhookReceiverPort };
}

/** Starts the service, or returns undefined when our own kind already serves that port. */
async function ownOrReuse<T extends Running>(
  name: string,
  port: number,
  health: string,
  startService: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await startService();
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    const body = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.text())
      .catch(() => '');
    if (body === health) {
      log(`${name}: port ${port} is served by another test run; sharing it`);
      return undefined;
    }
    throw new Error(`${name}: port ${port} is taken by something else; set the port variable named in scripts/test/services.ts`);
  }
}

async function prepareDatabase(adminUrl: string, opts: { recreate: boolean }): Promise<void> {
  const name = decodeURIComponent(new URL(adminUrl).pathname.slice(1));
  const client = new pg.Client({ connectionString: maintenanceUrl(adminUrl), connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`test database server at ${new URL(adminUrl).host} is unreachable: ${(err as Error).message}`);
  }
  try {
    const ident = pg.escapeIdentifier(name);
    if (opts.recreate) {
      await client.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${ident}`);
    } else {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) await client.query(`CREATE DATABASE ${ident}`);
    }
  } finally {
    await client.end().catch(() => {});
  }
}
