// The delivery log of an endpoint (status, response code and latency of every attempt), a test
// event, and redelivery of one event or of every event in a time range. Redelivery sends the same
// event again (same webhook-id), freshly signed, with a fresh retry schedule.
import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, gte, inArray, lt, lte } from 'drizzle-orm';
import { RedeliverInput, WebhookDelivery } from '@roomcast/schema/api';
import { webhookAttempts, webhookDeliveries } from '@roomcast/schema/db';
import { isUuid } from '../auth/tokens.ts';
import type { Tx } from '../db/database.ts';
import { ApiError, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, iso, jsonBody, jsonContent, orgParamWith } from '../http.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import { EndpointParam, findEndpoint } from './endpoint-routes.ts';
import { logDeliveries, newWebhookEvent } from './events.ts';
import { wakeWebhookDelivery } from './wake.ts';

export const webhookDeliveryRoutes = createRouter();
const DeliveryParam = orgParamWith('endpoint').extend({ delivery: z.string() });
const MAX_REDELIVER = 1000;

type DeliveryRow = typeof webhookDeliveries.$inferSelect;
type AttemptRow = typeof webhookAttempts.$inferSelect;

const toDelivery = (d: DeliveryRow, attempts: AttemptRow[]) => ({
  id: d.id,
  endpointId: d.endpointId,
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  responseStatus: d.responseStatus,
  nextAttemptAt: iso(d.nextAttemptAt),
  lastAttemptAt: iso(d.lastAttemptAt),
  createdAt: d.createdAt.toISOString(),
  payload: d.payload,
  attemptLog: attempts.map((a) => ({ attemptedAt: a.attemptedAt.toISOString(), responseStatus: a.responseStatus, error: a.error, durationMs: a.durationMs })),
});

async function withAttempts(tx: Tx, rows: DeliveryRow[]) {
  if (rows.length === 0) return [];
  const attempts = await tx
    .select()
    .from(webhookAttempts)
    .where(inArray(webhookAttempts.deliveryId, rows.map((r) => r.id)))
    .orderBy(webhookAttempts.attemptedAt);
  const byDelivery = Map.groupBy(attempts, (a) => a.deliveryId);
  return rows.map((r) => toDelivery(r, byDelivery.get(r.id) ?? []));
}

const ListQuery = z.object({
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
  eventType: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  before: z.iso.datetime({ offset: true }).optional().describe('Page back: deliveries created before this time'),
});

webhookDeliveryRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/webhooks/{endpoint}/deliveries',
    tags: ['webhooks'],
    summary: 'The delivery log, newest first, with every attempt (status, response code, latency)',
    security: bearerSecurity,
    request: { params: EndpointParam, query: ListQuery },
    responses: { 200: jsonContent(z.object({ deliveries: z.array(WebhookDelivery) }), 'Deliveries'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { org, endpoint: id } = c.req.valid('param');
    const q = c.req.valid('query');
    const deliveries = await withOrganization(c.var.db, c.var.principal, org, 'webhook.manage', async (tx) => {
      await findEndpoint(tx, org, id);
      const rows = await tx
        .select()
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.endpointId, id),
            q.status ? eq(webhookDeliveries.status, q.status) : undefined,
            q.eventType ? eq(webhookDeliveries.eventType, q.eventType) : undefined,
            q.before ? lt(webhookDeliveries.createdAt, new Date(q.before)) : undefined,
          ),
        )
        .orderBy(desc(webhookDeliveries.seq))
        .limit(q.limit);
      return withAttempts(tx, rows);
    });
    return c.json({ deliveries }, 200);
  },
);

webhookDeliveryRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/webhooks/{endpoint}/deliveries/{delivery}',
    tags: ['webhooks'],
    summary: 'One delivery with its attempts',
    security: bearerSecurity,
    request: { params: DeliveryParam },
    responses: { 200: jsonContent(WebhookDelivery, 'Delivery'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, endpoint: id, delivery } = c.req.valid('param');
    const body = await withOrganization(c.var.db, c.var.principal, org, 'webhook.manage', async (tx) => {
      await findEndpoint(tx, org, id);
      if (!isUuid(delivery)) throw notFound('Delivery');
      const rows = await tx.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.id, delivery), eq(webhookDeliveries.endpointId, id)));
      if (rows.length === 0) throw notFound('Delivery');
      return (await withAttempts(tx, rows))[0]!;
    });
    return c.json(body, 200);
  },
);

webhookDeliveryRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/webhooks/{endpoint}/test',
    tags: ['webhooks'],
    summary: 'Send a webhook.test event to this endpoint now',
    security: bearerSecurity,
    request: { params: EndpointParam },
    responses: { 202: jsonContent(z.object({ delivery: WebhookDelivery }), 'Queued'), ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, endpoint: id } = c.req.valid('param');
    const delivery = await withOrganization(c.var.db, c.var.principal, org, 'webhook.manage', async (tx, access) => {
      const endpoint = await findEndpoint(tx, org, id);
      if (!endpoint.enabled) throw new ApiError(409, 'webhook_endpoint_disabled', 'Enable the endpoint before sending to it');
      const event = newWebhookEvent(org, 'webhook.test', { endpointId: id, message: 'A test event from Roomcast' });
      const [row] = await logDeliveries(tx, org, [id], event);
      await audit(tx, access, 'webhook_endpoint.test_sent', { type: 'webhook_endpoint', id }, { eventId: event.id });
      return row!;
    });
    await wakeWebhookDelivery(org);
    return c.json({ delivery: toDelivery(delivery, []) }, 202);
  },
);

webhookDeliveryRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/webhooks/{endpoint}/redeliver',
    tags: ['webhooks'],
    summary: 'Send one event again ({eventId}) or every event created in a time range ({since, until})',
    description: `The same event (same webhook-id) is sent again with a new signature and a fresh retry schedule. At most ${MAX_REDELIVER} deliveries per call.`,
    security: bearerSecurity,
    request: { params: EndpointParam, ...jsonBody(RedeliverInput) },
    responses: { 202: jsonContent(z.object({ redelivered: z.number().int() }), 'Queued'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, endpoint: id } = c.req.valid('param');
    const input = c.req.valid('json');
    const redelivered = await withOrganization(c.var.db, c.var.principal, org, 'webhook.manage', async (tx, access) => {
      const endpoint = await findEndpoint(tx, org, id);
      if (!endpoint.enabled) throw new ApiError(409, 'webhook_endpoint_disabled', 'Enable the endpoint before redelivering to it');
      const which =
        'eventId' in input
          ? eq(webhookDeliveries.eventId, input.eventId)
          : and(gte(webhookDeliveries.createdAt, new Date(input.since)), lte(webhookDeliveries.createdAt, new Date(input.until)));
      const candidates = await tx
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.endpointId, id), which))
        .orderBy(webhookDeliveries.seq)
        .limit(MAX_REDELIVER + 1);
      if ('eventId' in input && candidates.length === 0) throw notFound('Event');
      if (candidates.length > MAX_REDELIVER) throw new ApiError(400, 'too_many_deliveries', `A redelivery covers at most ${MAX_REDELIVER} deliveries; narrow the range`);
      if (candidates.length === 0) return 0;
      await tx
        .update(webhookDeliveries)
        .set({ status: 'pending', attempts: 0, nextAttemptAt: new Date() })
        .where(inArray(webhookDeliveries.id, candidates.map((r) => r.id)));
      await audit(tx, access, 'webhook_endpoint.redelivered', { type: 'webhook_endpoint', id }, { ...input, count: candidates.length });
      return candidates.length;
    });
    if (redelivered > 0) await wakeWebhookDelivery(org);
    return c.json({ redelivered }, 202);
  },
);
