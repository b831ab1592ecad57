// Emitting an event: one delivery row per enabled endpoint subscribed to its type, written in the
// caller's transaction, so the event exists exactly when the change that caused it commits (the
// delivery log is the outbox). After the commit the caller wakes the organization's delivery
// object (wake.ts); the cron backstop finds anything whose wake-up was lost.
import { and, arrayContains, eq } from 'drizzle-orm';
import { WEBHOOK_PAYLOAD_VERSION, type WebhookEvent, type WebhookEventData, type WebhookEventType } from '@roomcast/schema/api';
import { webhookDeliveries, webhookEndpoints } from '@roomcast/schema/db';
import type { Tx } from '../db/database.ts';

export function newWebhookEvent<T extends WebhookEventType>(organizationId: string, type: T, data: WebhookEventData<T>, at = new Date()): WebhookEvent<T> {
  return { id: `evt_${crypto.randomUUID().replaceAll('-', '')}`, type, timestamp: at.toISOString(), version: WEBHOOK_PAYLOAD_VERSION, organizationId, data };
}

/** Logs the event for every subscribed endpoint; returns how many deliveries it made. */
export async function emitWebhookEvent<T extends WebhookEventType>(tx: Tx, organizationId: string, type: T, data: WebhookEventData<T>, at = new Date()): Promise<number> {
  const endpoints = await tx
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.organizationId, organizationId), eq(webhookEndpoints.enabled, true), arrayContains(webhookEndpoints.events, [type])));
  if (endpoints.length === 0) return 0;
  await logDeliveries(tx, organizationId, endpoints.map((e) => e.id), newWebhookEvent(organizationId, type, data, at));
  return endpoints.length;
}

export async function logDeliveries(tx: Tx, organizationId: string, endpointIds: string[], event: WebhookEvent) {
  return tx
    .insert(webhookDeliveries)
    .values(endpointIds.map((endpointId) => ({ organizationId, endpointId, eventId: event.id, eventType: event.type, payload: event, nextAttemptAt: new Date() })))
    .returning();
}
