// The core Postgres tables (identity, plans, tenancy, money, rooms) and the helpers every table file
// uses; media-tables.ts and integration-tables.ts hold the rest, index.ts exports them all.
// Tenant tables carry `organization_id` and a row-level security policy
// keyed on the per-transaction setting `app.organization_id` (set by the API from the
// authenticated principal), so a query that forgets its tenant filter still sees nothing of
// another tenant. Global tables (users, sessions, plans, stripe_events) have no tenant.
import { sql, type SQL } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  pgEnum,
  pgPolicy,
  pgRole,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { ROLES, ROOM_ROLES } from '../permissions.ts';

/** The API's login role: not the table owner, so it cannot bypass the policies. */
export const appRole = pgRole('roomcast_app').existing();

export const currentOrganization = sql`nullif(current_setting('app.organization_id', true), '')::uuid`;
export const currentUser = sql`nullif(current_setting('app.user_id', true), '')::uuid`;

export function tenantPolicy(organizationId: AnyPgColumn) {
  const own: SQL = sql`${organizationId} = ${currentOrganization}`;
  return pgPolicy('tenant_isolation', { as: 'permissive', for: 'all', to: appRole, using: own, withCheck: own });
}

export const id = () => uuid('id').primaryKey().defaultRandom();
export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
export const organizationRef = () =>
  uuid('organization_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' });

export const roleEnum = pgEnum('member_role', ROLES);
/** Who took part in a room: a member role, or `guest` (a studio guest invited by link, never a member). */
export const participantRoleEnum = pgEnum('participant_role', ROOM_ROLES);
export const visibilityEnum = pgEnum('room_visibility', ['public', 'members', 'invite']);
export const subscriptionStatusEnum = pgEnum('subscription_status', [
  'trialing',
  'active',
  'past_due',
  'canceled',
]);

// ── Identity (global) ─────────────────────────────────────────────────────────

export const users = pgTable('users', {
  id: id(),
  email: text('email').notNull().unique(), // stored lower-cased
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  // Null until the address is proven by a one-time link (workers/src/accounts/).
  emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
  // Second factor (workers/src/two-factor): the TOTP secret sealed at rest, set at enrollment and
  // active from its confirmation; the last accepted time step, so a code is not accepted twice.
  totpSecretSealed: text('totp_secret_sealed'),
  totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
  totpLastStep: bigint('totp_last_step', { mode: 'number' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    secretHash: text('secret_hash').notNull(), // sha-256 of the secret half of `id|secret`
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    ip: text('ip'),
    userAgent: text('user_agent'),
    // Country/region code from the edge (`cf-ipcountry`), shown on the sessions page.
    region: text('region'),
    // Refreshed at most every few minutes by the principal lookup (sessions page: "last seen").
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/**
 * One-time account links mailed to a user: email verification and password reset. Only the
 * sha-256 of the token is stored; a token is spent (`used_at`) by the first successful use, and is
 * bound to its user and, for verification, to the address it was sent to.
 */
export const accountTokens = pgTable(
  'account_tokens',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: ['verify_email', 'reset_password', 'change_email'] }).notNull(),
    email: text('email').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('account_tokens_user_idx').on(t.userId, t.purpose)],
);

/** Single-use recovery codes of a user's second factor; only their sha-256 is stored. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('recovery_codes_user_idx').on(t.userId), uniqueIndex('recovery_codes_user_code_key').on(t.userId, t.codeHash)],
);

// ── Plans (global) ────────────────────────────────────────────────────────────

export const plans = pgTable('plans', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  priceCents: integer('price_cents'),
  maxWorkspaces: integer('max_workspaces'),
  maxRooms: integer('max_rooms'),
  maxHosts: integer('max_hosts'),
  maxViewersPerRoom: integer('max_viewers_per_room'),
  storageBytes: bigint('storage_bytes', { mode: 'number' }).notNull(),
  recording: boolean('recording').notNull(),
  sso: boolean('sso').notNull(),
  apiAccess: boolean('api_access').notNull(),
  stripePriceId: text('stripe_price_id'),
  sortOrder: integer('sort_order').notNull(),
});

// ── Tenancy ───────────────────────────────────────────────────────────────────

export const organizations = pgTable(
  'organizations',
  {
    id: id(),
    name: text('name').notNull(),
    slug: text('slug').notNull().unique(),
    stripeCustomerId: text('stripe_customer_id').unique(),
    // Members without a second factor are asked to enroll before they can use the organization.
    requireTwoFactor: boolean('require_two_factor').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    tenantPolicy(t.id),
    // A user lists the organizations they belong to before choosing one.
    pgPolicy('member_read', {
      as: 'permissive',
      for: 'select',
      to: appRole,
      using: sql`exists (select 1 from memberships m where m.organization_id = ${t.id} and m.user_id = ${currentUser})`,
    }),
  ],
);


export const workspaces = pgTable(
  'workspaces',
  {
    id: id(),
    organizationId: organizationRef(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('workspaces_org_slug_key').on(t.organizationId, t.slug), tenantPolicy(t.organizationId)],
);

export const memberships = pgTable(
  'memberships',
  {
    id: id(),
    organizationId: organizationRef(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: roleEnum('role').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('memberships_org_user_key').on(t.organizationId, t.userId),
    index('memberships_user_idx').on(t.userId),
    tenantPolicy(t.organizationId),
    pgPolicy('own_memberships_read', { as: 'permissive', for: 'select', to: appRole, using: sql`${t.userId} = ${currentUser}` }),
  ],
);

export const invitations = pgTable(
  'invitations',
  {
    id: id(),
    organizationId: organizationRef(),
    email: text('email').notNull(),
    role: roleEnum('role').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('invitations_pending_email_key')
      .on(t.organizationId, t.email)
      .where(sql`accepted_at is null and revoked_at is null`),
    tenantPolicy(t.organizationId),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    organizationId: organizationRef(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(), // the first characters, shown in lists
    secretHash: text('secret_hash').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('api_keys_org_idx').on(t.organizationId), tenantPolicy(t.organizationId)],
);

// ── Money ─────────────────────────────────────────────────────────────────────

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: id(),
    organizationId: organizationRef().unique(),
    planId: text('plan_id')
      .notNull()
      .references(() => plans.id),
    status: subscriptionStatusEnum('status').notNull(),
    stripeSubscriptionId: text('stripe_subscription_id').unique(),
    currentPeriodStart: timestamp('current_period_start', { withTimezone: true }),
    currentPeriodEnd: timestamp('current_period_end', { withTimezone: true }),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    pastDueSince: timestamp('past_due_since', { withTimezone: true }),
    // End of the Starter trial every new organization gets; after it, going live needs a subscription.
    trialEndsAt: timestamp('trial_ends_at', { withTimezone: true }),
    // Stripe's `created` of the last event applied, so an older event never rolls state back.
    lastEventAt: timestamp('last_event_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [tenantPolicy(t.organizationId)],
);

export const stripeEvents = pgTable('stripe_events', {
  id: text('id').primaryKey(), // evt_...
  type: text('type').notNull(),
  organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'set null' }),
  stripeCreatedAt: timestamp('stripe_created_at', { withTimezone: true }).notNull(),
  processedAt: timestamp('processed_at', { withTimezone: true }).notNull().defaultNow(),
});

// ── Rooms ─────────────────────────────────────────────────────────────────────

export const rooms = pgTable(
  'rooms',
  {
    id: id(),
    organizationId: organizationRef(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    slug: text('slug').notNull(),
    visibility: visibilityEnum('visibility').notNull().default('members'),
    // Record live sessions (a plan feature: Professional and up).
    recording: boolean('recording').notNull().default(false),
    // Start HLS by itself once this many viewers are in a live session (null: only on demand).
    hlsAutoViewers: integer('hls_auto_viewers'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    // Soft delete: a deleted room keeps its sessions, so billed usage is never lost with it.
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    // Slugs are unique among live rooms only: a deleted room's slug can be reused.
    uniqueIndex('rooms_org_slug_key').on(t.organizationId, t.slug).where(sql`deleted_at is null`),
    index('rooms_workspace_idx').on(t.workspaceId),
    tenantPolicy(t.organizationId),
  ],
);

export const roomSessions = pgTable(
  'room_sessions',
  {
    id: id(),
    organizationId: organizationRef(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    startedBy: uuid('started_by').references(() => users.id, { onDelete: 'set null' }),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [
    // At most one live session per room, even under concurrent starts.
    uniqueIndex('room_sessions_live_key').on(t.roomId).where(sql`ended_at is null`),
    index('room_sessions_org_started_idx').on(t.organizationId, t.startedAt),
    tenantPolicy(t.organizationId),
  ],
);

export const participantSessions = pgTable(
  'participant_sessions',
  {
    id: id(),
    organizationId: organizationRef(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    roomSessionId: uuid('room_session_id').references(() => roomSessions.id, { onDelete: 'cascade' }),
    identity: text('identity').notNull(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    role: participantRoleEnum('role').notNull(),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
    leftAt: timestamp('left_at', { withTimezone: true }),
  },
  (t) => [
    index('participant_sessions_room_session_idx').on(t.roomSessionId),
    index('participant_sessions_org_joined_idx').on(t.organizationId, t.joinedAt),
    tenantPolicy(t.organizationId),
  ],
);

// Usage slices reported to Stripe as meter events: one row per organization, meter and closed
// hour, written after Stripe accepted it, so a rerun of the reporter sends nothing twice.
export const usageReports = pgTable(
  'usage_reports',
  {
    organizationId: organizationRef(),
    meter: text('meter').notNull(),
    sliceStart: timestamp('slice_start', { withTimezone: true }).notNull(),
    quantity: integer('quantity').notNull(),
    identifier: text('identifier').notNull(),
    reportedAt: timestamp('reported_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.meter, t.sliceStart] }), tenantPolicy(t.organizationId)],
);
