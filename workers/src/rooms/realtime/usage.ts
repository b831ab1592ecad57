// Join and leave times for billing, written to Postgres participant_sessions. Each change is first
// queued in the object's SQLite (an outbox), then flushed in batches over one connection, so a
// join never waits on Postgres and a failed write is retried by the alarm instead of lost.
import { sql as dsql } from 'drizzle-orm';
import { participantSessions } from '@roomcast/schema/db';
import type { Role } from '@roomcast/schema';
import type { Config } from '../../config.ts';
import { Database } from '../../db/database.ts';

export interface JoinRow {
  id: string;
  organizationId: string;
  roomId: string;
  roomSessionId: string | null;
  identity: string;
  userId: string | null;
  name: string;
  role: Role;
  joinedAt: number;
}

interface OutboxRow extends Record<string, SqlStorageValue> {
  seq: number;
  kind: 'join' | 'leave';
  usage_id: string;
  organization_id: string;
  payload: string;
}

export class UsageOutbox {
  #flushing: Promise<void> | undefined;
  #again = false;

  constructor(
    private readonly sql: SqlStorage,
    private readonly config: Config,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS usage_outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, usage_id TEXT NOT NULL,
      organization_id TEXT NOT NULL, payload TEXT NOT NULL)`);
  }

  joined(row: JoinRow): void {
    this.sql.exec(
      `INSERT INTO usage_outbox (kind, usage_id, organization_id, payload) VALUES ('join', ?, ?, ?)`,
      row.id,
      row.organizationId,
      JSON.stringify(row),
    );
  }

  left(usageId: string, organizationId: string, at: number): void {
    this.sql.exec(
      `INSERT INTO usage_outbox (kind, usage_id, organization_id, payload) VALUES ('leave', ?, ?, ?)`,
      usageId,
      organizationId,
      JSON.stringify({ leftAt: at }),
    );
  }

  pending(): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM usage_outbox`).one().n;
  }

  /** Writes everything queued; concurrent calls share one flush and schedule one more. */
  flush(): Promise<void> {
    if (this.#flushing) {
      this.#again = true;
      return this.#flushing;
    }
    this.#flushing = (async () => {
      try {
        do {
          this.#again = false;
          await this.#flushOnce();
        } while (this.#again);
      } finally {
        this.#flushing = undefined;
      }
    })();
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    const rows = this.sql.exec<OutboxRow>(`SELECT * FROM usage_outbox ORDER BY seq LIMIT 500`).toArray();
    if (rows.length === 0) return;
    const byOrg = Map.groupBy(rows, (r) => r.organization_id);
    const db = new Database(this.config);
    try {
      for (const [organizationId, batch] of byOrg) {
        await db.scoped({ organizationId }, async (tx) => {
          const joins = batch.filter((r) => r.kind === 'join').map((r) => JSON.parse(r.payload) as JoinRow);
          if (joins.length > 0) {
            await tx
              .insert(participantSessions)
              .values(
                joins.map((j) => ({
                  id: j.id,
                  organizationId: j.organizationId,
                  roomId: j.roomId,
                  roomSessionId: j.roomSessionId,
                  identity: j.identity,
                  userId: j.userId,
                  name: j.name,
                  role: j.role,
                  joinedAt: new Date(j.joinedAt),
                })),
              )
              .onConflictDoNothing();
          }
          for (const leave of batch.filter((r) => r.kind === 'leave')) {
            const { leftAt } = JSON.parse(leave.payload) as { leftAt: number };
            await tx.execute(
              dsql`update participant_sessions set left_at = ${new Date(leftAt).toISOString()} where id = ${leave.usage_id} and left_at is null`,
            );
          }
        });
      }
      this.sql.exec(`DELETE FROM usage_outbox WHERE seq <= ?`, rows.at(-1)!.seq);
      if (rows.length === 500) this.#again = true;
    } finally {
      await db.close();
    }
  }
}
