// Which Postgres the local stack uses: the server at DATABASE_URL when one answers, otherwise
// embedded PGlite (real Postgres compiled to WASM) persisted under .wrangler/state/pglite.
//
// PGlite fidelity limits worth knowing (see notes/stack-facts.md): it is one backend session
// shared by every connection (queries are queued; a transaction holds everyone else up), and it
// ignores the user and database named at startup, so every connection is the superuser
// `postgres` in database `postgres` -- Row-Level Security is bypassed unless the code switches
// role itself (SET LOCAL ROLE).
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { isLoopback } from './neon-ws-proxy.ts';

export interface ResolvedPostgres {
  /** Superuser URL of the database to use (same as the input unless embedded on another port). */
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PGLITE_DATA_DIR = join(REPO_ROOT, '.wrangler/state/pglite');
const PROBE_TIMEOUT_MS = 1500;
// Errors that mean "nothing (usable) is listening there", as opposed to "a server said no".
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export async function resolvePostgres(databaseUrl: string, log: (line: string) => void): Promise<ResolvedPostgres> {
  const target = new URL(databaseUrl);
  const dbName = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
  const probe = await probePostgres(databaseUrl);

  if (probe.ok) {
    return { url: databaseUrl, embedded: false, close: async () => {} };
  }
  if (probe.code === '3D000') {
    await createDatabase(databaseUrl, dbName);
    log(`created database "${dbName}" on ${target.host}`);
    return { url: databaseUrl, embedded: false, close: async () => {} };
  }
  if (!probe.unreachable) {
    throw new Error(`Postgres at ${target.host} refused the connection: ${probe.message}`);
  }
  if (!isLoopback(target.hostname)) {
    throw new Error(`Postgres at ${target.host} is unreachable (${probe.message}); embedded PGlite only replaces a local server`);
  }
  return startPglite(target, probe.message, log);
}

/**
 * The URL the API role uses: same server and database, user `roomcast_app` (created by the
 * migrations without a password: local servers use trust auth).
 */
export function appDatabaseUrl(adminUrl: string, role = 'roomcast_app', password = ''): string {
  const url = new URL(adminUrl);
  url.username = role;
  url.password = password;
  return url.toString();
}

/** The same server's maintenance database, for CREATE/DROP DATABASE. */
export function maintenanceUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

/** Drops (closing its connections) and recreates the database `adminUrl` names: a clean slate for a test run. */
export async function recreateDatabase(adminUrl: string): Promise<void> {
  const name = decodeURIComponent(new URL(adminUrl).pathname.slice(1));
  const client = new pg.Client({ connectionString: maintenanceUrl(adminUrl), connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

type Probe = { ok: true } | { ok: false; unreachable: boolean; code?: string; message: string };

async function probePostgres(url: string): Promise<Probe> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true };
  } catch (err) {
    const e = err as Error & { code?: string };
    const timedOut = /timeout/i.test(e.message);
    const closed = /Connection terminated unexpectedly/i.test(e.message);
    return {
      ok: false,
      unreachable: timedOut || closed || (e.code !== undefined && UNREACHABLE.has(e.code)),
      code: e.code,
      message: e.code && !e.message.includes(e.code) ? `${e.code} ${e.message}` : e.message,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

async function createDatabase(url: string, dbName: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(url), connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(dbName)}`);
  } catch (err) {
    // Someone else created it between the probe and now.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await client.end().catch(() => {});
  }
}

async function startPglite(target: URL, why: string, log: (line: string) => void): Promise<ResolvedPostgres> {
  // Imported lazily: the WASM build is large and only needed without a local server.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  await mkdir(PGLITE_DATA_DIR, { recursive: true });
  const db = await PGlite.create(PGLITE_DATA_DIR);

  // Prefer the port from DATABASE_URL so the URL stays as configured; fall back to a free one.
  const preferred = Number(target.port || 5432);
  let server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: preferred, maxConnections: 64 });
  try {
    await server.start();
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE') {
      await db.close();
      throw err;
    }
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 64 });
    await server.start();
  }
  const port = Number(server.getServerConn().split(':').at(-1));
  const url = new URL(target.toString());
  url.hostname = '127.0.0.1';
  url.port = String(port);

  log(
    `no Postgres answered at ${target.host} (${why}): using embedded PGlite on 127.0.0.1:${port}, ` +
      `data in ${relative(process.cwd(), PGLITE_DATA_DIR) || PGLITE_DATA_DIR} ` +
      `(one shared session, always superuser: RLS is not enforced)`,
  );

  let closing: Promise<void> | undefined;
  return {
    url: url.toString(),
    embedded: true,
    close() {
      closing ??= (async () => {
        await server.stop().catch(() => {});
        await db.close().catch(() => {});
      })();
      return closing;
    },
  };
}
