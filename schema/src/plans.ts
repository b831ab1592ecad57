// Plans from DESIGN.md. `null` means unlimited. Seeded into the `plans` table by the migration
// runner, so the API reads limits from Postgres and this file stays the single source.

export type PlanId = 'starter' | 'professional' | 'business' | 'enterprise';

export interface PlanDefinition {
  id: PlanId;
  name: string;
  priceCents: number | null; // null: custom pricing
  maxWorkspaces: number | null;
  maxRooms: number | null;
  maxHosts: number | null;
  maxViewersPerRoom: number | null;
  storageBytes: number;
  recording: boolean;
  sso: boolean;
  apiAccess: boolean;
  sortOrder: number;
}

const GB = 1024 ** 3;

export const PLANS: readonly PlanDefinition[] = [
  { id: 'starter', name: 'Starter', priceCents: 4900, maxWorkspaces: 1, maxRooms: 3, maxHosts: 1, maxViewersPerRoom: 50, storageBytes: 5 * GB, recording: false, sso: false, apiAccess: false, sortOrder: 1 },
  { id: 'professional', name: 'Professional', priceCents: 14900, maxWorkspaces: 3, maxRooms: 10, maxHosts: 3, maxViewersPerRoom: 200, storageBytes: 25 * GB, recording: true, sso: false, apiAccess: true, sortOrder: 2 },
  { id: 'business', name: 'Business', priceCents: 44900, maxWorkspaces: 10, maxRooms: 50, maxHosts: 10, maxViewersPerRoom: 1000, storageBytes: 100 * GB, recording: true, sso: true, apiAccess: true, sortOrder: 3 },
  { id: 'enterprise', name: 'Enterprise', priceCents: null, maxWorkspaces: null, maxRooms: null, maxHosts: null, maxViewersPerRoom: null, storageBytes: 1024 * GB, recording: true, sso: true, apiAccess: true, sortOrder: 4 },
];

export const DEFAULT_PLAN: PlanId = 'starter';

/**
 * People on a studio stage at once (hosts and co-hosts present included), per plan. Never above
 * the studio's own ceiling of 10 (STAGE_LIMIT in protocol/studio.ts): a browser decoding more
 * than ten pictures is not a show.
 */
export const STAGE_LIMITS: Readonly<Record<PlanId, number>> = { starter: 4, professional: 6, business: 10, enterprise: 10 };
export const stageLimitFor = (planId: string): number => STAGE_LIMITS[planId as PlanId] ?? STAGE_LIMITS[DEFAULT_PLAN];

/**
 * The most an ingest encoder (RTMP) may send, in kbps, per plan: above it the encoder gets a
 * `bitrate_too_high` warning in the room page and the ingest state. Every viewer receives what the
 * encoder sends (ingest has no simulcast layers over RTMP), so the cap is the viewers' downlink.
 */
export const INGEST_BITRATE_CAPS_KBPS: Readonly<Record<PlanId, number>> = { starter: 4_000, professional: 6_000, business: 8_000, enterprise: 12_000 };
export const ingestBitrateCapFor = (planId: string): number => INGEST_BITRATE_CAPS_KBPS[planId as PlanId] ?? INGEST_BITRATE_CAPS_KBPS[DEFAULT_PLAN];

/** The countable limits the API enforces, by the name used in `plan_limit` errors. */
export const LIMIT_COLUMNS = {
  workspaces: 'maxWorkspaces',
  rooms: 'maxRooms',
  hosts: 'maxHosts',
  viewers_per_room: 'maxViewersPerRoom',
} as const satisfies Record<string, keyof PlanDefinition>;
export type LimitName = keyof typeof LIMIT_COLUMNS;
