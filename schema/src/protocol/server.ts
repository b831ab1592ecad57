// Room -> client: one discriminated union on `type`. The RoomDO builds frames from these types;
// clients validate them on arrival.
import { z } from 'zod';
import { RoomRole as Role, RtmpOutputStatus } from '../api/index.ts';
import { AlertKind } from './client.ts';
import { ErrorFrame, FrameId, ResponseFrame } from './envelope.ts';
import { MediaProducer, MediaResetReason, MediaState } from './media.ts';
import { BackstageMessage, StudioState } from './studio.ts';

export const Participant = z.object({
  identity: z.string(),
  name: z.string(),
  role: Role,
  handRaised: z.boolean(),
  mutedByModerator: z.boolean(),
  joinedAt: z.string(),
});
export type Participant = z.infer<typeof Participant>;

/**
 * A file of the organization shared into the chat by a host or moderator: a reference only. The
 * bytes are fetched by whoever is in the room through POST /rooms/{room}/files/{id}/download (a
 * presigned GET valid a few minutes), so the chat history holds no long-lived link.
 */
export const ChatFile = z.object({ id: z.uuid(), name: z.string(), sizeBytes: z.number().int(), contentType: z.string() });
export type ChatFile = z.infer<typeof ChatFile>;

export const ChatMessage = z.object({
  id: z.number().int(),
  author: z.object({ identity: z.string(), name: z.string() }),
  role: Role,
  text: z.string(),
  sentAt: z.string(),
  clientId: z.string().optional(),
  file: ChatFile.optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const Alert = z.object({
  id: z.number().int(),
  kind: AlertKind,
  text: z.string(),
  symbol: z.string().nullable(),
  price: z.number().nullable(),
  pinned: z.boolean(),
  author: z.object({ identity: z.string(), name: z.string() }),
  postedAt: z.string(),
});
export type Alert = z.infer<typeof Alert>;

export const RoomState = z.object({
  roomId: z.string(),
  sessionId: z.string().nullable(),
  chatEnabled: z.boolean(),
  slowModeSeconds: z.number().int(),
  /** A server recording in progress (everyone in the room sees a REC badge); absent or null: none. */
  recording: z.object({ id: z.string(), startedAt: z.string() }).nullable().optional(),
  /**
   * The room's HLS egress (its current or last run): `live` once the first playlist is in the
   * store; players fetch `/hls/{roomId}/index.m3u8` (a members-only room needs a play token).
   */
  hls: z
    .object({ id: z.string(), state: z.enum(['starting', 'live', 'ended', 'failed']), startedAt: z.string(), endedAt: z.string().nullable(), error: z.string().nullable() })
    .nullable()
    .optional(),
  /** The studio: stage, layout and banner (studio.ts); absent from rooms that predate it. */
  studio: StudioState.optional(),
});
export type RoomState = z.infer<typeof RoomState>;

const ChatPage = z.object({ messages: z.array(ChatMessage), hasMore: z.boolean() });

const frame = <K extends string, T extends z.ZodRawShape>(type: K, shape: T) => z.object({ type: z.literal(type), ...shape });

export const ServerMessage = z.discriminatedUnion('type', [
  frame('welcome', {
    protocol: z.number().int(),
    self: Participant.extend({ grants: z.array(z.string()) }),
    /** Staff first, then viewers; in a large room only the first few hundred (see participantCount). */
    participants: z.array(Participant),
    participantCount: z.number().int(),
    room: RoomState,
    chat: ChatPage,
    pinnedAlerts: z.array(Alert),
    resumeId: z.string(),
    resumed: z.boolean(),
    /** Send a ping at least this often; silent connections are dropped after a few intervals. */
    heartbeatMs: z.number().int(),
    /** The backstage chat so far: only for hosts, co-hosts and guests. */
    backstage: z.array(BackstageMessage).optional(),
  }),
  frame('pong', { ts: z.number().optional(), serverTime: z.number() }),
  /** In a large room, viewers' joins and leaves reach only moderators. Each carries the room's count. */
  frame('participant.joined', { participant: Participant, participantCount: z.number().int() }),
  frame('participant.left', { identity: z.string(), reason: z.enum(['left', 'timeout', 'kicked', 'banned', 'replaced']), participantCount: z.number().int() }),
  /** In a large room, everyone who was not told of a viewer's join or leave gets the new count (at most once a second). */
  frame('presence.count', { participantCount: z.number().int() }),
  frame('participant.updated', { participant: Participant }),
  frame('chat.message', ChatMessage.shape),
  frame('chat.deleted', { messageId: z.number().int(), by: z.string() }),
  frame('chat.history', { id: FrameId.optional(), ...ChatPage.shape }),
  frame('alert.posted', { alert: Alert }),
  frame('alert.pinned', { alert: Alert }),
  frame('alert.unpinned', { alertId: z.number().int() }),
  frame('room.updated', { room: RoomState }),
  /** To hosts, co-hosts and guests only. */
  frame('backstage.message', { message: BackstageMessage }),
  /** To hosts and co-hosts only: a backstage guest's latest camera thumbnail. */
  frame('backstage.preview', { identity: z.string(), image: z.string() }),
  /**
   * To hosts and co-hosts only: every multistream destination pushed from the room and its state
   * (as GET .../egress answers), on every change and each status report of the node while live.
   */
  frame('egress.outputs', { outputs: z.array(RtmpOutputStatus) }),
  frame('room.ended', { reason: z.enum(['ended', 'empty']) }),
  // Media (see media.ts for the call sequence).
  /** Every producer in the room now: after welcome, after a reset, and on request. */
  frame('media.producers', { producers: z.array(MediaProducer) }),
  frame('media.producer_added', { producer: MediaProducer }),
  frame('media.producer_closed', { producerId: z.string() }),
  /** A producer was paused or resumed by its publisher. */
  frame('media.producer_updated', { producer: MediaProducer }),
  /** One of this client's consumers was closed by the room or the node (its producer went away). */
  frame('media.consumer_closed', { consumerId: z.string(), producerId: z.string() }),
  /** One of this client's transports was closed by the node. */
  frame('media.transport_closed', { transportId: z.string() }),
  /** Optional quality scores (0-10) for this client's producers and consumers. */
  frame('media.scores', {
    producers: z.array(z.object({ producerId: z.string(), score: z.number() })).optional(),
    consumers: z.array(z.object({ consumerId: z.string(), score: z.number(), producerScore: z.number() })).optional(),
  }),
  /** Drop every transport, producer and consumer and rebuild once `media.status` is ready. */
  frame('media.reset', { reason: MediaResetReason }),
  frame('media.status', { state: MediaState, error: z.string().optional() }),
  ErrorFrame,
  ResponseFrame,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
