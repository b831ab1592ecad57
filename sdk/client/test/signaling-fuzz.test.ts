// Fuzzes the browser's receiver (@roomcast/client's signaling.ts SignalingClient) with 10,000 frames
// from a stand-in room over a real WebSocket (the shared generator in schema/test/support). Every
// frame the channel decoder refuses is dropped with one warning, every valid one reaches the page
// as exactly one validated event (responses settle requests instead), nothing throws, and
// afterwards the client still answers: its socket is open, a request gets its response, chat
// arrives.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { decodeFrame, ServerMessage } from '@roomcast/schema/protocol';
import { ROOM_TO_CLIENT } from '../../../schema/test/support/fuzz-directions.ts';
import { FUZZ_FRAMES, fuzzFrames } from '../../../schema/test/support/fuzz-frames.ts';
import { SignalingClient } from '../src/signaling.ts';
import { collectUncaught } from '../../../schema/test/support/uncaught.ts';
import { welcomeFrame } from '../../../schema/test/support/room-frames.ts';

const welcome = welcomeFrame('guest:me');

let server: WebSocketServer;
const uncaught = collectUncaught();

beforeAll(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
});
afterAll(() => {
  server.close();
  uncaught.stop();
});
afterEach(() => vi.restoreAllMocks());

describe('the browser room client under fuzz', () => {
  it('drops each of 10,000 bad frames with a warning, passes each valid one on once, and keeps serving', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const connected = once(server, 'connection') as Promise<[ServerSocket]>;
    const client = new SignalingClient({
      credentials: { token: 't', signalingUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/rooms/room-fuzz/signal`, expiresAt: '2099-01-01T00:00:00Z' },
    });
    const events: unknown[] = [];
    client.on('message', (m) => events.push(m));
    client.connect();
    const [room] = await connected;
    const [hello] = (await once(room, 'message')) as [Buffer];
    expect(JSON.parse(hello.toString())).toMatchObject({ type: 'hello', token: 't' });
    room.send(JSON.stringify(welcome));
    await vi.waitFor(() => expect(client.state).toBe('open'));

    // The browser reads only text frames: a binary one arrives as a Blob and is dropped as "".
    const frames = [...fuzzFrames(ROOM_TO_CLIENT, FUZZ_FRAMES, 20261126), '{'];
    let refused = 0;
    let passedOn = 0;
    for (const frame of frames) {
      const d = decodeFrame(ServerMessage, typeof frame === 'string' ? frame : '', { maxBytes: Number.MAX_SAFE_INTEGER });
      if (!d.ok) refused++;
      else if (d.message.type !== 'response') passedOn++;
    }
    for (const frame of frames) room.send(frame);
    const dropped = () => warn.mock.calls.filter((c) => c[0] === '[room] dropped a frame').length;
    await vi.waitFor(() => expect({ dropped: dropped(), passedOn: events.length }).toEqual({ dropped: refused, passedOn }), { timeout: 20_000 });
    // What reached the page is valid, every time.
    for (const e of events) expect(ServerMessage.safeParse(e).success).toBe(true);
    expect(client.state).toBe('open');

    // Still serving: a request is answered, chat arrives.
    room.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string; id?: string; method?: string };
      if (m.type === 'request' && m.method === 'media.producers') room.send(JSON.stringify({ type: 'response', id: m.id, ok: true, data: { producers: [] } }));
    });
    await expect(client.request('media.producers', {})).resolves.toEqual({ producers: [] });
    room.send(JSON.stringify({ type: 'chat.message', id: 99, author: { identity: 'guest:x', name: 'X' }, role: 'viewer', text: 'after the fuzz', sentAt: '2026-01-01T00:00:00Z' }));
    await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ type: 'chat.message', text: 'after the fuzz' }));
    expect(uncaught.errors).toEqual([]);
    client.leave();
  }, 30_000);
});
