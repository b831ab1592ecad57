// Which node a viewer's receive transports go to: a pure function of the room's counts, so the
// RoomDO (edges.ts) and the big-room simulator (scripts/sim/bigroom.ts) run the same rule.

export interface SeatInput {
  /** The node of the participant's receive transports so far: undefined for none, null for the origin. */
  existing: string | null | undefined;
  /** Whether that existing edge is still connected. */
  existingConnected: boolean;
  /** Publishers (the publish grant) always stay on the origin. */
  mayPublish: boolean;
  /** Viewers per node (null: the origin), seats being handed out included. */
  viewers: ReadonlyMap<string | null, number>;
  /** The room's connected edges, oldest first. */
  edges: readonly string[];
  viewersPerNode: number;
  maxEdges: number;
}

/** A node to use, or: ask for a new edge, and use `fallback` if none can be had. */
export type SeatChoice = { nodeId: string | null } | { placeEdge: true; fallback: string | null };

export function chooseViewerNode(input: SeatInput): SeatChoice {
  const { existing, viewers, edges, viewersPerNode } = input;
  if (existing === null || (existing !== undefined && input.existingConnected)) return { nodeId: existing };
  if (input.mayPublish) return { nodeId: null };
  const count = (node: string | null) => viewers.get(node) ?? 0;
  if (count(null) < viewersPerNode) return { nodeId: null };
  const open = edges.find((id) => count(id) < viewersPerNode);
  if (open) return { nodeId: open };
  // Every node is at its share: the least full one, unless another edge may be opened first.
  const leastFull = [null, ...edges].reduce<string | null>((best, node) => (count(node) < count(best) ? node : best), null);
  return edges.length < input.maxEdges ? { placeEdge: true, fallback: leastFull } : { nodeId: leastFull };
}
