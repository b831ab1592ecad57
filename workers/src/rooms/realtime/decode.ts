// The room socket's receiving boundary: a raw frame becomes a validated ClientMessage or a
// ProtocolError (the shared channel decoder, with the room's text-only rule and known types).
import { CLIENT_MESSAGE_TYPES, ClientMessage, decodeFrame as decodeChannelFrame, type Decoded } from '@roomcast/schema/protocol';

const knownTypes = new Set<string>(CLIENT_MESSAGE_TYPES);

export const decodeFrame = (data: string | ArrayBuffer): Decoded<ClientMessage> => decodeChannelFrame(ClientMessage, data, { binary: 'refuse', knownTypes });
