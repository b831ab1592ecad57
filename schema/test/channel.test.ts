// The one frame decoder every socket uses (schema/src/protocol/channel.ts).
import { describe, expect, it } from 'vitest';
import { CLIENT_MESSAGE_TYPES, ClientMessage, decodeFrame, MAX_FRAME_BYTES, NodeToFleet } from '../src/protocol/index.ts';

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

  it('never throws on random input', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: Math.floor(rand() * 80) }, () => String.fromCharCode(Math.floor(rand() * 128))).join('');
      expect(() => room(`{"type":"chat.send","text":${JSON.stringify(text)}${rand() < 0.5 ? '' : ',"x":1'}`)).not.toThrow();
      expect(() => room(text)).not.toThrow();
    }
  });
});
