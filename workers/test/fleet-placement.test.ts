// placeRoom is pure: every rule of placement as one table row.
import { describe, expect, it } from 'vitest';
import { joiningConsumers, placeRoom, type PlacementInput, type PlacementNode } from '../src/fleet/placement.ts';

const NOW = 1_000_000;
const STALE = 15_000;

function node(nodeId: string, over: Partial<PlacementNode> & { consumers?: number; routers?: number; state?: 'serving' | 'draining' } = {}): PlacementNode {
  const { consumers = 0, routers = 0, state = 'serving', ...rest } = over;
  return {
    nodeId,
    region: 'eu',
    capacity: { maxConsumers: 100, maxRouters: 10 },
    load: { consumers, routers, state },
    drained: false,
    lastSeen: NOW - 1_000,
    connected: true,
    ...rest,
  };
}

type Row = [name: string, input: Partial<PlacementInput> & { nodes: PlacementNode[] }, expected: string];

const rows: Row[] = [
  ['no nodes at all', { nodes: [] }, 'no_media_capacity'],
  ['one healthy node', { nodes: [node('a')] }, 'a'],
  ['least loaded by consumers', { nodes: [node('a', { consumers: 50 }), node('b', { consumers: 10 })] }, 'b'],
  ['least loaded by routers when consumers tie', { nodes: [node('a', { routers: 5 }), node('b', { routers: 1 })] }, 'b'],
  ['the fuller of the two ratios counts', { nodes: [node('a', { consumers: 10, routers: 9 }), node('b', { consumers: 50 })] }, 'b'],
  ['relative load, not absolute', { nodes: [node('a', { consumers: 50 }), node('b', { consumers: 60, capacity: { maxConsumers: 1000, maxRouters: 10 } })] }, 'b'],
  ['ties broken by node id', { nodes: [node('b'), node('a'), node('c')] }, 'a'],
  ['no load report yet counts as empty', { nodes: [node('a', { consumers: 1 }), { ...node('b'), load: undefined }] }, 'b'],
  ['stale heartbeat is not placed', { nodes: [node('a', { lastSeen: NOW - STALE - 1 }), node('b', { consumers: 90 })] }, 'b'],
  ['heartbeat exactly at the limit is fresh', { nodes: [node('a', { lastSeen: NOW - STALE })] }, 'a'],
  ['only stale nodes: no capacity', { nodes: [node('a', { lastSeen: NOW - 60_000 })] }, 'no_media_capacity'],
  ['disconnected node is not placed', { nodes: [node('a', { connected: false }), node('b', { consumers: 80 })] }, 'b'],
  ['node reporting draining gets no new rooms', { nodes: [node('a', { state: 'draining' }), node('b', { consumers: 80 })] }, 'b'],
  ['operator-drained node gets no new rooms', { nodes: [node('a', { drained: true }), node('b', { consumers: 80 })] }, 'b'],
  ['only draining nodes: no capacity', { nodes: [node('a', { drained: true })] }, 'no_media_capacity'],
  ['consumers joining since the last report count: a node filling fast loses', { nodes: [node('a', { consumers: 10, joiningConsumers: 50 }), node('b', { consumers: 40 })] }, 'b'],
  ['joining consumers that would fill it: skipped', { nodes: [node('a', { consumers: 10, joiningConsumers: 90 }), node('b', { consumers: 95 })] }, 'b'],
  ['full by consumers is skipped', { nodes: [node('a', { consumers: 100 }), node('b', { consumers: 99 })] }, 'b'],
  ['full by routers is skipped', { nodes: [node('a', { routers: 10 }), node('b', { routers: 9, consumers: 5 })] }, 'b'],
  ['all full: no capacity', { nodes: [node('a', { consumers: 100 }), node('b', { routers: 10 })] }, 'no_media_capacity'],
  ['zero capacity counts as full', { nodes: [node('a', { capacity: { maxConsumers: 0, maxRouters: 10 } })] }, 'no_media_capacity'],
  ['requested region preferred over a less loaded node elsewhere', { region: 'us', nodes: [node('a', { consumers: 0 }), node('b', { region: 'us', consumers: 70 })] }, 'b'],
  ['least loaded within the requested region', { region: 'us', nodes: [node('a'), node('b', { region: 'us', consumers: 70 }), node('c', { region: 'us', consumers: 20 })] }, 'c'],
  ['region without capacity falls back to others', { region: 'us', nodes: [node('a', { consumers: 30 }), node('b', { region: 'us', consumers: 100 })] }, 'a'],
  ['region with only stale nodes falls back', { region: 'us', nodes: [node('a'), node('b', { region: 'us', lastSeen: 0 })] }, 'a'],
  ['unknown region falls back to least loaded', { region: 'ap', nodes: [node('a', { consumers: 5 }), node('b', { consumers: 1 })] }, 'b'],
  ['no region asked: least loaded anywhere', { nodes: [node('a', { region: 'us', consumers: 5 }), node('b', { consumers: 1 })] }, 'b'],
  ['sticky: stays on its current node although another is emptier', { current: 'a', nodes: [node('a', { consumers: 90 }), node('b')] }, 'a'],
  ['sticky even while the current node drains', { current: 'a', nodes: [node('a', { drained: true }), node('b')] }, 'a'],
  ['sticky even while the current node is full', { current: 'a', nodes: [node('a', { consumers: 100 }), node('b')] }, 'a'],
  ['sticky wins over region preference', { current: 'a', region: 'us', nodes: [node('a'), node('b', { region: 'us' })] }, 'a'],
  ['current node stale: moved', { current: 'a', nodes: [node('a', { lastSeen: 0 }), node('b')] }, 'b'],
  ['current node disconnected: moved', { current: 'a', nodes: [node('a', { connected: false }), node('b', { consumers: 50 })] }, 'b'],
  ['current node unknown: placed afresh', { current: 'gone', nodes: [node('a')] }, 'a'],
  ['excluded node is never chosen', { exclude: ['a'], nodes: [node('a'), node('b', { consumers: 90 })] }, 'b'],
  ['excluded current node is not sticky', { current: 'a', exclude: ['a'], nodes: [node('a'), node('b')] }, 'b'],
  ['excluded was the only node: no capacity', { exclude: ['a'], nodes: [node('a')] }, 'no_media_capacity'],
  ['current node lost with nothing else: no capacity', { current: 'a', nodes: [node('a', { lastSeen: 0 })] }, 'no_media_capacity'],
];

describe('placeRoom', () => {
  it.each(rows)('%s', (_name, input, expected) => {
    const result = placeRoom({ roomId: 'room-1', now: NOW, staleAfterMs: STALE, ...input });
    expect('nodeId' in result ? result.nodeId : result.error).toBe(expected);
  });
});

describe('joiningConsumers (what FleetDO counts on top of a node’s last report)', () => {
  it('is the rise since the previous report, never negative, and 0 before a second report', () => {
    expect(joiningConsumers(100, 600)).toBe(500);
    expect(joiningConsumers(600, 600)).toBe(0);
    expect(joiningConsumers(600, 100)).toBe(0);
    expect(joiningConsumers(undefined, 600)).toBe(0);
  });
});
