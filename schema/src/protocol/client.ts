// Client -> room: one discriminated union on `type`, validated by the RoomDO on arrival.
import { z } from 'zod';
import { FrameId, RequestFrame } from './envelope.ts';
import { Layout, PreviewImage } from './studio.ts';
import { MAX_ALERT_CHARS, MAX_CHAT_CHARS, MAX_HISTORY_PAGE, MAX_SLOW_MODE_SECONDS } from './limits.ts';

/** Plain text: control characters other than newline and tab are removed, then trimmed. */
const plainText = (max: number) =>
  z
    .string()
    .max(max * 4)
    // eslint-disable-next-line no-control-regex
    .transform((s) => s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim())
    .pipe(z.string().min(1, 'must not be empty').max(max, `at most ${max} characters`));

const identity = z.string().min(1).max(200);
const frame = <K extends string, T extends z.ZodRawShape>(type: K, shape: T) =>
  z.object({ type: z.literal(type), id: FrameId.optional(), ...shape });

export const Hello = z.object({
  type: z.literal('hello'),
  id: FrameId.optional(),
  // Any integer is accepted here so an unsupported version gets its own clear error.
  protocol: z.number().int(),
  token: z.string().min(1).max(4096),
  resumeId: z.string().min(1).max(128).optional(),
});

export const ALERT_KINDS = ['info', 'buy', 'sell', 'warning'] as const;
export const AlertKind = z.enum(ALERT_KINDS);

export const ClientMessage = z.discriminatedUnion('type', [
  Hello,
  frame('ping', { ts: z.number().optional() }),
  frame('leave', {}),
  frame('chat.send', { text: plainText(MAX_CHAT_CHARS), clientId: z.string().min(1).max(64).optional() }),
  frame('chat.delete', { messageId: z.number().int().positive() }),
  frame('chat.history', {
    before: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(MAX_HISTORY_PAGE).default(50),
  }),
  frame('alert.post', {
    kind: AlertKind,
    text: plainText(MAX_ALERT_CHARS),
    symbol: z
      .string()
      .regex(/^[A-Za-z0-9.:/_-]{1,20}$/, 'a ticker: letters, digits and . : / _ -')
      .transform((s) => s.toUpperCase())
      .optional(),
    price: z.number().finite().positive().max(1e12).optional(),
    pin: z.boolean().default(false),
  }),
  frame('alert.pin', { alertId: z.number().int().positive() }),
  frame('alert.unpin', { alertId: z.number().int().positive() }),
  frame('hand.raise', {}),
  /** Lowers the sender's hand, or (moderators) someone else's. */
  frame('hand.lower', { identity: identity.optional() }),
  /** Asks a participant to mute; while muted by a moderator they cannot chat. */
  frame('moderation.mute', { identity, muted: z.boolean().default(true) }),
  frame('moderation.kick', { identity, reason: z.string().max(200).optional() }),
  /** Kick and refuse the identity until the room session ends. */
  frame('moderation.ban', { identity, reason: z.string().max(200).optional() }),
  frame('moderation.slow_mode', { seconds: z.number().int().min(0).max(MAX_SLOW_MODE_SECONDS) }),
  frame('moderation.chat', { enabled: z.boolean() }),
  frame('room.end', {}),
  // The studio (studio.ts). Host and co-hosts move guests and switch layouts; anyone who may
  // moderate shows or hides a banner.
  frame('stage.move', { identity, to: z.enum(['stage', 'backstage']) }),
  /** Pauses a guest's microphone for everyone (they may unmute themselves). */
  frame('stage.mute', { identity }),
  frame('studio.layout', { layout: Layout, spotlight: identity.nullable().optional() }),
  frame('banner.show', { source: z.enum(['chat', 'alert']), messageId: z.number().int().positive() }),
  frame('banner.hide', {}),
  /** The backstage chat (host, co-hosts, guests) and a backstage guest's camera preview for the hosts. */
  frame('backstage.send', { text: plainText(MAX_CHAT_CHARS) }),
  frame('backstage.preview', { image: PreviewImage }),
  RequestFrame,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageInput = z.input<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];
export const CLIENT_MESSAGE_TYPES = ClientMessage.options.map((o) => o.shape.type.value) as ClientMessageType[];
