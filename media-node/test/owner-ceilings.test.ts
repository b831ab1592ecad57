// Attacker's test of the node's own per-participant ceilings, with the real embedded engine: a room
// (a RoomDO stand-in whose bookkeeping drifted, or a bug) asking for more of one owner's objects
// than MAX_MEDIA_OBJECTS allows, in sequence or all at once, is refused by the node itself.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MEDIA_OBJECTS } from '@roomcast/schema/protocol';
import { loadConfig } from '../src/config.ts';
import { FleetClient } from '../src/fleet/fleet-client.ts';
import { silentLogger } from '../src/log.ts';
import { MediaNode } from '../src/node.ts';
import { type Conn, Server } from './support/ws-stand-ins.ts';

let fleet: Server;
let rooms: Server;
let node: MediaNode;
let client: FleetClient;
let room: Conn;

beforeAll(async () => {
  fleet = new Server();
  rooms = new Server();
  await Promise.all([once(fleet.wss, 'listening'), once(rooms.wss, 'listening')]);
  const config = loadConfig({
    MEDIA_NODE_ID: 'node-ceilings',
    MEDIA_REGION: 'eu',
    MEDIA_ENGINE: 'embedded',
    MEDIA_WORKERS: '1',
    MEDIA_LISTEN_IP: '127.0.0.1',
    MEDIA_RTC_MIN_PORT: '41280',
    MEDIA_RTC_MAX_PORT: '41289',
    MEDIA_FLEET_URL: `${fleet.url}/api/v1/fleet/connect`,
    MEDIA_FLEET_TOKEN: 'node-credential',
  });
  node = await MediaNode.start(config, silentLogger);
  client = new FleetClient(node, config, config.fleet!, silentLogger);
  client.start();
  const fleetConn = await fleet.accept();
  await fleetConn.next('node.register');
  fleetConn.send({ type: 'node.registered', protocol: 1, heartbeatMs: 200 });
  fleetConn.send({ type: 'room.assign', roomId: 'room-c', roomUrl: `${rooms.url}/api/v1/rooms/room-c/media-node`, token: 'room-credential' });
  room = await rooms.accept();
  await room.next('node.ready');
});

afterAll(() => {
  client?.stop();
  node?.close();
  fleet?.wss.close();
  rooms?.wss.close();
});

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
