// The receiving boundary: a raw frame becomes a validated ClientMessage or a RoomError. Nothing
// past this point sees unvalidated input.
import { CLIENT_MESSAGE_TYPES, ClientMessage, MAX_FRAME_BYTES } from '@roomcast/schema/protocol';
import { RoomError } from './connection.ts';

const encoder = new TextEncoder();
const knownTypes = new Set<string>(CLIENT_MESSAGE_TYPES);

export type Decoded = { ok: true; message: ClientMessage } | { ok: false; error: RoomError; id?: string };

export function decodeFrame(data: string | ArrayBuffer): Decoded {
  if (typeof data !== 'string') return { ok: false, error: new RoomError('invalid_message', 'Send JSON text frames, not binary') };
  // A character is at most 3 UTF-8 bytes (4 for a surrogate pair, which is 2 characters).
  if (data.length > MAX_FRAME_BYTES || (data.length * 3 > MAX_FRAME_BYTES && encoder.encode(data).byteLength > MAX_FRAME_BYTES)) {
    return { ok: false, error: new RoomError('frame_too_large', `Frames are limited to ${MAX_FRAME_BYTES} bytes`) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return { ok: false, error: new RoomError('invalid_json', 'The frame is not valid JSON') };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: new RoomError('invalid_message', 'A frame is a JSON object with a "type"') };
  }
  const obj = raw as Record<string, unknown>;
  const id = typeof obj.id === 'string' && obj.id.length > 0 && obj.id.length <= 64 ? obj.id : undefined;
  if (typeof obj.type !== 'string' || !knownTypes.has(obj.type)) {
    const shown = typeof obj.type === 'string' ? `"${obj.type.slice(0, 40)}"` : 'missing';
    return { ok: false, id, error: new RoomError('unknown_type', `Unknown message type ${shown}`) };
  }
  const parsed = ClientMessage.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'frame';
    return { ok: false, id, error: new RoomError('invalid_message', `${obj.type}: ${where}: ${issue?.message ?? 'invalid'}`) };
  }
  return { ok: true, message: parsed.data };
}
