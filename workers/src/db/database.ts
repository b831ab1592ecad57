// One Postgres connection per request, opened on first use and closed when the response is done
// (Workers cannot share sockets between requests). Every query runs in a transaction whose
// `app.organization_id` / `app.user_id` settings drive the row-level security policies.
import { Client, neonConfig } from '@neondatabase/serverless';
import { sql } from 'drizzle-orm';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import { isUuid } from '../auth/tokens.ts';
import type { Config } from '../config.ts';

/**
 * What handlers query through: drizzle over this request's connection, inside `scoped()`. Without
 * drizzle's relational `query` API: given the schema, drizzle() walks every table to build it, 1.7 ms
 * of CPU per connection (every request and every Durable Object read); the query builder needs none.
 */
export type Tx = NeonDatabase;
export interface Scope {
  organizationId?: string | undefined;
  userId?: string | undefined;
}

let proxyConfigured: string | undefined;
function configureDriver(config: Config) {
  if (!config.neonWsProxy || proxyConfigured === config.neonWsProxy) return;
  const proxy = config.neonWsProxy;
  neonConfig.wsProxy = (host, port) => `${proxy}/v2?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  proxyConfigured = proxy;
}

export class Database {
  #client: Client | undefined;
  #db: Promise<NeonDatabase> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly config: Config) {}

  #connect(): Promise<NeonDatabase> {
    this.#db ??= (async () => {
      configureDriver(this.config);
      const client = new Client(this.config.databaseUrl);
      // A finished local connection reports "Network connection lost"; it is not a failure.
      client.on('error', () => {});
      await client.connect();
      this.#client = client;
      return drizzle({ client });
    })();
    return this.#db;
  }

  /**
   * Runs `work` in one transaction scoped to a tenant and/or user for RLS. Calls on one request's
   * connection are serialized, so two transactions can never interleave on it.
   */
  scoped<T>(scope: Scope, work: (tx: Tx) => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => this.#transaction(scope, work));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #transaction<T>(scope: Scope, work: (tx: Tx) => Promise<T>): Promise<T> {
    const organizationId = scope.organizationId ?? '';
    const userId = scope.userId ?? '';
    if ((organizationId && !isUuid(organizationId)) || (userId && !isUuid(userId))) {
      throw new Error('RLS scope ids must be UUIDs');
    }
    const db = await this.#connect();
    const client = this.#client!;
    // BEGIN and the RLS settings share one round trip. A multi-statement query cannot take bind
    // parameters; the values were just checked to be UUIDs, so inlining them is safe.
    await client.query(
      `begin; select set_config('app.organization_id', '${organizationId}', true), set_config('app.user_id', '${userId}', true)`,
    );
    try {
      const result = await work(db);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    }
  }

  /** One statement on global tables (users, sessions, plans, stripe_events): no tenant, no transaction. */
  async global<T>(work: (db: Tx) => Promise<T>): Promise<T> {
    await this.#queue;
    return work(await this.#connect());
  }

  async ping(): Promise<void> {
    const db = await this.#connect();
    await db.execute(sql`select 1`);
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#db = undefined;
    await client?.end().catch(() => {});
  }
}
