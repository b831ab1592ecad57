// One Postgres connection per request, opened on first use and closed when the response is done
// (Workers cannot share sockets between requests). Every query runs in a transaction whose
// `app.organization_id` / `app.user_id` settings drive the row-level security policies.
import { Client, neonConfig } from '@neondatabase/serverless';
import { sql } from 'drizzle-orm';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import * as tables from '@roomcast/schema/db';
import type { Config } from '../config.ts';

export type Tx = Parameters<Parameters<NeonDatabase<typeof tables>['transaction']>[0]>[0];
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
  #db: Promise<NeonDatabase<typeof tables>> | undefined;

  constructor(private readonly config: Config) {}

  #connect(): Promise<NeonDatabase<typeof tables>> {
    this.#db ??= (async () => {
      configureDriver(this.config);
      const client = new Client(this.config.databaseUrl);
      // A finished local connection reports "Network connection lost"; it is not a failure.
      client.on('error', () => {});
      await client.connect();
      this.#client = client;
      return drizzle({ client, schema: tables });
    })();
    return this.#db;
  }

  /** Runs `work` in one transaction scoped to a tenant and/or user for RLS. */
  async scoped<T>(scope: Scope, work: (tx: Tx) => Promise<T>): Promise<T> {
    const db = await this.#connect();
    return db.transaction(async (tx) => {
      await tx.execute(
        sql`select set_config('app.organization_id', ${scope.organizationId ?? ''}, true), set_config('app.user_id', ${scope.userId ?? ''}, true)`,
      );
      return work(tx);
    });
  }

  /** Global tables only (users, sessions, plans, stripe_events): no tenant setting. */
  global<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.scoped({}, work);
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
