// What every frame may carry: the error frame, error codes, and the request/response envelope that
// media signaling (router capabilities, transports, produce/consume) will use.
import { z } from 'zod';

/** A client-chosen correlation id. Echoed on the error or response a frame causes. */
export const FrameId = z.string().min(1).max(64);

export const ERROR_CODES = [
  'invalid_json',
  'invalid_message',
  'unknown_type',
  'frame_too_large',
  'unsupported_protocol',
  'hello_required',
  'already_joined',
  'invalid_token',
  'token_expired',
  'room_full',
  'room_ended',
  'room_not_live',
  'banned',
  'kicked',
  /** A member's role changed: join again (a new welcome carries the new grants). */
  'role_changed',
  'forbidden',
  'not_found',
  'rate_limited',
  'slow_mode',
  'chat_disabled',
  'muted',
  /** The stage already holds STAGE_LIMIT people. */
  'stage_full',
  'not_implemented',
  'unavailable',
  'internal',
] as const;
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorFrame = z.object({
  type: z.literal('error'),
  code: ErrorCode,
  message: z.string(),
  id: FrameId.optional(),
});
export type ErrorFrame = z.infer<typeof ErrorFrame>;

/** A request: `method` names the operation, the answer is a `response` with the same `id`. */
export const RequestFrame = z.object({
  type: z.literal('request'),
  id: FrameId,
  method: z.string().min(1).max(64),
  data: z.unknown().optional(),
});
export type RequestFrame = z.infer<typeof RequestFrame>;

/** The answer to a request: `data` when `ok`, `error` when not. */
export const ResponseFrame = z
  .object({
    type: z.literal('response'),
    id: FrameId,
    ok: z.boolean(),
    data: z.unknown().optional(),
    error: z.object({ code: ErrorCode, message: z.string() }).optional(),
  })
  .refine((r) => (r.ok ? r.error === undefined : r.error !== undefined), 'ok responses carry data, failed ones an error');
export type ResponseFrame = z.infer<typeof ResponseFrame>;
