// Fuzzes the integration bots' receiver (integration/support/media-peer.ts RoomSignal) with 10,000
// frames from a stand-in room (the shared generator in schema/test/support): every frame the
// channel decoder refuses is recorded and dropped, every valid event is passed on once, nothing
// throws out of the socket's listener, and afterwards a media request still gets its answer.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, ServerMessage } from '@roomcast/schema/protocol';
import { RoomSignal } from '../../integration/support/media-peer.ts';
import { ROOM_TO_CLIENT } from '../../schema/test/support/fuzz-directions.ts';
import { FUZZ_FRAMES, fuzzFrames } from '../../schema/test/support/fuzz-frames.ts';
import { Server } from './support/ws-stand-ins.ts';
import { collectUncaught } from '../../schema/test/support/uncaught.ts';
import { welcomeFrame } from '../../schema/test/support/room-frames.ts';

const welcome = welcomeFrame('guest:bot');

let rooms: Server;
const uncaught = collectUncaught();

beforeAll(async () => {
  rooms = new Server();
  await once(rooms.wss, 'listening');
});
afterAll(() => {
  rooms?.wss.close();
  uncaught.stop();
});

describe('the integration media peer under fuzz', () => {
  it('records and drops each of 10,000 bad frames, passes each valid event on once, and still gets answers', async () => {
    const accepted = rooms.accept();
    const joined = RoomSignal.join(`${rooms.url.replace(/^ws/, 'http')}/api/v1/rooms/room-fuzz/signal`, 'bot-token');
    const room = await accepted;
    expect(await room.next('hello')).toMatchObject({ token: 'bot-token' });
    room.send(welcome);
    const { signal } = await joined;
    const before = signal.events.length;

    // ws hands binary frames over as bytes; the peer reads them as UTF-8 text.
    const frames = [...fuzzFrames(ROOM_TO_CLIENT, FUZZ_FRAMES, 20261127), '{'];
    let refused = 0;
    let events = 0;
    for (const frame of frames) {
      const d = decodeFrame(ServerMessage, frame, { binary: 'utf8', maxBytes: Number.MAX_SAFE_INTEGER });
      if (!d.ok) refused++;
      else if (d.message.type !== 'response') events++;
    }
    for (const frame of frames) room.ws.send(frame);
    await expect.poll(() => ({ refused: signal.refused.length, events: signal.events.length - before }), { timeout: 20_000 }).toEqual({ refused, events });
    expect(uncaught.errors).toEqual([]);

    // Still serving: a request is answered.
    const answer = signal.request('media.producers');
    const request = await room.next((m) => m.type === 'request' && m.method === 'media.producers');
    room.send({ type: 'response', id: request.id, ok: true, data: { producers: [] } });
    await expect(answer).resolves.toEqual({ producers: [] });
    signal.close();
  }, 30_000);
});
