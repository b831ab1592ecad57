// Tables of what connects an organization to the outside: webhooks and their delivery log, the audit
// log, single sign-on. Tenant tables, with the row-level security policy of tables.ts.
import { bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, organizationRef, organizations, roleEnum, tenantPolicy, updatedAt, users } from './tables.ts';

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
