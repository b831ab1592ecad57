// Sending due deliveries of one organization, oldest first: deliveries to one endpoint go one after
// another (so a receiver sees a room's events in the order they happened while it answers 2xx),
// endpoints in parallel. Every attempt is logged with its status, error and latency; the delivery
// is then delivered, scheduled again (timeouts, network errors, 5xx, 429 with Retry-After) or
// failed. 410 Gone disables the endpoint; an endpoint failing for WEBHOOK_DISABLE_AFTER_HOURS is
// disabled with an audit-log notice.
import { and, asc, eq, lte, min, sql } from 'drizzle-orm';
import { auditLog, webhookAttempts, webhookDeliveries, webhookEndpoints } from '@roomcast/schema/db';
import type { Config } from '../config.ts';
import { Database } from '../db/database.ts';
import { parseRetryAfter, retryDelayMs } from './retry-schedule.ts';
import { isSealed, openWebhookSecret, sealWebhookSecret } from './secret-box.ts';
import { signatureHeader } from './signing.ts';
import { checkWebhookUrl } from './url-policy.ts';

type Endpoint = typeof webhookEndpoints.$inferSelect;
type Delivery = typeof webhookDeliveries.$inferSelect;
const BATCH = 100;

export interface DeliveryRun {
  /** When the next pending delivery is due (ms), or null when none is pending. */
  nextDueAt: number | null;
  /** More were due than one run sends. */
  more: boolean;
}

export async function deliverDue(config: Config, organizationId: string): Promise<DeliveryRun> {
  const db = new Database(config);
  try {
    const due = await db.scoped({ organizationId }, (tx) =>
      tx
        .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
        .from(webhookDeliveries)
        .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
        .where(and(eq(webhookDeliveries.organizationId, organizationId), eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, new Date())))
        .orderBy(asc(webhookDeliveries.seq))
        .limit(BATCH),
    );
    const byEndpoint = Map.groupBy(due, (r) => r.delivery.endpointId);
    await Promise.all(
      [...byEndpoint.values()].map(async (rows) => {
        let endpoint = await sealPlainSecrets(db, config, rows[0]!.endpoint);
        for (const { delivery } of rows) endpoint = await attempt(db, config, endpoint, delivery);
      }),
    );
    const [next] = await db.scoped({ organizationId }, (tx) =>
      tx
        .select({ at: min(webhookDeliveries.nextAttemptAt) })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.organizationId, organizationId), eq(webhookDeliveries.status, 'pending'))),
    );
    return { nextDueAt: next?.at ? next.at.getTime() : null, more: due.length === BATCH };
  } finally {
    await db.close();
  }
}

/** An endpoint saved before secrets were sealed at rest gets them sealed now (secret-box.ts). */
async function sealPlainSecrets(db: Database, config: Config, endpoint: Endpoint): Promise<Endpoint> {
  const plain = (stored: string | null): stored is string => stored !== null && !isSealed(stored);
  if (!plain(endpoint.secret) && !plain(endpoint.previousSecret)) return endpoint;
  const keys = config.webhooks.secretKeys;
  const seal = (stored: string | null) => (plain(stored) ? sealWebhookSecret(keys, endpoint.id, stored) : Promise.resolve(stored));
  const [secret, previousSecret] = await Promise.all([seal(endpoint.secret), seal(endpoint.previousSecret)]);
  const [row] = await db.scoped({ organizationId: endpoint.organizationId }, (tx) =>
    // Only if no one changed them meanwhile (a rotation seals on its own).
    tx.update(webhookEndpoints).set({ secret: secret!, previousSecret }).where(and(eq(webhookEndpoints.id, endpoint.id), eq(webhookEndpoints.secret, endpoint.secret))).returning(),
  );
  return row ?? endpoint;
}

type Outcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status: number | null; error: string | null; retryAfterMs: number | null }
  | { kind: 'gone'; status: number }
  | { kind: 'rejected'; status: number | null; error: string | null };

/** One HTTP attempt of one delivery and its bookkeeping; returns the endpoint as it now is. */
async function attempt(db: Database, config: Config, endpoint: Endpoint, delivery: Delivery): Promise<Endpoint> {
  const organizationId = endpoint.organizationId;
  if (!endpoint.enabled) {
    await db.scoped({ organizationId }, (tx) =>
      tx.update(webhookDeliveries).set({ status: 'failed', nextAttemptAt: null }).where(eq(webhookDeliveries.id, delivery.id)),
    );
    return endpoint;
  }
  const started = Date.now();
  const outcome = await send(config, endpoint, delivery);
  const durationMs = Date.now() - started;
  const attempts = delivery.attempts + 1;
  const now = new Date();
  const status = outcome.status;
  const error = outcome.kind === 'retry' || outcome.kind === 'rejected' ? outcome.error : null;
  const delay = outcome.kind === 'retry' ? retryDelayMs(attempts, config.webhooks.retryBaseMs, outcome.retryAfterMs) : null;
  const next =
    outcome.kind === 'delivered'
      ? { status: 'delivered' as const, nextAttemptAt: null }
      : delay !== null
        ? { status: 'pending' as const, nextAttemptAt: new Date(now.getTime() + delay) }
        : { status: 'failed' as const, nextAttemptAt: null };

  return db.scoped({ organizationId }, async (tx) => {
    await tx.insert(webhookAttempts).values({ organizationId, deliveryId: delivery.id, attemptedAt: now, responseStatus: status, error, durationMs });
    await tx
      .update(webhookDeliveries)
      .set({ ...next, attempts, responseStatus: status, lastAttemptAt: now })
      .where(eq(webhookDeliveries.id, delivery.id));
    if (outcome.kind === 'delivered') {
      if (!endpoint.failingSince) return endpoint;
      const [row] = await tx.update(webhookEndpoints).set({ failingSince: null }).where(eq(webhookEndpoints.id, endpoint.id)).returning();
      return row ?? endpoint;
    }
    const failingSince = endpoint.failingSince ?? now;
    const reason = outcome.kind === 'gone' ? 'gone' : now.getTime() - failingSince.getTime() >= config.webhooks.disableAfterMs ? 'failing' : null;
    const [row] = await tx
      .update(webhookEndpoints)
      .set(reason ? { failingSince, enabled: false, disabledReason: reason, updatedAt: now } : { failingSince })
      .where(eq(webhookEndpoints.id, endpoint.id))
      .returning();
    if (reason) {
      await tx.insert(auditLog).values({
        organizationId,
        action: 'webhook_endpoint.disabled',
        targetType: 'webhook_endpoint',
        targetId: endpoint.id,
        data: { reason, url: endpoint.url, failingSince: failingSince.toISOString() },
      });
      // Nothing more goes to a disabled endpoint; its pending deliveries stay in the log, failed.
      await tx
        .update(webhookDeliveries)
        .set({ status: 'failed', nextAttemptAt: null })
        .where(and(eq(webhookDeliveries.endpointId, endpoint.id), eq(webhookDeliveries.status, 'pending')));
    }
    return row ?? endpoint;
  });
}

async function send(config: Config, endpoint: Endpoint, delivery: Delivery): Promise<Outcome> {
  // Checked again at send time: the endpoint's host may resolve elsewhere than when it was saved.
  const verdict = await checkWebhookUrl(endpoint.url, config.webhooks);
  if (!verdict.ok) {
    return verdict.retryable
      ? { kind: 'retry', status: null, error: verdict.message, retryAfterMs: null }
      : { kind: 'rejected', status: null, error: verdict.message };
  }
  const body = JSON.stringify(delivery.payload);
  const timestamp = Math.floor(Date.now() / 1000);
  const stored = [endpoint.secret];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > Date.now()) stored.push(endpoint.previousSecret);
  let secrets: string[];
  try {
    secrets = await Promise.all(stored.map((s) => openWebhookSecret(config.webhooks.secretKeys, endpoint.id, s)));
  } catch (error) {
    // A key missing from WEBHOOK_SECRET_KEYS is the operator's to fix: keep the delivery for later.
    return { kind: 'retry', status: null, error: (error as Error).message, retryAfterMs: null };
  }
  try {
    const response = await fetch(verdict.url, {
      method: 'POST',
      body,
      // Redirects are not followed: a redirect could lead to an address the policy refuses.
      redirect: 'manual',
      signal: AbortSignal.timeout(config.webhooks.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Roomcast-Webhooks/1',
        'webhook-id': delivery.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': await signatureHeader(secrets, delivery.eventId, timestamp, body),
      },
    });
    await response.body?.cancel().catch(() => {});
    const status = response.status;
    if (status >= 200 && status < 300) return { kind: 'delivered', status };
    if (status === 410) return { kind: 'gone', status };
    if (status === 429 || status >= 500) return { kind: 'retry', status, error: null, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()) };
    return { kind: 'rejected', status, error: null };
  } catch (error) {
    const timedOut = (error as { name?: string }).name === 'TimeoutError';
    return { kind: 'retry', status: null, error: timedOut ? `timed out after ${config.webhooks.timeoutMs} ms` : `network error: ${(error as Error).message}`, retryAfterMs: null };
  }
}

/** Organizations with a delivery due before `before` (the cron backstop; across tenants). */
export async function organizationsWithDueDeliveries(config: Config, before: Date): Promise<string[]> {
  const db = new Database(config);
  try {
    const rows = await db.global((g) => g.execute<{ organization_id: string }>(sql`select organization_id from app_webhook_due_organizations(${before.toISOString()})`));
    return rows.rows.map((r) => r.organization_id);
  } finally {
    await db.close();
  }
}
