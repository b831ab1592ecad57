// What the RoomDO reads from and writes to Postgres besides usage rows: the plan's seat limits
// (cached briefly: admission must not cost a query per viewer), whether a session is still live,
// a member's current role, whether the API key that minted a token is still active, and closing the room session when the room ends from inside (a host's
// room.end, or the empty-room alarm).
import { and, eq, isNull } from 'drizzle-orm';
import { apiKeys, memberships, roomSessions } from '@roomcast/schema/db';
import type { Role } from '@roomcast/schema';
import { isUuid } from '../../auth/tokens.ts';
import type { Config } from '../../config.ts';
import { Database } from '../../db/database.ts';
import { effectivePlan } from '../../plans/limits.ts';
import type { StopRecorder } from '../../recordings/stop-on-end.ts';
import { endLiveSession } from '../room-session-end.ts';
import { wakeWebhookDelivery } from '../../webhooks/wake.ts';

export interface ViewerLimit {
  planId: string;
  planName: string;
  /** Viewers (and every other role that may not go live) per room; null: unlimited. */
  max: number | null;
  /** People who may go live (HOST_ROLES) present in one room at once; null: unlimited. */
  hosts: number | null;
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
        const limit = { planId: plan.id, planName: plan.name, max: plan.maxViewersPerRoom, hosts: plan.maxHosts };
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

/**
 * Whether the API keys that minted viewers' tokens may still act, cached for the plan cache's
 * lifetime: a burst of viewers joining with tokens from one key costs one query, not a Postgres
 * connection per hello. A revocation reaches the room at once (apiKeyRevoked, awaited by the
 * revoke route) and is final here, even for a read already in flight; a key whose plan loses API
 * access stops admitting within the cache's lifetime, as the plan's other limits do.
 */
export class ApiKeyCache {
  readonly #checked = new Map<string, { active: boolean; at: number }>();
  readonly #loading = new Map<string, Promise<boolean>>();
  readonly #revoked = new Set<string>();

  constructor(private readonly config: Config) {}

  async active(organizationId: string, apiKeyId: string, now: number): Promise<boolean> {
    const key = `${organizationId}/${apiKeyId}`;
    if (this.#revoked.has(apiKeyId)) return false;
    const c = this.#checked.get(key);
    if (c && now - c.at < this.config.room.planCacheMs) return c.active;
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = apiKeyActive(this.config, organizationId, apiKeyId).finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    const active = (await loading) && !this.#revoked.has(apiKeyId);
    this.#checked.set(key, { active, at: Date.now() });
    return active;
  }

  revoked(apiKeyId: string): void {
    this.#revoked.add(apiKeyId);
  }
}

export async function endRoomSession(config: Config, organizationId: string, roomId: string, sessionId: string, stopRecorder?: StopRecorder): Promise<void> {
  const db = new Database(config);
  try {
    const ended = await db.scoped({ organizationId }, (tx) => endLiveSession(tx, roomId, sessionId, stopRecorder));
    if (ended) await wakeWebhookDelivery(organizationId);
  } finally {
    await db.close();
  }
}

/** Is `sessionId` this room's session and still open? An old token must not reopen an ended one. */
export async function sessionIsLive(config: Config, organizationId: string, roomId: string, sessionId: string): Promise<boolean> {
  const db = new Database(config);
  try {
    const rows = await db.scoped({ organizationId }, (tx) =>
      tx
        .select({ id: roomSessions.id })
        .from(roomSessions)
        .where(and(eq(roomSessions.id, sessionId), eq(roomSessions.roomId, roomId), isNull(roomSessions.endedAt))),
    );
    return rows.length > 0;
  } finally {
    await db.close();
  }
}

/** Whether the API key may still act: not revoked, and the organization's plan still has API access. */
export async function apiKeyActive(config: Config, organizationId: string, apiKeyId: string): Promise<boolean> {
  if (!isUuid(apiKeyId)) return false;
  const db = new Database(config);
  try {
    return await db.scoped({ organizationId }, async (tx) => {
      const [row] = await tx
        .select({ id: apiKeys.id })
        .from(apiKeys)
        .where(and(eq(apiKeys.id, apiKeyId), eq(apiKeys.organizationId, organizationId), isNull(apiKeys.revokedAt)));
      return row !== undefined && (await effectivePlan(tx, organizationId)).apiAccess;
    });
  } finally {
    await db.close();
  }
}

/** The member's role in the organization now, or null when they are not a member. */
export async function memberRole(config: Config, organizationId: string, userId: string): Promise<Role | null> {
  const db = new Database(config);
  try {
    const [row] = await db.scoped({ organizationId }, (tx) =>
      tx
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId))),
    );
    return row?.role ?? null;
  } finally {
    await db.close();
  }
}
