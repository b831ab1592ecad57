// Tenant webhooks: the events an organization can subscribe to, their versioned payloads, and the
// REST shapes of endpoints, deliveries and attempts. Every event body is
// `{id, type, timestamp, version, organizationId, data}`; `id` is also the `webhook-id` header, the
// same on every retry and redelivery, so receivers can drop duplicates.
import { z } from 'zod';
import { ROOM_ROLES } from '../permissions.ts';
import { SUBSCRIBABLE_EVENT_TYPES, type WebhookEventType } from '../webhook-events.ts';

export { SUBSCRIBABLE_EVENT_TYPES, type WebhookEventType };

/** A participant's role in the room: a member role, or `guest` (a studio guest invited by link). */
const Role = z.enum(ROOM_ROLES);

/** Payload version of every event below; a breaking change to any `data` shape bumps it. */
export const WEBHOOK_PAYLOAD_VERSION = 1;

const RoomRef = z.object({ id: z.uuid(), workspaceId: z.uuid(), title: z.string(), slug: z.string() });
const Participant = z.object({
  /** The participant session (one per join), also the usage record id. */
  id: z.uuid(),
  identity: z.string(),
  name: z.string(),
  role: Role,
  userId: z.uuid().nullable(),
});

export const WEBHOOK_EVENT_DATA = {
  'room.started': z.object({ room: RoomRef, session: z.object({ id: z.uuid(), startedAt: z.string() }) }),
  'room.ended': z.object({
    room: z.object({ id: z.uuid() }),
    session: z.object({ id: z.uuid(), startedAt: z.string(), endedAt: z.string() }),
  }),
  'participant.joined': z.object({
    room: z.object({ id: z.uuid() }),
    session: z.object({ id: z.uuid().nullable() }),
    participant: Participant,
    joinedAt: z.string(),
  }),
  'participant.left': z.object({
    room: z.object({ id: z.uuid() }),
    session: z.object({ id: z.uuid().nullable() }),
    participant: Participant,
    joinedAt: z.string(),
    leftAt: z.string(),
    /** left, kicked, banned, replaced, timeout, room_ended...; absent when the room could not tell. */
    reason: z.string().optional(),
  }),
  'subscription.updated': z.object({
    plan: z.string(),
    status: z.enum(['trialing', 'active', 'past_due', 'canceled']),
    previousPlan: z.string().nullable(),
    cancelAtPeriodEnd: z.boolean(),
  }),
  'usage.threshold': z.object({
    /** The limit, by the name `plan_limit` errors use. */
    limit: z.enum(['workspaces', 'rooms', 'hosts', 'viewers_per_room', 'storage']),
    /** Percent of the plan's limit now reached: 80 or 100. */
    threshold: z.union([z.literal(80), z.literal(100)]),
    used: z.number().int(),
    max: z.number().int(),
    plan: z.string(),
    /** Per-room limits (viewers_per_room): the room and its live session, once per session and threshold. */
    room: z.object({ id: z.uuid(), sessionId: z.uuid().nullable() }).optional(),
  }),
  // Server recordings (workers/src/recordings).
  'recording.started': z.object({ recording: z.object({ id: z.uuid(), roomId: z.uuid(), sessionId: z.uuid().nullable(), startedAt: z.string() }) }),
  'recording.ready': z.object({
    recording: z.object({ id: z.uuid(), roomId: z.uuid(), sessionId: z.uuid().nullable(), durationMs: z.number().int(), sizeBytes: z.number().int(), endedAt: z.string() }),
  }),
  'recording.failed': z.object({ recording: z.object({ id: z.uuid(), roomId: z.uuid(), sessionId: z.uuid().nullable() }), reason: z.string() }),
  // Encoder ingest (workers/src/ingest).
  'ingest.connected': z.object({ ingest: z.object({ id: z.string(), roomId: z.uuid(), protocol: z.enum(['rtmp', 'whip', 'srt']) }), at: z.string() }),
  'ingest.disconnected': z.object({ ingest: z.object({ id: z.string(), roomId: z.uuid(), protocol: z.enum(['rtmp', 'whip', 'srt']) }), at: z.string(), reason: z.string() }),
  // Egress (workers/src/egress): the room's HLS run failed (its encoder died, its node was lost), or a
  // multistream destination was given up (`failed`: refused key, unknown host, never connected, or
  // deleted/disabled when the room moved to another node). Retries before that send nothing.
  'egress.failed': z.object({
    egress: z.object({
      /** The HLS run's id (kind hls) or the multistream destination's id (kind rtmp). */
      id: z.string(),
      roomId: z.uuid(),
      sessionId: z.uuid().nullable(),
      kind: z.enum(['hls', 'rtmp']),
      /** A multistream destination's name and platform (youtube, twitch, facebook, custom); null for HLS. */
      destination: z.object({ name: z.string(), platform: z.string() }).nullable(),
    }),
    /** Why, as the media node said it (a stream key never appears in it). */
    reason: z.string(),
    at: z.string(),
  }),
  /** Sent only by "send test event" to one endpoint. */
  'webhook.test': z.object({ endpointId: z.uuid(), message: z.string() }),
} as const satisfies Record<WebhookEventType, z.ZodType>;

export type WebhookEventData<T extends WebhookEventType> = z.infer<(typeof WEBHOOK_EVENT_DATA)[T]>;
export const WebhookEventTypeName = z.enum(SUBSCRIBABLE_EVENT_TYPES as [string, ...string[]]);

/** The body of one event type: the envelope with that type's `data`. */
export const webhookEventSchema = <T extends WebhookEventType>(type: T) =>
  z.object({
    id: z.string().describe('Unique event id; also the webhook-id header'),
    type: z.literal(type),
    timestamp: z.string().describe('When the event happened (ISO 8601)'),
    version: z.literal(WEBHOOK_PAYLOAD_VERSION),
    organizationId: z.uuid(),
    data: WEBHOOK_EVENT_DATA[type],
  });

export interface WebhookEvent<T extends WebhookEventType = WebhookEventType> {
  id: string;
  type: T;
  timestamp: string;
  version: typeof WEBHOOK_PAYLOAD_VERSION;
  organizationId: string;
  data: WebhookEventData<T>;
}

// ── REST ──
export const WebhookEndpoint = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  /** manual, gone (the endpoint answered 410) or failing (it failed for days); null while enabled. */
  disabledReason: z.string().nullable(),
  failingSince: z.string().nullable(),
  /** Until then the previous secret still signs beside the current one (after a rotation). */
  previousSecretExpiresAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const endpointUrl = z.string().trim().min(1).max(2048);
export const CreateWebhookEndpointInput = z.object({
  url: endpointUrl,
  events: z.array(WebhookEventTypeName).min(1).max(SUBSCRIBABLE_EVENT_TYPES.length),
  description: z.string().trim().max(200).optional(),
});
export const UpdateWebhookEndpointInput = z
  .object({
    url: endpointUrl.optional(),
    events: z.array(WebhookEventTypeName).min(1).max(SUBSCRIBABLE_EVENT_TYPES.length).optional(),
    description: z.string().trim().max(200).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'name at least one field to change');

export const WebhookAttempt = z.object({
  attemptedAt: z.string(),
  /** The endpoint's HTTP status; null when it did not answer (see `error`). */
  responseStatus: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
});

export const WebhookDelivery = z.object({
  id: z.uuid(),
  endpointId: z.uuid(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  responseStatus: z.number().int().nullable(),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  payload: z.unknown(),
  attemptLog: z.array(WebhookAttempt),
});

export const RedeliverInput = z.union([
  z.object({ eventId: z.string().min(1).max(100) }),
  z.object({ since: z.iso.datetime({ offset: true }), until: z.iso.datetime({ offset: true }) }),
]);
