// Attacker's test of the node's own per-participant ceilings, with the real embedded engine: a room
// (a RoomDO stand-in whose bookkeeping drifted, or a bug) asking for more of one owner's objects
// than MAX_MEDIA_OBJECTS allows, in sequence or all at once, is refused by the node itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MEDIA_OBJECTS } from '@roomcast/schema/protocol';
import { type Conn, type NodeWithStandIns, registerNode, startNodeWithStandIns } from './support/ws-stand-ins.ts';

let room: Conn;
let standIns: NodeWithStandIns;

beforeAll(async () => {
  standIns = await startNodeWithStandIns({ nodeId: 'node-ceilings', rtcMinPort: 41280 });
  const fleetConn = await registerNode(standIns.fleet);
  fleetConn.send({ type: 'room.assign', roomId: 'room-c', roomUrl: `${standIns.rooms.url}/api/v1/rooms/room-c/media-node`, token: 'room-credential' });
  room = await standIns.rooms.accept();
  await room.next('node.ready');
});

afterAll(() => standIns?.close());

let seq = 0;
function ask(method: string, data: unknown) {
  const id = `c${++seq}`;
  room.send({ type: 'request', id, method, data });
  return room.next((m) => m.type === 'response' && m.id === id);
}

const OPUS = (ssrc: number) => ({ mid: String(ssrc), codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc }] });

describe('the node’s own per-participant ceilings', () => {
  it('refuses one owner’s transports past the ceiling, even when the requests race, and frees a slot on close', async () => {
    const answers = await Promise.all(Array.from({ length: MAX_MEDIA_OBJECTS.transport + 6 }, () => ask('transport.create', { direction: 'recv', owner: 'guest:greedy' })));
    const created = answers.filter((a) => a.ok);
    expect(created).toHaveLength(MAX_MEDIA_OBJECTS.transport);
    for (const a of answers.filter((a) => !a.ok)) expect(a).toMatchObject({ error: { code: 'rate_limited', message: expect.any(String) } });
    // Another participant is not affected.
    expect(await ask('transport.create', { direction: 'recv', owner: 'guest:other' })).toMatchObject({ ok: true });
    expect(await ask('transport.close', { transportId: created[0]!.data.id })).toMatchObject({ ok: true });
    expect(await ask('transport.create', { direction: 'recv', owner: 'guest:greedy' })).toMatchObject({ ok: true });
  });

  it('refuses one owner’s producers past the ceiling, counted by the transport’s owner', async () => {
    const send = await ask('transport.create', { direction: 'send', owner: 'user:host' });
    expect(send.ok).toBe(true);
    const answers = await Promise.all(
      Array.from({ length: MAX_MEDIA_OBJECTS.producer + 3 }, (_, i) =>
        ask('transport.produce', { transportId: send.data.id, kind: 'audio', rtpParameters: OPUS(1000 + i), identity: 'someone-else', source: 'microphone' }),
      ),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(MAX_MEDIA_OBJECTS.producer);
    expect(answers.filter((a) => !a.ok).map((a) => a.error.code)).toEqual(['rate_limited', 'rate_limited', 'rate_limited']);
  });
});
