// The one frame decoder every socket uses (schema/src/protocol/channel.ts).
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  CLIENT_MESSAGE_TYPES,
  ClientMessage,
  decodeFrame,
  FleetToNode,
  MAX_FRAME_BYTES,
  MAX_NODE_FRAME_BYTES,
  NodeToFleet,
  NodeToRoom,
  ProtocolError,
  RoomToNode,
  ServerMessage,
  type DecodeOptions,
} from '../src/protocol/index.ts';
import { CLIENT_TO_ROOM, FLEET_TO_NODE, NODE_TO_FLEET, NODE_TO_ROOM, ROOM_TO_CLIENT, ROOM_TO_NODE } from './support/fuzz-directions.ts';
import { FUZZ_FRAMES, fuzzFrames, type FrameSpace } from './support/fuzz-frames.ts';

const knownTypes = new Set<string>(CLIENT_MESSAGE_TYPES);
const room = (data: string | ArrayBuffer | Uint8Array) => decodeFrame(ClientMessage, data, { binary: 'refuse', knownTypes });
const codeOf = (d: ReturnType<typeof room>) => (d.ok ? 'ok' : d.error.code);

describe('decodeFrame', () => {
  it('accepts a valid frame of the direction and returns it typed', () => {
    const d = room(JSON.stringify({ type: 'chat.send', text: 'hi', id: 'r1' }));
    expect(d).toMatchObject({ ok: true, message: { type: 'chat.send', text: 'hi' } });
  });

  it('refuses each kind of bad frame with its own code, echoing a usable id', () => {
    expect(codeOf(room('{nope'))).toBe('invalid_json');
    expect(codeOf(room('[1,2]'))).toBe('invalid_message');
    expect(codeOf(room('null'))).toBe('invalid_message');
    expect(codeOf(room(new TextEncoder().encode('{"type":"ping","ts":1}')))).toBe('invalid_message');
    const unknown = room(JSON.stringify({ type: 'root.shell', id: 'q7' }));
    expect(unknown).toMatchObject({ ok: false, id: 'q7', error: { code: 'unknown_type' } });
    const invalid = room(JSON.stringify({ type: 'chat.send', text: 42, id: 'q8' }));
    expect(invalid).toMatchObject({ ok: false, id: 'q8', error: { code: 'invalid_message' } });
    expect(invalid.ok ? '' : invalid.error.message).toMatch(/^chat\.send: text: /);
    // An id too long to echo is not echoed.
    expect(room(JSON.stringify({ type: 'nope', id: 'x'.repeat(65) }))).not.toHaveProperty('id');
  });

  it('caps the frame size in UTF-8 bytes, multi-byte characters included', () => {
    expect(codeOf(room(JSON.stringify({ type: 'chat.send', text: 'a'.repeat(MAX_FRAME_BYTES) })))).toBe('frame_too_large');
    // Under the cap in characters, over it in bytes.
    expect(codeOf(room(JSON.stringify({ type: 'chat.send', text: '€'.repeat(MAX_FRAME_BYTES / 3) })))).toBe('frame_too_large');
  });

  it('reads binary frames as UTF-8 where the link allows them, within its own cap', () => {
    const frame = new TextEncoder().encode(JSON.stringify({ type: 'room.released', roomId: 'r-1' }));
    expect(decodeFrame(NodeToFleet, frame, { binary: 'utf8' })).toMatchObject({ ok: true, message: { type: 'room.released' } });
    const big = new Uint8Array(2048);
    expect(decodeFrame(NodeToFleet, big, { binary: 'utf8', maxBytes: 1024 })).toMatchObject({ ok: false, error: { code: 'frame_too_large' } });
  });

  // Every receiver decodes with the same options as here (see each socket's fuzz test).
  const directions = [
    ['client -> room', ClientMessage, CLIENT_TO_ROOM, { binary: 'refuse', knownTypes }],
    ['room -> client', ServerMessage, ROOM_TO_CLIENT, { maxBytes: Number.MAX_SAFE_INTEGER }],
    ['node -> room', NodeToRoom, NODE_TO_ROOM, { binary: 'utf8', maxBytes: MAX_NODE_FRAME_BYTES }],
    ['room -> node', RoomToNode, ROOM_TO_NODE, { maxBytes: MAX_NODE_FRAME_BYTES }],
    ['node -> fleet', NodeToFleet, NODE_TO_FLEET, { binary: 'utf8', maxBytes: MAX_NODE_FRAME_BYTES }],
    ['fleet -> node', FleetToNode, FLEET_TO_NODE, { maxBytes: MAX_NODE_FRAME_BYTES }],
  ] as const satisfies readonly (readonly [string, z.ZodType, FrameSpace, DecodeOptions])[];

  it.each(directions)('%s: every template is a valid frame of the direction', (_name, schema, space, options) => {
    for (const template of space.templates) expect(decodeFrame(schema as z.ZodType, JSON.stringify(template), options)).toMatchObject({ ok: true });
  });

  it.each(directions)('%s: 10,000 fuzzed frames are each decoded or refused with a decoder code, never thrown', (_name, schema, space, options) => {
    const counts: Record<string, number> = {};
    for (const frame of fuzzFrames(space, FUZZ_FRAMES, 20261121)) {
      const d = decodeFrame(schema as z.ZodType, frame, options);
      const code = d.ok ? 'ok' : d.error.code;
      counts[code] = (counts[code] ?? 0) + 1;
      if (!d.ok) expect(d.error).toBeInstanceOf(ProtocolError);
    }
    // The generator reaches every refusal the decoder has, and lets valid frames through too.
    const expected = ['ok', 'invalid_json', 'invalid_message', ...(schema === ServerMessage ? [] : ['frame_too_large'])];
    for (const code of expected) expect(counts[code], `${code} in ${JSON.stringify(counts)}`).toBeGreaterThan(10);
    expect(Object.keys(counts).every((c) => ['ok', 'invalid_json', 'invalid_message', 'unknown_type', 'frame_too_large'].includes(c))).toBe(true);
    expect(counts.ok).toBeGreaterThan(500);
  });
});
