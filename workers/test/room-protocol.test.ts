// The receiving boundary: every bad frame gets an error frame (or close 1008 where the protocol
// says so) and the socket keeps working.
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '@roomcast/schema/protocol';
import type { Tenant } from './api-client.ts';
import { api } from './api-client.ts';
import { connect, join, liveRoom, roomTenant, roomToken, upgrade } from './room-client.ts';

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('protocol');
});

describe('room protocol boundary', () => {
  it('welcomes a hello with self, participants, room state, chat page, pinned alerts and a resumeId', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host', name: 'Hana' });
    expect(host.welcome).toMatchObject({
      type: 'welcome',
      protocol: 1,
      self: { identity: host.identity, name: 'Hana', role: 'host', handRaised: false, mutedByModerator: false },
      room: { roomId: room.roomId, sessionId: room.sessionId, chatEnabled: true, slowModeSeconds: 0 },
      chat: { messages: [], hasMore: false },
      pinnedAlerts: [],
      resumed: false,
    });
    expect(host.welcome.self.grants).toContain('room.end');
    expect(host.welcome.participants.map((p: { identity: string }) => p.identity)).toEqual([host.identity]);
    expect(host.welcome.resumeId).toEqual(expect.any(String));
    const viewer = await join(room, { role: 'viewer' });
    const joined = await host.socket.next('participant.joined');
    expect(joined.participant).toMatchObject({ identity: viewer.identity, role: 'viewer' });
    expect(viewer.welcome.participants).toHaveLength(2);
  });

  it('answers malformed, unknown, oversized, binary and incomplete frames with an error and keeps serving', async () => {
    const room = await liveRoom(tenant);
    const { socket } = await join(room);
    const cases: [string | ArrayBuffer, string][] = [
      ['{not json', 'invalid_json'],
      ['[1,2,3]', 'invalid_message'],
      ['"hello"', 'invalid_message'],
      ['{"type":"teleport","id":"t1"}', 'unknown_type'],
      ['{"id":"no-type"}', 'unknown_type'],
      [JSON.stringify({ type: 'chat.send', text: 'x'.repeat(MAX_FRAME_BYTES) }), 'frame_too_large'],
      [JSON.stringify({ type: 'chat.send', text: '€'.repeat(Math.ceil(MAX_FRAME_BYTES / 3) + 10) }), 'frame_too_large'],
      [new TextEncoder().encode('{"type":"ping"}').buffer as ArrayBuffer, 'invalid_message'],
      ['{"type":"chat.send"}', 'invalid_message'],
      ['{"type":"chat.send","text":"   "}', 'invalid_message'],
      ['{"type":"chat.history","limit":1000}', 'invalid_message'],
      ['{"type":"alert.post","kind":"moon","text":"x"}', 'invalid_message'],
      ['{"type":"moderation.slow_mode","seconds":-1}', 'invalid_message'],
      ['{"type":"hello","protocol":1,"token":"x"}', 'already_joined'],
    ];
    for (const [frame, code] of cases) {
      socket.sendRaw(frame);
      const error = await socket.next('error');
      expect(error.code, String(frame).slice(0, 60)).toBe(code);
      expect(error.message).toEqual(expect.any(String));
    }
    socket.send({ type: 'teleport', id: 'req-7' });
    expect(await socket.next('error')).toMatchObject({ code: 'unknown_type', id: 'req-7' });
    socket.send({ type: 'chat.send', text: 'still here', id: 'c1' });
    expect(await socket.next('chat.message')).toMatchObject({ text: 'still here' });
  });

  it('closes with 1008 after a clear error for an unsupported protocol version', async () => {
    const room = await liveRoom(tenant);
    const token = await roomToken(room);
    const socket = await connect(room.roomId, token);
    socket.send({ type: 'hello', protocol: 2, token });
    const error = await socket.error('unsupported_protocol');
    expect(error.message).toMatch(/protocol 2 is not supported.*protocol 1/i);
    expect((await socket.closed()).code).toBe(1008);
  });

  it('requires hello first, and hello needs its fields', async () => {
    const room = await liveRoom(tenant);
    const token = await roomToken(room);
    const socket = await connect(room.roomId, token);
    socket.send({ type: 'chat.send', text: 'too early' });
    await socket.error('hello_required');
    socket.send({ type: 'hello', token });
    expect((await socket.error('invalid_message')).message).toMatch(/protocol/);
    socket.send({ type: 'hello', protocol: 1, token });
    await socket.next('welcome');
  });

  it('refuses a bad token at the upgrade (401) and in hello (1008)', async () => {
    const room = await liveRoom(tenant);
    const other = await liveRoom(tenant);
    expect((await upgrade(room.roomId, 'not-a-jwt')).status).toBe(401);
    expect((await upgrade(room.roomId, await roomToken(other))).status).toBe(401);
    const plain = await api('GET', `/rooms/${room.roomId}/signal?token=${await roomToken(room)}`);
    expect(plain.status).toBe(426);
    const socket = await connect(room.roomId, await roomToken(room));
    socket.send({ type: 'hello', protocol: 1, token: await roomToken(other) });
    await socket.error('invalid_token');
    expect((await socket.closed()).code).toBe(1008);
  });

  it('answers requests in the envelope with a response carrying the same id', async () => {
    const room = await liveRoom(tenant);
    const { socket } = await join(room);
    socket.send({ type: 'request', id: 'r1', method: 'media.unknown' });
    expect(await socket.next('response')).toMatchObject({ type: 'response', id: 'r1', ok: false, error: { code: 'not_found' } });
  });

  it('documents the signaling route in the OpenAPI document', async () => {
    const doc = await api('GET', '/openapi.json');
    expect(doc.body.paths['/rooms/{room}/signal'].get.responses).toHaveProperty('101');
  });
});
