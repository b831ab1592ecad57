// Every Postgres table. Tenant tables carry `organization_id` and a row-level security policy
// keyed on the per-transaction setting `app.organization_id` (set by the API from the
// authenticated principal), so a query that forgets its tenant filter still sees nothing of
// another tenant. Global tables (users, sessions, plans, stripe_events) have no tenant.
import { sql, type SQL } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
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

function tenantPolicy(organizationId: AnyPgColumn) {
  const own: SQL = sql`${organizationId} = ${currentOrganization}`;
  return pgPolicy('tenant_isolation', { as: 'permissive', for: 'all', to: appRole, using: own, withCheck: own });
}

const id = () => uuid('id').primaryKey().defaultRandom();
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const organizationRef = () =>
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

// Recordings (workers/src/recordings): one object per recording, written in multipart parts while
// the room is live: by a media node (`server`) or by a host's studio in the browser (`local`,
// MediaRecorder). `partial`: the node was lost mid-recording and the parts it had uploaded were
// joined into a playable file. `hls`: an ended HLS run kept as a VOD (egress/hls-vod.ts): its
// object is the run's playlist, its size every file of the run. Bytes count against plan storage.
export const RECORDING_STATUSES = ['recording', 'finalizing', 'ready', 'partial', 'failed'] as const;
export const RECORDING_SOURCES = ['server', 'local', 'hls'] as const;
export const recordings = pgTable(
  'recordings',
  {
    id: id(),
    organizationId: organizationRef(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    roomSessionId: uuid('room_session_id').references(() => roomSessions.id, { onDelete: 'set null' }),
    status: text('status', { enum: RECORDING_STATUSES }).notNull(),
    /** Who writes the parts: the room's media node, a host's browser (local recording), or an HLS run. */
    source: text('source', { enum: RECORDING_SOURCES }).notNull().default('server'),
    objectKey: text('object_key'),
    posterKey: text('poster_key'),
    /** The open multipart upload while recording; null once completed or aborted. */
    uploadId: text('upload_id'),
    durationMs: integer('duration_ms'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    videoCodec: text('video_codec'),
    audioCodec: text('audio_codec'),
    error: text('error'),
    startedBy: uuid('started_by').references(() => users.id, { onDelete: 'set null' }),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    readyAt: timestamp('ready_at', { withTimezone: true }),
    /** Set: the recording plays on the organization's public page and in the VOD embed (public rooms only). */
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [
    index('recordings_room_idx').on(t.roomId),
    index('recordings_org_started_idx').on(t.organizationId, t.startedAt),
    // One server recording at a time per room (hosts may record locally beside it).
    uniqueIndex('recordings_active_key').on(t.roomId).where(sql`status in ('recording', 'finalizing') and source = 'server'`),
    tenantPolicy(t.organizationId),
  ],
);

// Uploaded files (workers/src/storage). A `pending` row reserves its declared size against the
// plan's storage until the upload is confirmed (`uploaded`, size checked) or cleaned up.
export const files = pgTable(
  'files',
  {
    id: id(),
    organizationId: organizationRef(),
    workspaceId: uuid('workspace_id').references(() => workspaces.id, { onDelete: 'set null' }),
    objectKey: text('object_key').notNull().unique(),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    status: text('status', { enum: ['pending', 'uploaded', 'deleted'] }).notNull().default('pending'),
    /** The open multipart upload of a large file; null for a single PUT and once completed. */
    uploadId: text('upload_id'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    uploadedAt: timestamp('uploaded_at', { withTimezone: true }),
  },
  (t) => [index('files_org_idx').on(t.organizationId), index('files_pending_idx').on(t.createdAt).where(sql`status = 'pending'`), tenantPolicy(t.organizationId)],
);

// Studio guest links (workers/src/rooms/studio/guest-invite.ts): the link itself is a signed token;
// this row (keyed by its jti) lets the host list the links of a room and revoke one before it expires.
export const guestInvites = pgTable(
  'guest_invites',
  {
    id: uuid('id').primaryKey(),
    organizationId: organizationRef(),
    roomId: uuid('room_id')
      .notNull()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('guest_invites_room_idx').on(t.roomId, t.createdAt), tenantPolicy(t.organizationId)],
);

// An organization's brand kit for the studio (one row per organization, absent until saved):
// images are uploaded files (workers/src/storage), applied to the program and the viewer's stage.
export const brandKits = pgTable(
  'brand_kits',
  {
    organizationId: uuid('organization_id')
      .primaryKey()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    logoFileId: uuid('logo_file_id').references(() => files.id, { onDelete: 'set null' }),
    backgroundFileId: uuid('background_file_id').references(() => files.id, { onDelete: 'set null' }),
    /** `#rrggbb`: banners and name tags. */
    primaryColor: text('primary_color').notNull(),
    nameTags: boolean('name_tags').notNull().default(true),
    updatedAt: updatedAt(),
  },
  (t) => [tenantPolicy(t.organizationId)],
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

// ── Integration ───────────────────────────────────────────────────────────────

// Tenant webhooks (workers/src/webhooks). The secret signs deliveries, so it is kept readable
// (HMAC needs the key itself, unlike API keys, which are only compared); after a rotation the
// previous secret keeps signing beside the new one until `previous_secret_expires_at`.
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: id(),
    organizationId: organizationRef(),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
    events: text('events').array().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    // Why the endpoint was switched off: 'manual', 'gone' (it answered 410), 'failing' (days of failures).
    disabledReason: text('disabled_reason'),
    // First failure since the last success: an endpoint failing for too long is disabled.
    failingSince: timestamp('failing_since', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhook_endpoints_org_idx').on(t.organizationId), tenantPolicy(t.organizationId)],
);

// The delivery log: one row per event and endpoint, written in the transaction that made the event,
// before anything is sent. `payload` is the exact event body; `event_id` is its webhook-id (the same
// for every endpoint and every attempt). `seq` orders deliveries as the events happened.
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    organizationId: organizationRef(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: jsonb('payload').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    responseStatus: integer('response_status'),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt),
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_event_idx').on(t.organizationId, t.eventId),
    tenantPolicy(t.organizationId),
  ],
);

/** Every HTTP attempt of a delivery: what the endpoint answered and how long it took. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: id(),
    organizationId: organizationRef(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull().defaultNow(),
    responseStatus: integer('response_status'),
    // Network error, timeout or refused URL; null when the endpoint answered.
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.attemptedAt), tenantPolicy(t.organizationId)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    organizationId: organizationRef(),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    actorApiKeyId: uuid('actor_api_key_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    data: jsonb('data'),
    ip: text('ip'),
    createdAt: createdAt(),
  },
  (t) => [index('audit_log_org_created_idx').on(t.organizationId, t.createdAt), tenantPolicy(t.organizationId)],
);

// ── Ingest ────────────────────────────────────────────────────────────────────

// One stream key per room for encoders (OBS, vMix, hardware) publishing over WHIP or RTMP.
// Only the sha-256 of the secret is stored; rotating replaces the row's secret. The live state
// is written by the ingest paths (WHIP at the Worker, RTMP at the node) so GET can show it.
export const ingestKeys = pgTable(
  'ingest_keys',
  {
    id: uuid('id').primaryKey(),
    organizationId: organizationRef(),
    roomId: uuid('room_id')
      .notNull()
      .unique()
      .references(() => rooms.id, { onDelete: 'cascade' }),
    prefix: text('prefix').notNull(), // the first characters, shown in the room page
    secretHash: text('secret_hash').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    // 'idle' | 'live'; protocol of the current (or last) connection; the last encoder error.
    state: text('state', { enum: ['idle', 'live'] }).notNull().default('idle'),
    protocol: text('protocol', { enum: ['whip', 'rtmp'] }),
    lastError: text('last_error'),
    // The typed code of lastError (unsupported_video_codec, b_frames, ...), for programs.
    lastErrorCode: text('last_error_code'),
    stateChangedAt: timestamp('state_changed_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('ingest_keys_org_idx').on(t.organizationId), tenantPolicy(t.organizationId)],
);

// ── Single sign-on (workers/src/sso) ─────────────────────────────────────────

/**
 * An organization's OpenID Connect provider (one per organization). The client secret is sealed
 * at rest (AES-GCM, like webhook secrets) and never returned in full. Kept after a downgrade: the
 * plan gate refuses SSO sign-in, the settings stay for when the plan comes back.
 */
export const ssoConnections = pgTable(
  'sso_connections',
  {
    organizationId: uuid('organization_id')
      .primaryKey()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    issuer: text('issuer').notNull(),
    clientId: text('client_id').notNull(),
    clientSecretSealed: text('client_secret_sealed').notNull(),
    // The last characters of the secret, so the settings page can show which one is set.
    clientSecretHint: text('client_secret_hint').notNull(),
    defaultRole: roleEnum('default_role').notNull().default('viewer'),
    ssoRequired: boolean('sso_required').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [tenantPolicy(t.organizationId)],
);

/**
 * Email domains whose members sign in through an organization's provider. A domain belongs to at
 * most one organization (primary key), so sign-in by email finds exactly one provider.
 */
export const ssoDomains = pgTable(
  'sso_domains',
  {
    domain: text('domain').primaryKey(), // lower-cased
    organizationId: organizationRef(),
    createdAt: createdAt(),
  },
  (t) => [index('sso_domains_org_idx').on(t.organizationId), tenantPolicy(t.organizationId)],
);

/**
 * Which user an identity at an organization's provider signs in as: keyed by (organization,
 * issuer, subject), never by email alone, so one organization's provider can only ever reach the
 * accounts linked through that organization (workers/src/sso/link-identity.ts has the rule).
 */
export const ssoIdentities = pgTable(
  'sso_identities',
  {
    organizationId: organizationRef(),
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.organizationId, t.issuer, t.subject] }),
    index('sso_identities_user_idx').on(t.userId),
    tenantPolicy(t.organizationId),
  ],
);

// ── Multistream destinations (workers/src/egress/destination-routes.ts) ──────

export const egressDestinationKindEnum = pgEnum('egress_destination_kind', ['youtube', 'twitch', 'facebook', 'custom']);

/**
 * Where a live room can be pushed over RTMP(S): a platform's ingest URL and the stream key for it.
 * `room_id` null: the organization's default, offered in every room; set: that room only. The
 * stream key is sealed at rest (AES-GCM, like SSO client secrets, bound to the row's id) and only
 * its last 4 characters come back; the opened key travels only to the media node pushing it.
 */
export const egressDestinations = pgTable(
  'egress_destinations',
  {
    id: id(),
    organizationId: organizationRef(),
    roomId: uuid('room_id').references(() => rooms.id, { onDelete: 'cascade' }),
    kind: egressDestinationKindEnum('kind').notNull(),
    name: text('name').notNull(),
    ingestUrl: text('ingest_url').notNull(),
    streamKeySealed: text('stream_key_sealed').notNull(),
    streamKeyLast4: text('stream_key_last4').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('egress_destinations_org_idx').on(t.organizationId), index('egress_destinations_room_idx').on(t.roomId), tenantPolicy(t.organizationId)],
);
