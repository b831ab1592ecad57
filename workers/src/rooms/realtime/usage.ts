// Join and leave times for billing, written to Postgres participant_sessions. Each change is first
// queued in the object's SQLite (an outbox), then flushed in batches over one connection, so a
// join never waits on Postgres and a failed write is retried by the alarm instead of lost.
// The participant.joined/left webhook events are logged in the same transaction as the rows they
// describe, in the outbox's order, and only for rows this flush actually wrote (a retried flush
// logs nothing twice). usage.threshold for viewers per room goes through the same outbox (queued
// once per room session and threshold).
import { sql as dsql } from 'drizzle-orm';
import { participantSessions } from '@roomcast/schema/db';
import type { RoomRole } from '@roomcast/schema';
import type { WebhookEventData } from '@roomcast/schema/api';
import type { Config } from '../../config.ts';
import { Database } from '../../db/database.ts';
import { emitWebhookEvent } from '../../webhooks/events.ts';
import { wakeWebhookDelivery } from '../../webhooks/wake.ts';

export interface JoinRow {
  id: string;
  organizationId: string;
  roomId: string;
  roomSessionId: string | null;
  identity: string;
  userId: string | null;
  name: string;
  role: RoomRole;
  joinedAt: number;
}

interface LeftRow extends Record<string, unknown> {
  id: string;
  room_id: string;
  room_session_id: string | null;
  identity: string;
  user_id: string | null;
  name: string;
  role: RoomRole;
  joined_at: string;
  left_at: string;
}

interface OutboxRow extends Record<string, SqlStorageValue> {
  seq: number;
  kind: 'join' | 'leave' | 'threshold';
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
    sql.exec(`CREATE TABLE IF NOT EXISTS usage_thresholds_sent (
      session_id TEXT NOT NULL, lim TEXT NOT NULL, threshold INTEGER NOT NULL, PRIMARY KEY (session_id, lim, threshold))`);
  }

  /** Queues usage.threshold for a per-room limit, once per room session, limit and threshold. */
  thresholdReached(organizationId: string, sessionId: string, data: WebhookEventData<'usage.threshold'>): void {
    const inserted = this.sql.exec(`INSERT OR IGNORE INTO usage_thresholds_sent (session_id, lim, threshold) VALUES (?, ?, ?)`, sessionId, data.limit, data.threshold);
    if (inserted.rowsWritten === 0) return;
    this.sql.exec(
      `INSERT INTO usage_outbox (kind, usage_id, organization_id, payload) VALUES ('threshold', ?, ?, ?)`,
      crypto.randomUUID(),
      organizationId,
      JSON.stringify(data),
    );
  }

  joined(row: JoinRow): void {
    this.sql.exec(
      `INSERT INTO usage_outbox (kind, usage_id, organization_id, payload) VALUES ('join', ?, ?, ?)`,
      row.id,
      row.organizationId,
      JSON.stringify(row),
    );
  }

  left(usageId: string, organizationId: string, at: number, reason?: string): void {
    this.sql.exec(
      `INSERT INTO usage_outbox (kind, usage_id, organization_id, payload) VALUES ('leave', ?, ?, ?)`,
      usageId,
      organizationId,
      JSON.stringify({ leftAt: at, reason }),
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
    const notify: string[] = [];
    try {
      for (const [organizationId, batch] of byOrg) {
        const events = await db.scoped({ organizationId }, async (tx) => {
          const joins = batch.filter((r) => r.kind === 'join').map((r) => JSON.parse(r.payload) as JoinRow);
          const inserted = new Set<string>();
          if (joins.length > 0) {
            const rows = await tx
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
              .onConflictDoNothing()
              .returning({ id: participantSessions.id });
            for (const r of rows) inserted.add(r.id);
          }
          const left = new Map<string, LeftRow>();
          for (const leave of batch.filter((r) => r.kind === 'leave')) {
            const { leftAt } = JSON.parse(leave.payload) as { leftAt: number };
            const updated = await tx.execute<LeftRow>(
              dsql`update participant_sessions set left_at = ${new Date(leftAt).toISOString()} where id = ${leave.usage_id} and left_at is null
                   returning id, room_id, room_session_id, identity, user_id, name, role, joined_at, left_at`,
            );
            if (updated.rows[0]) left.set(leave.usage_id, updated.rows[0]);
          }
          let made = 0;
          for (const row of batch) {
            if (row.kind === 'join' && inserted.has(row.usage_id)) {
              const j = JSON.parse(row.payload) as JoinRow;
              made += await emitWebhookEvent(tx, organizationId, 'participant.joined', {
                room: { id: j.roomId },
                session: { id: j.roomSessionId },
                participant: { id: j.id, identity: j.identity, name: j.name, role: j.role, userId: j.userId },
                joinedAt: new Date(j.joinedAt).toISOString(),
              }, new Date(j.joinedAt));
            } else if (row.kind === 'threshold') {
              made += await emitWebhookEvent(tx, organizationId, 'usage.threshold', JSON.parse(row.payload) as WebhookEventData<'usage.threshold'>);
            } else if (row.kind === 'leave' && left.has(row.usage_id)) {
              const l = left.get(row.usage_id)!;
              const { reason } = JSON.parse(row.payload) as { reason?: string };
              const leftAt = new Date(l.left_at);
              made += await emitWebhookEvent(tx, organizationId, 'participant.left', {
                room: { id: l.room_id },
                session: { id: l.room_session_id },
                participant: { id: l.id, identity: l.identity, name: l.name, role: l.role, userId: l.user_id },
                joinedAt: new Date(l.joined_at).toISOString(),
                leftAt: leftAt.toISOString(),
                ...(reason ? { reason } : {}),
              }, leftAt);
            }
          }
          return made;
        });
        if (events > 0) notify.push(organizationId);
      }
      this.sql.exec(`DELETE FROM usage_outbox WHERE seq <= ?`, rows.at(-1)!.seq);
      if (rows.length === 500) this.#again = true;
    } finally {
      await db.close();
    }
    for (const organizationId of notify) await wakeWebhookDelivery(organizationId);
  }
}
