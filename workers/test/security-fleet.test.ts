// Attacker's tests of FleetDO: what a malicious or buggy node (holding a valid credential of its
// own) can do to the fleet's state, and how the node socket copes with hostile frames.
import { afterEach, describe, expect, it } from 'vitest';
import { FLEET_PROTOCOL_VERSION, MAX_NODE_FRAME_BYTES } from '@roomcast/schema/protocol';
import { accept, dialFleet, nodeToken, ownFleet, TestNode } from './fleet-test-node.ts';

afterEach(() => TestNode.closeAll());

const register = (nodeId: string, region: string, rooms: string[]) => ({
  type: 'node.register',
  protocol: FLEET_PROTOCOL_VERSION,
  nodeId,
  region,
  announcedAddress: '10.0.0.9',
  engine: 'embedded',
  workers: 1,
  capacity: { maxConsumers: 800, maxRouters: 100 },
  rooms,
});

describe('a hostile node and FleetDO', () => {
  it('cannot claim rooms it was never given by listing them in node.register', async () => {
    const fleet = ownFleet();
    const honest = await TestNode.register({ nodeId: 'b-honest', target: fleet });
    const victimRoom = crypto.randomUUID();
    // The rogue node lists a room it never hosted, hoping placement sticks the room to it.
    const rogue = accept(await dialFleet(await nodeToken('a-rogue', 'local'), fleet));
    rogue.send(register('a-rogue', 'local', [victimRoom]));
    await rogue.next('node.registered');
    rogue.send({ type: 'node.load', routers: 0, transports: 0, producers: 0, consumers: 700, cpu: 0.9, bitrateKbps: 0, state: 'serving' });
    honest.load({ consumers: 0 });
    await expect.poll(async () => (await fleet.listNodes()).map((n) => n.load?.consumers)).toEqual([700, 0]);
    expect((await fleet.listNodes()).find((n) => n.nodeId === 'a-rogue')?.rooms).toBe(0);
    // The room goes to the least loaded node, with the credential for it.
    expect(await fleet.placeRoom(victimRoom)).toEqual({ nodeId: 'b-honest' });
    expect(await honest.fleet.next((m) => m.type === 'room.assign' && m.roomId === victimRoom)).toBeTruthy();
    expect(rogue.received.filter((m) => m.type === 'room.assign')).toEqual([]);
    rogue.close();
  });

  it('keeps the rooms it was given across a reconnect, and tells it to let go of others', async () => {
    const fleet = ownFleet();
    const node = await TestNode.register({ nodeId: 'a-node', target: fleet });
    expect(await fleet.placeRoom('room-kept')).toEqual({ nodeId: 'a-node' });
    node.close();
    const again = accept(await dialFleet(await nodeToken('a-node', 'local'), fleet));
    again.send(register('a-node', 'local', ['room-kept', 'room-stale']));
    await again.next('node.registered');
    expect(await again.next((m) => m.type === 'room.release')).toMatchObject({ roomId: 'room-stale' });
    expect((await fleet.listNodes()).find((n) => n.nodeId === 'a-node')?.rooms).toBe(1);
    again.send({ type: 'node.load', routers: 1, transports: 0, producers: 0, consumers: 0, cpu: 0, bitrateKbps: 0, state: 'serving' });
    await expect.poll(async () => (await fleet.listNodes()).find((n) => n.nodeId === 'a-node')?.healthy).toBe(true);
    expect(await fleet.placeRoom('room-kept')).toEqual({ nodeId: 'a-node' });
    again.close();
  });

  it('cannot release another node’s room, and survives hostile frames without closing', async () => {
    const fleet = ownFleet();
    const owner = await TestNode.register({ nodeId: 'b-owner', target: fleet });
    expect(await fleet.placeRoom('room-o')).toEqual({ nodeId: 'b-owner' });
    const other = await TestNode.register({ nodeId: 'a-other', target: fleet });
    other.fleet.send({ type: 'room.released', roomId: 'room-o' });
    for (const bad of ['{', '[]', 'null', JSON.stringify({ type: 'node.load', cpu: 'hot' }), JSON.stringify(register('x', 'y', [])), JSON.stringify({ type: 'node.load', routers: -1, transports: 0, producers: 0, consumers: 0, cpu: 0, bitrateKbps: 0, state: 'serving' })]) {
      other.fleet.ws.send(bad);
      expect(await other.fleet.next('error')).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
    other.fleet.ws.send(new TextEncoder().encode('{"type":"nope"}'));
    expect(await other.fleet.next('error')).toMatchObject({ code: 'invalid_message' });
    expect((await fleet.listNodes()).find((n) => n.nodeId === 'b-owner')?.rooms).toBe(1);
    // Still registered and heard: a load report lands.
    other.load({ consumers: 5 });
    await expect.poll(async () => (await fleet.listNodes()).find((n) => n.nodeId === 'a-other')?.load?.consumers).toBe(5);
    owner.close();
    other.close();
  });

  it('refuses a node frame over the node-link cap before parsing it, and keeps serving the node', async () => {
    const fleet = ownFleet();
    const node = await TestNode.register({ nodeId: 'a-big', target: fleet });
    node.fleet.send({ type: 'node.load', routers: 1, consumers: 1, pad: 'x'.repeat(MAX_NODE_FRAME_BYTES) });
    await node.fleet.next((m) => m.type === 'error' && m.code === 'frame_too_large');
    node.load({ consumers: 4 });
    await expect.poll(async () => (await fleet.listNodes())[0]?.load?.consumers).toBe(4);
  });
});
