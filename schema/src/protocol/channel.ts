// The receiving edge of every socket (issue 12's channel, first piece): one decoder turns a raw
// frame into a validated message of the direction's union, or a ProtocolError carrying the code
// to answer with and the request id to echo. Runtime-agnostic (workerd, Node, browser): no
// endpoint parses frames by hand.
import type { z } from 'zod';
import type { ErrorCode } from './envelope.ts';
import { MAX_FRAME_BYTES } from './limits.ts';

/** Node links carry router capabilities and full RTP parameters: larger than room frames. */
export const MAX_NODE_FRAME_BYTES = 256 * 1024;

/**
 * The one error of every socket endpoint: a frame the decoder refuses or a request a handler
 * refuses. It becomes an error frame (code and message) and, when `close` names a close code,
 * the endpoint hangs up with it.
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly close?: number,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export interface DecodeOptions {
  /** Largest frame accepted, in UTF-8 bytes (default MAX_FRAME_BYTES). */
  maxBytes?: number;
  /** Binary frames: refused (the room socket speaks text) or read as UTF-8 JSON (node links). */
  binary?: 'refuse' | 'utf8';
  /** The direction's `type`s: an unknown one gets `unknown_type` instead of `invalid_message`. */
  knownTypes?: ReadonlySet<string>;
}

export type Decoded<T> = { ok: true; message: T } | { ok: false; error: ProtocolError; id?: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function decodeFrame<T>(schema: z.ZodType<T>, data: string | ArrayBuffer | Uint8Array, options: DecodeOptions = {}): Decoded<T> {
  const maxBytes = options.maxBytes ?? MAX_FRAME_BYTES;
  let text: string;
  if (typeof data === 'string') {
    text = data;
  } else {
    if (options.binary !== 'utf8') return refuse('invalid_message', 'Send JSON text frames, not binary');
    if (data.byteLength > maxBytes) return refuse('frame_too_large', `Frames are limited to ${maxBytes} bytes`);
    text = decoder.decode(data as Uint8Array);
  }
  // A character is at most 3 UTF-8 bytes (4 for a surrogate pair, which is 2 characters).
  if (text.length > maxBytes || (text.length * 3 > maxBytes && encoder.encode(text).byteLength > maxBytes)) {
    return refuse('frame_too_large', `Frames are limited to ${maxBytes} bytes`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return refuse('invalid_json', 'The frame is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return refuse('invalid_message', 'A frame is a JSON object with a "type"');
  }
  const obj = raw as Record<string, unknown>;
  const id = typeof obj.id === 'string' && obj.id.length > 0 && obj.id.length <= 64 ? obj.id : undefined;
  if (options.knownTypes && (typeof obj.type !== 'string' || !options.knownTypes.has(obj.type))) {
    const shown = typeof obj.type === 'string' ? `"${obj.type.slice(0, 40)}"` : 'missing';
    return refuse('unknown_type', `Unknown message type ${shown}`, id);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'frame';
    const type = typeof obj.type === 'string' ? `${obj.type.slice(0, 40)}: ` : '';
    return refuse('invalid_message', `${type}${where}: ${issue?.message ?? 'invalid'}`, id);
  }
  return { ok: true, message: parsed.data };
}

function refuse(code: ErrorCode, message: string, id?: string): { ok: false; error: ProtocolError; id?: string } {
  return id === undefined ? { ok: false, error: new ProtocolError(code, message) } : { ok: false, error: new ProtocolError(code, message), id };
}
