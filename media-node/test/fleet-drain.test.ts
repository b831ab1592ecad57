// Draining on the node's side against stand-in FleetDO and RoomDO servers, with the real embedded
// engine: the operator's drain (node.drain) and SIGTERM's (FleetClient.drain) both report
// `draining`, keep the rooms until they end, and hand back what is left at the drain deadline
// (the room's socket closes, FleetDO hears room.released). The operator's drain leaves the node
// up and undrainable; SIGTERM's waits for the last room (main.ts then exits).
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FleetClient } from '../src/fleet/fleet-client.ts';
import { type Conn, type NodeWithStandIns, registerNode, type Server, startNodeWithStandIns } from './support/ws-stand-ins.ts';

let fleet: Server;
let rooms: Server;
let client: FleetClient;
let standIns: NodeWithStandIns;
let fleetConn: Conn;

beforeAll(async () => {
  standIns = await startNodeWithStandIns({ nodeId: 'node-drain', rtcMinPort: 41580, env: { MEDIA_DRAIN_TIMEOUT_SECONDS: '1' } });
  ({ fleet, rooms, client } = standIns);
  fleetConn = await registerNode(fleet);
});

afterAll(() => standIns?.close());

async function assign(roomId: string): Promise<Conn> {
  fleetConn.send({ type: 'room.assign', roomId, roomUrl: `${rooms.url}/api/v1/rooms/${roomId}/media-node`, token: 't' });
  const room = await rooms.accept();
  await room.next('node.ready');
  return room;
}

describe('media node draining', () => {
  it("the operator's drain keeps the room until the deadline, then hands it back; the node stays up and undrains", async () => {
    const room = await assign('room-a');
    fleetConn.send({ type: 'node.drain', draining: true });
    expect(await fleetConn.next((m) => m.type === 'node.load' && m.state === 'draining')).toMatchObject({ routers: 1 });
    expect(client.draining).toBe(true);
    expect(client.rooms.has('room-a')).toBe(true);
    // A repeated drain (FleetDO repeats it when the node re-registers) does not restart the deadline.
    fleetConn.send({ type: 'node.drain', draining: true });
    const closed = once(room.ws, 'close');
    const [code, reason] = (await closed) as [number, Buffer];
    expect({ code, reason: reason.toString() }).toEqual({ code: 1000, reason: 'node drained' });
    expect(await fleetConn.next((m) => m.type === 'room.released' && m.roomId === 'room-a')).toBeTruthy();
    expect(client.rooms.size).toBe(0);
    expect(client.connected).toBe(true);
    fleetConn.send({ type: 'node.drain', draining: false });
    await vi.waitFor(() => expect(client.draining).toBe(false), { timeout: 3000 });
    // (Load reports queue up unread: wait for one sent after the undrain.)
    await vi.waitFor(async () => expect(await fleetConn.next('node.load')).toMatchObject({ state: 'serving' }), { timeout: 3000 });
  });

  it('an undrain before the deadline keeps the room', async () => {
    const room = await assign('room-b');
    fleetConn.send({ type: 'node.drain', draining: true });
    await fleetConn.next((m) => m.type === 'node.load' && m.state === 'draining');
    fleetConn.send({ type: 'node.drain', draining: false });
    await vi.waitFor(() => expect(client.draining).toBe(false), { timeout: 3000 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(client.rooms.has('room-b')).toBe(true);
    expect(room.ws.readyState).toBe(room.ws.OPEN);
    room.send({ type: 'request', id: 'end', method: 'router.close', data: {} });
    await once(room.ws, 'close');
  });

  it("SIGTERM's drain resolves once the last room has ended, and the operator cannot lift it", async () => {
    const room = await assign('room-c');
    let drained = false;
    const done = client.drain(10_000).then(() => (drained = true));
    await fleetConn.next((m) => m.type === 'node.load' && m.state === 'draining');
    fleetConn.send({ type: 'node.drain', draining: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(client.draining).toBe(true);
    expect(drained).toBe(false);
    // The room ends (the RoomDO closes the router): the drain is over.
    room.send({ type: 'request', id: 'end', method: 'router.close', data: {} });
    await done;
    expect(client.rooms.size).toBe(0);
  });
});
