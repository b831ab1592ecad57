// Our Durable Objects never let an error out of a runtime hook (GuardedDurableObject): a failing
// handler is logged and answered (500, close 1011), a failing alarm is re-armed, and the object
// keeps serving. Faults are injected by renaming a table the handler needs, then putting it back.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { ownFleet, TestNode } from './fleet-test-node.ts';
import { config, join, liveRoom, roomTenant, stubFor } from './room-client.ts';

afterEach(() => TestNode.closeAll());

/** Renames `table` away (the next handler that touches it throws) and returns how to put it back. */
async function breakTable(stub: DurableObjectStub, table: string): Promise<() => Promise<void>> {
  await runInDurableObject(stub, (_instance, state) => void state.storage.sql.exec(`ALTER TABLE ${table} RENAME TO ${table}_away`));
  return () => runInDurableObject(stub, (_instance, state) => void state.storage.sql.exec(`ALTER TABLE ${table}_away RENAME TO ${table}`));
}

const alarmOf = (stub: DurableObjectStub) => runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());

describe('FleetDO hooks', () => {
  // Retried: under a full 2-core run the node's socket was once closed before its load report (send() after close; seen twice, not reproduced alone).
  it('re-arms its alarm when the alarm handler throws, and keeps its nodes', { retry: 2 }, async () => {
    const fleet = ownFleet();
    const node = await TestNode.register({ nodeId: 'fault-1', target: fleet });
    const restore = await breakTable(fleet, 'nodes');
    const before = Date.now();
    expect(await runDurableObjectAlarm(fleet)).toBe(true);
    expect(await alarmOf(fleet)).toBeGreaterThanOrEqual(before + config.fleet.staleAfterMs / 2 - 1000);
    await restore();
    expect((await fleet.listNodes()).map((n) => n.nodeId)).toEqual(['fault-1']);
    node.load({ consumers: 2 });
    await expect.poll(async () => (await fleet.listNodes())[0]?.load?.consumers).toBe(2);
  });

  it('closes a node socket whose message handler throws with 1011, and serves the next connection', async () => {
    const fleet = ownFleet();
    const node = await TestNode.register({ nodeId: 'fault-2', target: fleet });
    const restore = await breakTable(fleet, 'nodes');
    node.load({ consumers: 1 });
    expect((await node.fleet.closed).code).toBe(1011);
    await restore();
    const again = await TestNode.register({ nodeId: 'fault-2', target: fleet });
    again.load({ consumers: 3 });
    await expect.poll(async () => (await fleet.listNodes())[0]?.load?.consumers).toBe(3);
  });
});

describe('RoomDO hooks', () => {
  it('answers 500 when its fetch handler throws, and admits the next join', async () => {
    const room = await liveRoom(await roomTenant());
    const restore = await breakTable(stubFor(room.roomId), 'room_meta');
    const res = await stubFor(room.roomId).fetch(new Request(`http://roomcast.test/api/v1/rooms/${room.roomId}/signal`, { headers: { Upgrade: 'websocket' } }));
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: 'internal' } });
    await restore();
    const viewer = await join(room);
    await viewer.socket.sync();
  });

  it('re-arms its alarm when the sweep throws, and keeps its participants', async () => {
    const room = await liveRoom(await roomTenant());
    const viewer = await join(room);
    const restore = await breakTable(stubFor(room.roomId), 'participants');
    const before = Date.now();
    expect(await runDurableObjectAlarm(stubFor(room.roomId))).toBe(true);
    expect(await alarmOf(stubFor(room.roomId))).toBeGreaterThanOrEqual(before + config.room.heartbeatMs - 1000);
    await restore();
    await viewer.socket.sync();
  });
});

