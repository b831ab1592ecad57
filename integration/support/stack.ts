// The real stack for the fleet integration test, on its own ports so it runs beside `npm run dev`
// and the other test projects: a fresh database, the Neon proxy and Upstash adapter
// (scripts/local), the local S3-compatible object store (scripts/local/object-store.ts, on a free
// port, objects in a temporary folder), the Worker under `wrangler dev` (own state directory), and
// media node processes (media-node/src/main.ts, embedded engine) dialing out to the Worker's FleetDO.
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '../../scripts/db/migrate.ts';
import { startNeonWsProxy } from '../../scripts/local/neon-ws-proxy.ts';
import { startObjectStore } from '../../scripts/local/object-store.ts';
import { shardsDevConfig } from '../../scripts/local/shards-dev-config.ts';
import { appDatabaseUrl, recreateDatabase } from '../../scripts/local/postgres.ts';
import { startUpstashAdapter } from '../../scripts/local/upstash-adapter.ts';
import { markEmailsVerified } from '../../scripts/local/verified-email-fixture.ts';
import { signNodeToken } from '../../workers/src/fleet/fleet-token.ts';
import { waitFor } from '../../schema/test/support/wait.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const env = process.env;
const num = (name: string, fallback: number) => Number(env[name] || fallback);

export const PORTS = {
  api: num('FLEET_IT_API_PORT', 28787),
  neonProxy: num('FLEET_IT_NEON_PROXY_PORT', 28789),
  upstash: num('FLEET_IT_UPSTASH_PORT', 28079),
  inspector: num('FLEET_IT_INSPECTOR_PORT', 28229),
  /** RTC ports of the media nodes: 10 per node from here (21000-21100). */
  rtcBase: num('FLEET_IT_RTC_BASE', 21000),
  /** A node's RTMP listener, for the tests that start one (MEDIA_RTMP_PORT). */
  rtmp: num('FLEET_IT_RTMP_PORT', num('FLEET_IT_API_PORT', 28787) + 40),
};
const ADMIN_DATABASE_URL = env.FLEET_IT_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/roomcast_fleet_it';
const SECRETS = {
  ROOM_TOKEN_SECRET: 'fleet-it-room-token-secret-0123456789abcdef',
  FLEET_SECRET: 'fleet-it-fleet-secret-0123456789abcdef',
  ADMIN_TOKEN: 'fleet-it-admin-token-0123456789abcdef0123',
};

export interface MediaNodeProcess {
  nodeId: string;
  /** Lines the node logged (JSON). */
  lines: string[];
  /** SIGKILL: the node dies without saying goodbye, as a crashed VM would. */
  kill(): Promise<void>;
  /** SIGSTOP: the node hangs with its sockets open, as a partitioned VM would look. */
  freeze(): void;
  stop(): Promise<void>;
  /** Sends one signal and does not wait (SIGTERM: the node drains, then exits on its own). */
  signal(sig: NodeJS.Signals): void;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string>;
}

export interface FleetStack {
  url: string;
  adminToken: string;
  /** The object store the Worker and the nodes use, and its keys (the test reads objects with them). */
  objectStore: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  /** `env`: further MEDIA_* settings (MEDIA_DRAIN_TIMEOUT_SECONDS, for instance). */
  startNode(nodeId: string, index: number, env?: Record<string, string>): Promise<MediaNodeProcess>;
  /** The admin API's view of the fleet (`GET /api/v1/admin/fleet/nodes`). */
  nodes(): Promise<any[]>;
  stop(): Promise<void>;
}

/** Polls `check` until it returns a value; the message names what was awaited. */
export const waitUntil = <T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T> =>
  waitFor(what, check, { timeoutMs, intervalMs: 100 });

/** `extraVars` add to (or override) the Worker's variables, e.g. MEDIA_VIEWERS_PER_NODE. */
export async function startFleetStack(log: (line: string) => void = () => {}, extraVars: Record<string, string> = {}): Promise<FleetStack> {
  const cleanup: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const c of cleanup.reverse()) await c().catch(() => {});
  };
  try {
    await recreateDatabase(ADMIN_DATABASE_URL);
    await migrate(ADMIN_DATABASE_URL, log);
    const proxy = await startNeonWsProxy({ port: PORTS.neonProxy });
    cleanup.push(() => proxy.close());
    const upstashToken = 'fleet-it-upstash-token';
    const adapter = await startUpstashAdapter({ port: PORTS.upstash, redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379', token: upstashToken });
    cleanup.push(() => adapter.close());

    const url = `http://127.0.0.1:${PORTS.api}`;
    const state = mkdtempSync(join(tmpdir(), 'roomcast-fleet-it-'));
    cleanup.push(async () => rmSync(state, { recursive: true, force: true }));
    const storeKeys = { bucket: 'roomcast-fleet-it', accessKeyId: 'fleet-it-access-key', secretAccessKey: 'fleet-it-secret-key-0123456789' };
    const store = await startObjectStore({ port: 0, directory: join(state, 'objects'), ...storeKeys });
    cleanup.push(() => store.close());
    const vars: Record<string, string> = {
      APP_ENV: 'development',
      DATABASE_URL: appDatabaseUrl(ADMIN_DATABASE_URL),
      NEON_WS_PROXY: `127.0.0.1:${PORTS.neonProxy}`,
      UPSTASH_REDIS_REST_URL: adapter.url,
      UPSTASH_REDIS_REST_TOKEN: upstashToken,
      ...SECRETS,
      PUBLIC_URL: url,
      AUTH_RATE_LIMIT_PER_IP: '10000',
      AUTH_RATE_LIMIT_PER_EMAIL: '10000',
      SIGNUP_RATE_LIMIT_PER_IP_PER_HOUR: '10000',
      API_RATE_LIMIT_PER_ANONYMOUS_CLIENT: '100000',
      FLEET_HEARTBEAT_SECONDS: '2',
      FLEET_NODE_STALE_SECONDS: '6',
      STORAGE_ENDPOINT: store.endpoint,
      STORAGE_BUCKET: storeKeys.bucket,
      STORAGE_ACCESS_KEY_ID: storeKeys.accessKeyId,
      STORAGE_SECRET_ACCESS_KEY: storeKeys.secretAccessKey,
      ...extraVars,
    };
    // Both Workers, as deployed: the main one and the fan-out shards' (scripts/local/shards-dev-config.ts).
    const args = ['dev', '--config', join(ROOT, 'wrangler.toml'), '--config', shardsDevConfig(vars, state), '--ip', '127.0.0.1', '--port', String(PORTS.api), '--inspector-port', String(PORTS.inspector), '--persist-to', state, '--show-interactive-dev-session=false'];
    for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
    const worker = spawnGroup(join(ROOT, 'node_modules/.bin/wrangler'), args, {}, (l) => log(`[worker] ${l}`));
    cleanup.push(() => worker.stop());
    await waitReady('the Worker', async () => (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).status > 0, 120_000, worker.child);

    const nodes: MediaNodeProcess[] = [];
    cleanup.push(async () => {
      for (const n of nodes) await n.stop();
    });
    return {
      url,
      adminToken: SECRETS.ADMIN_TOKEN,
      objectStore: { endpoint: store.endpoint, ...storeKeys },
      async nodes() {
        const res = await fetch(`${url}/api/v1/admin/fleet/nodes`, { headers: { authorization: `Bearer ${SECRETS.ADMIN_TOKEN}` } });
        return ((await res.json()) as { nodes: any[] }).nodes;
      },
      stop,
      async startNode(nodeId, index, extraEnv = {}) {
        // A retried test starts its nodes again: the first try's node of this id (and ports) goes.
        const earlier = nodes.findIndex((n) => n.nodeId === nodeId);
        if (earlier !== -1) await nodes.splice(earlier, 1)[0]!.stop();
        const token = await signNodeToken(SECRETS.FLEET_SECRET, { nodeId, region: 'local' }, 3600);
        const lines: string[] = [];
        const port = PORTS.rtcBase + index * 10;
        const proc = spawnGroup(process.execPath, ['--import', 'tsx', 'media-node/src/main.ts'], {
          MEDIA_NODE_ID: nodeId,
          MEDIA_REGION: 'local',
          MEDIA_ENGINE: 'embedded',
          MEDIA_WORKERS: '1',
          MEDIA_LISTEN_IP: '127.0.0.1',
          MEDIA_ANNOUNCED_ADDRESS: '127.0.0.1',
          MEDIA_RTC_MIN_PORT: String(port),
          MEDIA_RTC_MAX_PORT: String(port + 9),
          MEDIA_FLEET_URL: `ws://127.0.0.1:${PORTS.api}/api/v1/fleet/connect`,
          MEDIA_FLEET_TOKEN: token,
          // Metrics on a free port: two nodes (and a developer's npm run dev) never collide.
          MEDIA_METRICS_PORT: '0',
          ...extraEnv,
        }, (l) => {
          lines.push(l);
          log(`[${nodeId}] ${l}`);
        });
        const node: MediaNodeProcess = {
          nodeId,
          lines,
          kill: () => proc.kill(),
          freeze: () => proc.freeze(),
          stop: () => proc.stop(),
          signal: (sig) => proc.child.kill(sig),
          exited: new Promise((resolve) => proc.child.once('exit', (code, sig) => resolve(code ?? sig ?? 'unknown'))),
        };
        nodes.push(node);
        await waitReady(`media node ${nodeId}`, async () => lines.some((l) => l.includes('registered with the fleet')), 30_000, proc.child);
        return node;
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A child in its own process group, so stop/kill reach its whole tree (workerd under wrangler). */
function spawnGroup(command: string, args: string[], extraEnv: Record<string, string>, log: (line: string) => void) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...env, ...extraEnv, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) log(p);
    });
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // gone
    }
  };
  return {
    child,
    freeze() {
      signal('SIGSTOP');
    },
    async kill() {
      signal('SIGKILL');
      await Promise.race([exited, sleep(3000)]);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return signal('SIGKILL');
      signal('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      signal('SIGKILL');
    },
  };
}

/** Ready when `check` says so; gives up at once if the process it waits for exits. */
function waitReady(what: string, check: () => Promise<boolean>, timeoutMs: number, child: ChildProcess): Promise<boolean> {
  return waitFor(what, check, { timeoutMs, intervalMs: 300, abortIf: () => (child.exitCode !== null ? `it exited with code ${child.exitCode}` : undefined) });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One REST call; throws with the API's error body on a non-2xx answer. */
export async function rest(url: string, method: string, path: string, body?: unknown, token?: string): Promise<any> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A new account's public room, started: the host's join and a way to join viewers. */
/** Marks a fleet stack account's address verified, as scripted stacks do (verified-email-fixture.ts). */
export const markVerified = (email: string) => markEmailsVerified(ADMIN_DATABASE_URL, [email]);

export async function liveRoom(url: string, title: string) {
  const signup = await rest(url, 'POST', '/auth/signup', {
    email: `host-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`,
    password: 'a long enough password',
    name: 'Host',
    organizationName: title,
  });
  const org = signup.organization.id as string;
  await markVerified(signup.user.email);
  const { workspaces } = await rest(url, 'GET', `/organizations/${org}/workspaces`, undefined, signup.token);
  const slug = `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${Date.now()}`;
  const room = await rest(url, 'POST', `/organizations/${org}/rooms`, { workspaceId: workspaces[0].id, title, slug, visibility: 'public' }, signup.token);
  await rest(url, 'POST', `/organizations/${org}/rooms/${room.id}/start`, undefined, signup.token);
  const hostJoin = await rest(url, 'POST', `/organizations/${org}/rooms/${room.id}/join`, undefined, signup.token);
  return {
    roomId: room.id as string,
    hostJoin: hostJoin as { signalingUrl: string; token: string },
    organizationId: org,
    ownerToken: signup.token as string,
    joinViewer: (name: string) => rest(url, 'POST', `/public/rooms-by-id/${room.id}/join`, { name }) as Promise<{ signalingUrl: string; token: string }>,
    end: () => rest(url, 'POST', `/organizations/${org}/rooms/${room.id}/end`, undefined, signup.token),
  };
}

/** Moves the organization to another plan (Professional for recording), as billing would. */
export async function setPlan(organizationId: string, planId: 'starter' | 'professional' | 'business' | 'enterprise'): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`update subscriptions set plan_id = $1, status = 'active' where organization_id = $2`, [planId, organizationId]);
  } finally {
    await client.end();
  }
}
