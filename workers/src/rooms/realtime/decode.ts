// The room socket's receiving boundary: a raw frame becomes a validated ClientMessage or a
// RoomError (the shared channel decoder, with the room's text-only rule and known types).
import { CLIENT_MESSAGE_TYPES, ClientMessage, decodeFrame as decodeChannelFrame } from '@roomcast/schema/protocol';
import { RoomError } from './connection.ts';

const knownTypes = new Set<string>(CLIENT_MESSAGE_TYPES);

export type Decoded = { ok: true; message: ClientMessage } | { ok: false; error: RoomError; id?: string };

export function decodeFrame(data: string | ArrayBuffer): Decoded {
  const decoded = decodeChannelFrame(ClientMessage, data, { binary: 'refuse', knownTypes });
  if (decoded.ok) return decoded;
  const error = new RoomError(decoded.error.code, decoded.error.message);
  return decoded.id === undefined ? { ok: false, error } : { ok: false, error, id: decoded.id };
}
