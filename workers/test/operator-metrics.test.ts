// GET /api/v1/admin/metrics: the operator's Prometheus endpoint, behind ADMIN_TOKEN, from FleetDO's
// state and the live rooms' RoomDOs. Labels stay bounded: node and region, never a room id.
import { env, exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import type { FleetDO } from '../src/fleet/fleet-do.ts';
import { operatorMetrics } from '../src/platform/operator-metrics.ts';
import { api, unique } from './api-client.ts';
import { ADMIN, TestNode } from './fleet-test-node.ts';

afterEach(() => TestNode.closeAll());
const globalFleet = () => {
  const ns = (env as unknown as Env).FLEET;
  return ns.get(ns.idFromName('global')) as DurableObjectStub<FleetDO>;
};

/** The Prometheus text format's sample lines as [series, value]. */
const samples = (text: string) =>
  new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))] as const),
  );

describe('operator metrics', () => {
  it('refuse a missing or wrong operator token', async () => {
    expect((await api('GET', '/admin/metrics')).status).toBe(401);
    expect((await api('GET', '/admin/metrics', { token: `${ADMIN}x` })).status).toBe(401);
  });

  it('show the fleet and the live rooms in the Prometheus text format, without room ids', async () => {
    const nodeId = unique('metrics-node');
    const region = unique('region');
    const node = await TestNode.register({ nodeId, region });
    node.load({ routers: 1, consumers: 40 });
    const roomId = unique('metrics-room');
    // The test node may not be the one chosen (other tests' nodes share the global fleet): the figures are checked loosely.
    await globalFleet().placeRoom(roomId, region, undefined);
    const res = await exports.default.fetch(new Request('http://roomcast.test/api/v1/admin/metrics', { headers: { authorization: `Bearer ${ADMIN}` } }));
    const got = { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    expect(got.status).toBe(200);
    expect(got.type).toMatch(/^text\/plain/);
    const m = samples(got.text);
    expect(m.get(`roomcast_fleet_node_up{node="${nodeId}",region="${region}"}`)).toBe(1);
    expect(m.get('roomcast_rooms_live')).toBeGreaterThanOrEqual(1);
    expect(m.get('roomcast_rooms_sampled')).toBeGreaterThanOrEqual(1);
    expect(m.get('roomcast_fleet_nodes{state="serving"}')).toBeGreaterThanOrEqual(1);
    expect(got.text).not.toContain(roomId);
    for (const line of got.text.split('\n')) if (line) expect(line).toMatch(/^(# (HELP|TYPE) roomcast_[a-z_]+ .+|roomcast_[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+)$/);
    node.close();
  });

  it('sum the rooms, count nodes by state and compute utilization', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    const base = { region: 'eu', announcedAddress: 'x', engine: 'embedded', workers: 1, capacity: { maxConsumers: 100, maxRouters: 10 }, lastSeen: '2026-01-01T00:09:58Z', rooms: 1 };
    const text = operatorMetrics({
      now,
      nodes: [
        { ...base, nodeId: 'a', load: { routers: 1, transports: 3, producers: 2, consumers: 50, cpu: 0.25, bitrateKbps: 900, state: 'serving' }, drained: false, connected: true, healthy: true },
        { ...base, nodeId: 'b', load: { routers: 5, transports: 0, producers: 0, consumers: 0, cpu: 0, bitrateKbps: 0, state: 'draining' }, drained: false, connected: true, healthy: true },
        { ...base, nodeId: 'c', load: null, drained: false, connected: false, healthy: false },
      ],
      live: { total: 3, rooms: [{ roomId: 'r1', nodeId: 'a', assignedAt: now - 60_000 }, { roomId: 'r2', nodeId: 'b', assignedAt: now - 120_000 }] },
      roomStats: [{ participants: 5, viewers: 3 }, undefined],
    });
    const m = samples(text);
    expect(m.get('roomcast_rooms_live')).toBe(3);
    expect(m.get('roomcast_rooms_sampled')).toBe(1);
    expect(m.get('roomcast_participants')).toBe(5);
    expect(m.get('roomcast_viewers')).toBe(3);
    expect(m.get('roomcast_room_media_seconds')).toBe(180);
    expect(m.get('roomcast_fleet_nodes{state="serving"}')).toBe(1);
    expect(m.get('roomcast_fleet_nodes{state="draining"}')).toBe(1);
    expect(m.get('roomcast_fleet_nodes{state="disconnected"}')).toBe(1);
    expect(m.get('roomcast_fleet_node_utilization{node="a",region="eu"}')).toBe(0.5);
    expect(m.get('roomcast_fleet_node_utilization{node="b",region="eu"}')).toBe(0.5);
    expect(m.get('roomcast_fleet_node_bitrate_bps{node="a",region="eu"}')).toBe(900_000);
    expect(m.get('roomcast_fleet_node_last_seen_seconds{node="a",region="eu"}')).toBe(2);
  });
});
