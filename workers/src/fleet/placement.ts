// Which media node hosts a room: a pure function of the fleet's state, so every rule has a table
// test. FleetDO feeds it what it knows about the nodes; nothing here reads clocks or storage.
import type { NodeCapacity, NodeLoad } from '@roomcast/schema/protocol';

export interface PlacementNode {
  nodeId: string;
  region: string;
  capacity: NodeCapacity;
  /** The last load report; undefined until the first one arrives (counts as empty). */
  load: Pick<NodeLoad, 'routers' | 'consumers' | 'state'> | undefined;
  /** Set by an operator (admin drain) independently of what the node reports. */
  drained: boolean;
  /** Epoch ms of the last frame from the node. */
  lastSeen: number;
  /** The node's fleet socket is open. */
  connected: boolean;
  /** Rooms assigned to it since its last load report (not in `load` yet). */
  unreportedRooms?: number;
  /**
   * Consumers it will likely add before its next report, at the rate its last reports grew
   * (joiningConsumers): a node filling fast is fuller than its last report says.
   */
  joiningConsumers?: number;
}

export interface PlacementInput {
  roomId: string;
  /** The region the room prefers (near its host); other regions are the fallback. */
  region?: string;
  nodes: readonly PlacementNode[];
  /** The node hosting the room now, if any. */
  current?: string;
  /** Never these nodes (the one the room just lost, or the nodes already serving it). */
  exclude?: readonly string[];
  now: number;
  /** A node silent for longer than this is dead. */
  staleAfterMs: number;
}

export type Placement = { nodeId: string } | { error: 'no_media_capacity' };

/** Healthy: connected and heard from recently. Draining nodes are healthy (they keep their rooms). */
export function isHealthy(node: PlacementNode, now: number, staleAfterMs: number): boolean {
  return node.connected && now - node.lastSeen <= staleAfterMs;
}

export function isDraining(node: PlacementNode): boolean {
  return node.drained || node.load?.state === 'draining';
}

/**
 * Consumers a node is expected to add before its next load report: as many as it added since its
 * previous one (nodes report at a steady interval, so this is its recent join rate carried one
 * interval ahead). Reports lag joins by up to that interval; counting this, placement admits by
 * join rate as well as by the last report, and a burst of viewers does not overrun the node that
 * looked emptiest. An emptying node is not assumed emptier.
 */
export function joiningConsumers(previousReport: number | undefined, lastReport: number): number {
  return previousReport === undefined ? 0 : Math.max(0, lastReport - previousReport);
}

/** Share of the node in use, 0..1: the fuller of consumers (those joining included) and routers. */
export function utilization(node: PlacementNode): number {
  const consumers = (node.load?.consumers ?? 0) + (node.joiningConsumers ?? 0);
  const routers = (node.load?.routers ?? 0) + (node.unreportedRooms ?? 0);
  const byConsumers = node.capacity.maxConsumers > 0 ? consumers / node.capacity.maxConsumers : 1;
  const byRouters = node.capacity.maxRouters > 0 ? routers / node.capacity.maxRouters : 1;
  return Math.max(byConsumers, byRouters);
}

function hasRoom(node: PlacementNode): boolean {
  return utilization(node) < 1;
}

export function placeRoom(input: PlacementInput): Placement {
  const { nodes, now, staleAfterMs } = input;
  // Sticky: a room stays where it is while that node is healthy, even when draining or full
  // (moving a live room would cut everyone's media).
  const excluded = new Set(input.exclude ?? []);
  if (input.current && !excluded.has(input.current)) {
    const current = nodes.find((n) => n.nodeId === input.current);
    if (current && isHealthy(current, now, staleAfterMs)) return { nodeId: current.nodeId };
  }
  const candidates = nodes.filter(
    (n) => !excluded.has(n.nodeId) && isHealthy(n, now, staleAfterMs) && !isDraining(n) && hasRoom(n),
  );
  if (candidates.length === 0) return { error: 'no_media_capacity' };
  const inRegion = input.region ? candidates.filter((n) => n.region === input.region) : [];
  const pool = inRegion.length > 0 ? inRegion : candidates;
  // Least loaded; ties broken by node id so the answer is deterministic.
  const best = [...pool].sort((a, b) => utilization(a) - utilization(b) || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0))[0]!;
  return { nodeId: best.nodeId };
}
