// What the RoomDO reads from and writes to Postgres besides usage rows: the plan's viewer limit
// (cached briefly: admission must not cost a query per viewer) and closing the room session when
// the room ends from inside (a host's room.end, or the empty-room alarm).
import { and, eq, isNull } from 'drizzle-orm';
import { roomSessions } from '@roomcast/schema/db';
import type { Config } from '../../config.ts';
import { Database } from '../../db/database.ts';
import { effectivePlan } from '../../plans/limits.ts';

export interface ViewerLimit {
  planName: string;
  /** null: unlimited. */
  max: number | null;
}

export class PlanCache {
  #cached: { organizationId: string; limit: ViewerLimit; at: number } | undefined;
  #loading: Promise<ViewerLimit> | undefined;

  constructor(private readonly config: Config) {}

  async viewerLimit(organizationId: string, now: number): Promise<ViewerLimit> {
    const c = this.#cached;
    if (c && c.organizationId === organizationId && now - c.at < this.config.room.planCacheMs) return c.limit;
    // One read for a burst of joins.
    this.#loading ??= (async () => {
      const db = new Database(this.config);
      try {
        const plan = await db.scoped({ organizationId }, (tx) => effectivePlan(tx, organizationId));
        const limit = { planName: plan.name, max: plan.maxViewersPerRoom };
        this.#cached = { organizationId, limit, at: Date.now() };
        return limit;
      } finally {
        this.#loading = undefined;
        await db.close();
      }
    })();
    return this.#loading;
  }
}

export async function endRoomSession(config: Config, organizationId: string, roomId: string, sessionId: string): Promise<void> {
  const db = new Database(config);
  try {
    await db.scoped({ organizationId }, (tx) =>
      tx
        .update(roomSessions)
        .set({ endedAt: new Date() })
        .where(and(eq(roomSessions.id, sessionId), eq(roomSessions.roomId, roomId), isNull(roomSessions.endedAt))),
    );
  } finally {
    await db.close();
  }
}
