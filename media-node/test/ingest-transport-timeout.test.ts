// A vanished WHIP encoder must not keep the room live: its transport, not connected (never, or no
// longer: ICE consent lost) for MEDIA_INGEST_DISCONNECT_SECONDS, is closed by the node and the
// room hears transport.closed (which ends the WHIP session). Participants' transports are left to
// their ICE restarts. The node here is the real one, against stand-ins for FleetDO and a RoomDO.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type NodeWithStandIns, startNodeWithStandIns } from './support/ws-stand-ins.ts';

let standIns: NodeWithStandIns;
beforeAll(async () => {
  standIns = await startNodeWithStandIns({ nodeId: 'node-ingest-timeout', rtcMinPort: 41680, env: { MEDIA_INGEST_DISCONNECT_SECONDS: '0.5' } });
});
afterAll(() => standIns?.close());

it('closes an encoder transport that never connects, and leaves a participant’s alone', async () => {
  const fleet = await standIns.fleet.accept();
  await fleet.next('node.register');
  fleet.send({ type: 'node.registered', protocol: 1, heartbeatMs: 1000 });
  fleet.send({ type: 'room.assign', roomId: 'room-t', roomUrl: `${standIns.rooms.url}/api/v1/rooms/room-t/media-node`, token: 't' });
  const room = await standIns.rooms.accept();
  await room.next('node.ready');

  room.send({ type: 'request', id: '1', method: 'transport.create', data: { direction: 'send', owner: 'ingest:room-t' } });
  const encoder = await room.next((m) => m.id === '1');
  room.send({ type: 'request', id: '2', method: 'transport.create', data: { direction: 'send', owner: 'user:host' } });
  const host = await room.next((m) => m.id === '2');

  expect(await room.next('transport.closed', 5000)).toEqual({ type: 'transport.closed', transportId: encoder.data.id });
  await expect(room.next((m) => m.type === 'transport.closed' && m.transportId === host.data.id, 1500)).rejects.toThrow();
});
