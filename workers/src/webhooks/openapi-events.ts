// Every event type in the OpenAPI document's `webhooks` section (OpenAPI 3.1): the request each
// endpoint receives, its headers, and what its answer means.
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { NOT_SENT_YET } from '@roomcast/schema';
import { WEBHOOK_EVENT_DATA, webhookEventSchema, type WebhookEventType } from '@roomcast/schema/api';


const Headers = z.object({
  'webhook-id': z.string().describe('The event id: the same on every retry and redelivery (deduplicate on it)'),
  'webhook-timestamp': z.string().describe('Unix seconds when this attempt was signed'),
  'webhook-signature': z.string().describe('Space-separated `v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>`; two during a secret rotation'),
});

export function documentWebhookEvents(registry: OpenAPIHono['openAPIRegistry']): void {
  for (const type of Object.keys(WEBHOOK_EVENT_DATA) as WebhookEventType[]) {
    registry.registerWebhook({
      method: 'post',
      path: type,
      tags: ['webhook events'],
      summary: NOT_SENT_YET.has(type) ? `${type} (defined; not sent yet)` : type,
      description:
        'Signed per Standard Webhooks with the endpoint secret (`whsec_...`). Answer 2xx within 12 s. ' +
        'Timeouts, network errors, 5xx and 429 (Retry-After honoured) are retried with exponential backoff for about 3 days; ' +
        '410 disables the endpoint; other answers fail the delivery without retry.',
      request: { headers: Headers, body: { content: { 'application/json': { schema: webhookEventSchema(type) } } } },
      responses: { 200: { description: 'Received (any 2xx)' }, 410: { description: 'Gone: the endpoint is disabled' } },
    });
  }
}
