// FleetDO: node credentials, registration, load reports, the admin API, staleness and placement.
import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import type { FleetDO } from '../src/fleet/fleet-do.ts';
import { signRoomNodeToken, verifyRoomNodeToken } from '../src/fleet/fleet-token.ts';
import { api, unique } from './api-client.ts';
import { accept, ADMIN, dialFleet, nodeToken, ownFleet, TestNode } from './fleet-test-node.ts';
import { config } from './room-client.ts';
import { FLEET_KEEPALIVE_INTERVAL_MS, NODE_KEEPALIVE } from '@roomcast/schema/protocol';

const ns = () => (env as unknown as Env).FLEET;
afterEach(() => TestNode.closeAll());

describe('fleet connect: node credentials', () => {
  it('refuses a connect without a credential, with a bad one, or with another audience', async () => {
    expect((await dialFleet(undefined)).status).toBe(401);
    expect((await dialFleet('not-a-jwt')).status).toBe(401);
    expect((await dialFleet(await nodeToken('n1', 'eu', 'another-secret-0123456789abcdef0123456'))).status).toBe(401);
    expect((await dialFleet(await nodeToken('n1', 'eu', config.fleet.secret, -10))).status).toBe(401);
    const roomNode = await signRoomNodeToken(config.fleet.secret, { nodeId: 'n1', roomId: 'r1', role: 'origin' });
    const refused = await dialFleet(roomNode);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_node_token' } });
  });

  it('asks for a WebSocket upgrade once the credential is good', async () => {
    const res = await api('GET', '/fleet/connect', { headers: { authorization: `Bearer ${await nodeToken('n1', 'eu')}` } });
    expect(res.status).toBe(426);
  });

  it('closes a socket whose node.register names another node or region than the credential', async () => {
    const fleet = ownFleet();
    for (const [nodeId, region] of [['other', 'eu'], ['n1', 'us']]) {
      const peer = accept(await dialFleet(await nodeToken('n1', 'eu'), fleet));
      peer.send({ type: 'node.register', protocol: 1, nodeId, region, announcedAddress: '1.2.3.4', engine: 'embedded', workers: 1, capacity: { maxConsumers: 10, maxRouters: 10 } });
      expect(await peer.next('error')).toMatchObject({ code: 'forbidden' });
      expect((await peer.closed).code).toBe(1008);
    }
    expect(await fleet.listNodes()).toEqual([]);
  });

  it('wants node.register first, in its protocol version, and rejects invalid frames without closing', async () => {
    const fleet = ownFleet();
    const early = accept(await dialFleet(await nodeToken('n1', 'eu'), fleet));
    early.send({ type: 'node.load', routers: 0, transports: 0, producers: 0, consumers: 0, cpu: 0, bitrateKbps: 0, state: 'serving' });
    expect(await early.next('error')).toMatchObject({ code: 'hello_required' });
    expect((await early.closed).code).toBe(1008);

    const old = accept(await dialFleet(await nodeToken('n1', 'eu'), fleet));
    old.send({ type: 'node.register', protocol: 99, nodeId: 'n1', region: 'eu', announcedAddress: 'x', engine: 'embedded', workers: 1, capacity: { maxConsumers: 1, maxRouters: 1 } });
    expect(await old.next('error')).toMatchObject({ code: 'unsupported_protocol' });

    const node = await TestNode.register({ nodeId: 'n1', region: 'eu', target: fleet });
    node.fleet.send({ type: 'node.load', routers: -1 });
    expect(await node.fleet.next('error')).toMatchObject({ code: 'invalid_message' });
    node.fleet.ws.send('{nope');
    expect(await node.fleet.next('error')).toMatchObject({ code: 'invalid_json' });
    node.load({ routers: 2, consumers: 7 });
    await expect.poll(async () => (await fleet.listNodes())[0]?.load?.consumers).toBe(7);
    node.close();
  });
});

describe('fleet socket liveness', () => {
  it('announces in node.registered that it answers keepalives, and answers each one', async () => {
    const fleet = ownFleet();
    const peer = accept(await dialFleet(await nodeToken('ka-node', 'local'), fleet));
    peer.send({ type: 'node.register', protocol: 1, nodeId: 'ka-node', region: 'local', announcedAddress: '127.0.0.1', engine: 'embedded', workers: 1, capacity: { maxConsumers: 10, maxRouters: 10 } });
    expect(await peer.next('node.registered')).toMatchObject({ keepaliveMs: FLEET_KEEPALIVE_INTERVAL_MS });
    peer.ws.send(NODE_KEEPALIVE);
    await expect.poll(() => peer.keepalivesAnswered).toBe(1);
    peer.ws.send(NODE_KEEPALIVE);
    peer.ws.send(NODE_KEEPALIVE);
    await expect.poll(() => peer.keepalivesAnswered).toBe(3);
    // Nothing else comes back: no error frame, no other answer.
    expect(peer.received.filter((m) => m.type !== 'node.registered')).toEqual([]);
    peer.close();
  });
});

describe('fleet registry and placement', () => {
  it('registers a node, records its load and marks it disconnected when the socket closes', async () => {
    const fleet = ownFleet();
    const node = await TestNode.register({ nodeId: 'eu-1', region: 'eu', maxConsumers: 400, target: fleet });
    node.load({ routers: 3, consumers: 120 });
    await expect.poll(async () => (await fleet.listNodes())[0]?.load?.consumers).toBe(120);
    const [view] = await fleet.listNodes();
    expect(view).toMatchObject({ nodeId: 'eu-1', region: 'eu', engine: 'embedded', workers: 2, capacity: { maxConsumers: 400, maxRouters: 100 }, connected: true, healthy: true, drained: false });
    node.close();
    await expect.poll(async () => (await fleet.listNodes())[0]?.connected).toBe(false);
    expect(await fleet.placeRoom('room-x')).toEqual({ error: 'no_media_capacity' });
  });

  it('never places a room on a node whose close it missed (its row says connected, its socket is gone)', async () => {
    const fleet = ownFleet();
    const live = await TestNode.register({ nodeId: 'b-live', target: fleet });
    live.load({ consumers: 300 });
    await expect.poll(async () => (await fleet.listNodes())[0]?.load?.consumers).toBe(300);
    // A node that was registered and reported, idle, when the object restarted before its socket's
    // close was delivered: stored as connected, with no socket.
    await runInDurableObject(fleet, (_object, state) => {
      const now = Date.now();
      state.storage.sql.exec(
        `INSERT INTO nodes (node_id, region, announced_address, engine, workers, max_consumers, max_routers, load, drained, connected, last_seen, registered_at)
         VALUES ('a-ghost', 'local', '127.0.0.1', 'embedded', 2, 800, 100, ?, 0, 1, ?, ?)`,
        JSON.stringify({ routers: 0, transports: 0, producers: 0, consumers: 0, cpu: 0.1, bitrateKbps: 0, state: 'serving' }),
        now,
        now,
      );
    });
    expect(await fleet.placeRoom('room-g')).toEqual({ nodeId: 'b-live' });
    expect((await fleet.listNodes()).map((n) => [n.nodeId, n.connected, n.healthy])).toEqual([
      ['a-ghost', false, false],
      ['b-live', true, true],
    ]);
    live.close();
  });

  it('assigns a room to the least loaded node with a room-node credential, and keeps it there (sticky)', async () => {
    const fleet = ownFleet();
    const busy = await TestNode.register({ nodeId: 'a-busy', target: fleet });
    const idle = await TestNode.register({ nodeId: 'b-idle', target: fleet });
    busy.load({ consumers: 500 });
    idle.load({ consumers: 10 });
    await expect.poll(async () => (await fleet.listNodes()).map((n) => n.load?.consumers)).toEqual([500, 10]);

    expect(await fleet.placeRoom('room-1')).toEqual({ nodeId: 'b-idle' });
    const assign = await idle.fleet.next('room.assign');
    expect(assign.roomId).toBe('room-1');
    expect(assign.roomUrl).toBe('ws://roomcast.test/api/v1/rooms/room-1/media-node');
    expect(await verifyRoomNodeToken(config.fleet.secret, assign.token, 'room-1')).toMatchObject({ nodeId: 'b-idle', roomId: 'room-1' });
    expect(decodeJwt(assign.token).aud).toBe('roomcast-room-node');
    await expect(verifyRoomNodeToken(config.fleet.secret, assign.token, 'room-2')).rejects.toThrow();

    // Now the idle node is the busy one, but the room stays where it is.
    idle.load({ consumers: 790 });
    busy.load({ consumers: 0 });
    await expect.poll(async () => (await fleet.listNodes()).map((n) => n.load?.consumers)).toEqual([0, 790]);
    expect(await fleet.placeRoom('room-1')).toEqual({ nodeId: 'b-idle' });
    expect(await fleet.placeRoom('room-2')).toEqual({ nodeId: 'a-busy' });
    // Asked again without the lost node: the room moves, and its old node is told to let go.
    expect(await fleet.placeRoom('room-1', undefined, 'b-idle')).toEqual({ nodeId: 'a-busy' });
    expect(await idle.fleet.next((m) => m.type === 'room.release' && m.roomId === 'room-1')).toBeTruthy();
    await fleet.releaseRoom('room-2');
    expect(await busy.fleet.next((m) => m.type === 'room.release' && m.roomId === 'room-2')).toBeTruthy();
    busy.close();
    idle.close();
  });

  it('gives a room edge nodes that never serve it already, and releases them with the room', async () => {
    const fleet = ownFleet();
    const nodes = await Promise.all(['e-a', 'e-b', 'e-c'].map((nodeId) => TestNode.register({ nodeId, target: fleet })));
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    expect(await fleet.placeEdge('big-1')).toEqual({ error: 'no_media_capacity' }); // no origin yet
    expect(await fleet.placeRoom('big-1')).toEqual({ nodeId: 'e-a' });
    const first = await fleet.placeEdge('big-1');
    expect(first).toEqual({ nodeId: 'e-b' });
    const assign = await b.fleet.next((m) => m.type === 'room.assign' && m.roomId === 'big-1');
    expect(await verifyRoomNodeToken(config.fleet.secret, assign.token, 'big-1')).toMatchObject({ nodeId: 'e-b', role: 'edge' });
    // Neither the origin nor an edge is chosen again, nor a node the room asks to avoid.
    expect(await fleet.placeEdge('big-1', undefined, ['e-c'])).toEqual({ error: 'no_media_capacity' });
    expect(await fleet.placeEdge('big-1')).toEqual({ nodeId: 'e-c' });
    expect(await fleet.placeEdge('big-1')).toEqual({ error: 'no_media_capacity' });
    // While its origin is healthy the room stays there; an edge never becomes a second origin.
    expect(await fleet.placeRoom('big-1')).toEqual({ nodeId: 'e-a' });
    expect((await fleet.listNodes()).map((n) => n.rooms)).toEqual([1, 1, 1]);
    // The room lets go of one edge: only that node is told.
    expect(await c.fleet.next((m) => m.type === 'room.assign' && m.roomId === 'big-1')).toBeTruthy();
    await fleet.releaseEdge('big-1', 'e-c');
    expect(await c.fleet.next((m) => m.type === 'room.release' && m.roomId === 'big-1')).toBeTruthy();
    // The room ends: the origin and the remaining edge let go.
    await fleet.releaseRoom('big-1');
    expect(await a.fleet.next((m) => m.type === 'room.release' && m.roomId === 'big-1')).toBeTruthy();
    expect(await b.fleet.next((m) => m.type === 'room.release' && m.roomId === 'big-1')).toBeTruthy();
    expect((await fleet.listNodes()).map((n) => n.rooms)).toEqual([0, 0, 0]);
    for (const n of nodes) n.close();
  });

  it('lets go of a room’s edges when it lost its origin, and may place the new origin on one of them', async () => {
    const fleet = ownFleet();
    const [a, b] = (await Promise.all(['o-a', 'o-b'].map((nodeId) => TestNode.register({ nodeId, target: fleet })))) as [TestNode, TestNode];
    expect(await fleet.placeRoom('big-2')).toEqual({ nodeId: 'o-a' });
    expect(await fleet.placeEdge('big-2')).toEqual({ nodeId: 'o-b' });
    a.close(); // the origin dies
    expect(await fleet.placeRoom('big-2', undefined, 'o-a')).toEqual({ nodeId: 'o-b' });
    expect(await b.fleet.next((m) => m.type === 'room.release' && m.roomId === 'big-2')).toBeTruthy();
    expect(await b.fleet.next((m) => m.type === 'room.assign' && m.roomId === 'big-2' && decodeJwt(m.token).role === 'origin')).toBeTruthy();
    const assigns = b.fleet.received.filter((m) => m.type === 'room.assign' && m.roomId === 'big-2');
    expect(assigns.map((m) => decodeJwt(m.token).role)).toEqual(['edge', 'origin']);
    expect(assigns.map((m) => m.role)).toEqual(['edge', 'origin']);
    // The old edge session's late release does not end the room's new origin on the same node.
    b.fleet.send({ type: 'room.released', roomId: 'big-2', role: 'edge' });
    b.load({ consumers: 3 }); // frames are handled in order: once this shows, the release was handled
    await expect.poll(async () => (await fleet.listNodes()).find((n) => n.nodeId === 'o-b')?.load?.consumers).toBe(3);
    expect((await fleet.listNodes()).find((n) => n.nodeId === 'o-b')?.rooms).toBe(1);
    b.fleet.send({ type: 'room.released', roomId: 'big-2', role: 'origin' });
    await expect.poll(async () => (await fleet.listNodes()).find((n) => n.nodeId === 'o-b')?.rooms).toBe(0);
    b.close();
  });

  it('counts rooms it placed since a node last reported, so a burst of placements spreads out', async () => {
    const fleet = ownFleet();
    const x = await TestNode.register({ nodeId: 'burst-x', maxConsumers: 800, target: fleet });
    const y = await TestNode.register({ nodeId: 'burst-y', maxConsumers: 800, target: fleet });
    await expect.poll(async () => (await fleet.listNodes()).every((n) => n.load !== null)).toBe(true);
    // Both report empty; without counting unreported rooms every placement would pick burst-x.
    const placed = [];
    for (let i = 0; i < 4; i++) placed.push(((await fleet.placeRoom(`burst-${i}`)) as { nodeId: string }).nodeId);
    expect(placed.sort()).toEqual(['burst-x', 'burst-x', 'burst-y', 'burst-y']);
    x.close();
    y.close();
  });

  it('admits by recent join rate too: a node whose consumers rose since its previous report is counted with as many more', async () => {
    const fleet = ownFleet();
    const rising = await TestNode.register({ nodeId: 'rate-rising', maxConsumers: 800, target: fleet });
    const steady = await TestNode.register({ nodeId: 'rate-steady', maxConsumers: 800, target: fleet });
    steady.load({ consumers: 300 });
    steady.load({ consumers: 300 });
    rising.load({ consumers: 200 });
    await expect.poll(async () => (await fleet.listNodes()).find((n) => n.nodeId === 'rate-rising')?.load?.consumers).toBe(200);
    // Its last report says 200, but it gained 200 since the one before: 400 by its next report.
    expect(await fleet.placeRoom('rate-1')).toEqual({ nodeId: 'rate-steady' });
    // Its next report no longer rises: it is the emptier node again.
    rising.load({ consumers: 190 });
    await expect.poll(async () => (await fleet.listNodes()).find((n) => n.nodeId === 'rate-rising')?.load?.consumers).toBe(190);
    expect(await fleet.placeRoom('rate-2')).toEqual({ nodeId: 'rate-rising' });
    rising.close();
    steady.close();
  });

  it('prefers the requested region and falls back to another', async () => {
    const fleet = ownFleet();
    const eu = await TestNode.register({ nodeId: 'eu-node', region: 'eu', target: fleet });
    const us = await TestNode.register({ nodeId: 'us-node', region: 'us', target: fleet });
    // Steady at 600 of 800 (two reports: a node that just rose by 600 would count as full).
    us.load({ consumers: 600 });
    us.load({ consumers: 600 });
    await expect.poll(async () => (await fleet.listNodes()).find((n) => n.nodeId === 'us-node')?.load?.consumers).toBe(600);
    expect(await fleet.placeRoom('r-us', 'us')).toEqual({ nodeId: 'us-node' });
    expect(await fleet.placeRoom('r-ap', 'ap')).toEqual({ nodeId: 'eu-node' });
    eu.close();
    us.close();
  });

  it('does not place rooms on a node whose heartbeat is stale; a load report revives it', async () => {
    const fleet = ownFleet();
    const node = await TestNode.register({ nodeId: 'stale-1', target: fleet });
    await expect.poll(async () => (await fleet.listNodes())[0]?.load).not.toBeNull();
    await runInDurableObject(fleet, async (_instance, state) => {
      state.storage.sql.exec(`UPDATE nodes SET last_seen = ?`, Date.now() - config.fleet.staleAfterMs - 1000);
    });
    expect((await fleet.listNodes())[0]).toMatchObject({ healthy: false, connected: true });
    expect(await fleet.placeRoom('room-s')).toEqual({ error: 'no_media_capacity' });
    node.load({ consumers: 1 });
    await expect.poll(async () => (await fleet.listNodes())[0]?.healthy).toBe(true);
    expect(await fleet.placeRoom('room-s')).toEqual({ nodeId: 'stale-1' });
    node.close();
  });

  it('closes the socket of a node that stopped reporting when the alarm runs', async () => {
    const fleet = ownFleet();
    const node = await TestNode.register({ nodeId: 'silent-1', target: fleet });
    await expect.poll(async () => (await fleet.listNodes())[0]?.load).not.toBeNull();
    await runInDurableObject(fleet, async (_instance, state) => {
      state.storage.sql.exec(`UPDATE nodes SET last_seen = ?`, Date.now() - config.fleet.staleAfterMs - 1000);
    });
    expect(await runDurableObjectAlarm(fleet)).toBe(true);
    expect((await node.fleet.closed).code).toBe(4000);
    expect((await fleet.listNodes())[0]).toMatchObject({ connected: false, healthy: false });
  });

  it('answers no_media_capacity when every node is full', async () => {
    const fleet = ownFleet();
    const node = await TestNode.register({ nodeId: 'full-1', maxConsumers: 100, target: fleet });
    node.load({ consumers: 100 });
    await expect.poll(async () => (await fleet.listNodes())[0]?.load?.consumers).toBe(100);
    expect(await fleet.placeRoom('room-f')).toEqual({ error: 'no_media_capacity' });
    node.close();
  });
});

describe('admin API', () => {
  it('refuses calls without the operator token or with a wrong one', async () => {
    expect((await api('GET', '/admin/fleet/nodes')).status).toBe(401);
    expect((await api('GET', '/admin/fleet/nodes', { token: 'wrong-token' })).status).toBe(401);
    expect((await api('POST', '/admin/fleet/nodes/x/drain', { token: `${ADMIN}x` })).status).toBe(401);
  });

  it('lists nodes, drains one (it keeps its rooms, gets no new ones, is told) and undrains it', async () => {
    const nodeId = unique('adm');
    const node = await TestNode.register({ nodeId, region: unique('region') });
    const list = await api('GET', '/admin/fleet/nodes', { token: ADMIN });
    expect(list.status).toBe(200);
    expect(list.body.nodes.find((n: { nodeId: string }) => n.nodeId === nodeId)).toMatchObject({ connected: true, drained: false, capacity: { maxConsumers: 800 } });

    const drained = await api('POST', `/admin/fleet/nodes/${nodeId}/drain`, { token: ADMIN });
    expect(drained.status).toBe(200);
    expect(drained.body.node).toMatchObject({ nodeId, drained: true });
    expect(await node.fleet.next('node.drain')).toMatchObject({ draining: true });
    const fleet = ns().get(ns().idFromName('global')) as DurableObjectStub<FleetDO>;
    const placed = await fleet.placeRoom(unique('room'), undefined, undefined);
    expect('nodeId' in placed ? placed.nodeId : placed.error).not.toBe(nodeId);

    const undrained = await api('POST', `/admin/fleet/nodes/${nodeId}/undrain`, { token: ADMIN });
    expect(undrained.body.node).toMatchObject({ drained: false });
    expect(await node.fleet.next('node.drain')).toMatchObject({ draining: false });
    expect((await api('POST', `/admin/fleet/nodes/${unique('nobody')}/drain`, { token: ADMIN })).status).toBe(404);
    node.close();
  });
});
