// The names of tenant webhook events, without their payload schemas (schema/src/api/webhooks.ts),
// so the browser can list them without loading the REST shapes.
export const WEBHOOK_EVENT_TYPES = [
  'room.started',
  'room.ended',
  'participant.joined',
  'participant.left',
  'subscription.updated',
  'usage.threshold',
  'recording.started',
  'recording.ready',
  'recording.failed',
  'ingest.connected',
  'ingest.disconnected',
  'egress.failed',
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What an endpoint may subscribe to (the test event goes only to the endpoint it was sent to). */
export const SUBSCRIBABLE_EVENT_TYPES = WEBHOOK_EVENT_TYPES.filter((t) => t !== 'webhook.test') as Exclude<WebhookEventType, 'webhook.test'>[];

/** Defined and documented for features still to come; nothing sends them yet (none today). */
export const NOT_SENT_YET: ReadonlySet<WebhookEventType> = new Set<WebhookEventType>();
