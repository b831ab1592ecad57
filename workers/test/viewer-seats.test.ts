// chooseViewerNode is pure: where a big room puts each viewer, one table row per rule.
import { describe, expect, it } from 'vitest';
import { chooseViewerNode, type SeatChoice, type SeatInput } from '../src/rooms/media/viewer-seats.ts';

const base: SeatInput = { existing: undefined, existingConnected: false, mayPublish: false, viewers: new Map(), edges: [], viewersPerNode: 2, maxEdges: 2 };
const counts = (entries: [string | null, number][]) => new Map(entries);

const rows: [string, Partial<SeatInput>, SeatChoice][] = [
  ['an empty room seats on the origin', {}, { nodeId: null }],
  ['the origin below its share', { viewers: counts([[null, 1]]) }, { nodeId: null }],
  ['the origin full and no edge: ask for one, the origin as fallback', { viewers: counts([[null, 2]]) }, { placeEdge: true, fallback: null }],
  ['an edge with seats is used before asking for another', { viewers: counts([[null, 2], ['e1', 1]]), edges: ['e1'] }, { nodeId: 'e1' }],
  ['the oldest edge with seats first', { viewers: counts([[null, 2], ['e1', 2], ['e2', 0]]), edges: ['e1', 'e2'] }, { nodeId: 'e2' }],
  ['all full, edges left to open: ask, least full as fallback', { viewers: counts([[null, 3], ['e1', 2]]), edges: ['e1'] }, { placeEdge: true, fallback: 'e1' }],
  ['all full at the edge limit: the least full node', { viewers: counts([[null, 3], ['e1', 2], ['e2', 4]]), edges: ['e1', 'e2'] }, { nodeId: 'e1' }],
  ['publishers stay on the origin whatever its load', { mayPublish: true, viewers: counts([[null, 9]]), edges: ['e1'] }, { nodeId: null }],
  ['a viewer already on the origin stays there', { existing: null, viewers: counts([[null, 9]]) }, { nodeId: null }],
  ['a viewer already on a connected edge stays there', { existing: 'e1', existingConnected: true, viewers: counts([[null, 2], ['e1', 9]]), edges: ['e1'] }, { nodeId: 'e1' }],
  ['a viewer whose edge is gone is seated afresh', { existing: 'gone', existingConnected: false, viewers: counts([[null, 1]]) }, { nodeId: null }],
];

describe('chooseViewerNode', () => {
  it.each(rows)('%s', (_name, input, expected) => {
    expect(chooseViewerNode({ ...base, ...input })).toEqual(expected);
  });
});
