// `npm run sim:bigroom`: one room of 3-layer simulcast grows to 100,000 viewers joining at 5,000
// a minute, on modelled media nodes. It runs the product's own rules, not copies of them: the
// RoomDO's seat rule (chooseViewerNode, viewer-seats.ts) decides each viewer's node and when to
// ask for an edge, and FleetDO's placement (placeRoom, placement.ts) picks each edge from load
// reports that arrive every few seconds (plus the rooms it placed since and the consumers joining at
// each node's recent rate, as FleetDO counts them).
// What is modelled: each node's CPU budget in forwarded packets per second, from the per-packet
// costs `npm run bench:media` measures (WebRTC and pipe consumers); the packets a viewer costs on
// the layer it receives; an edge taking EDGE_READY_MS to dial in (joins meanwhile wait for it);
// the pipe traffic, every layer once per edge. A node serves its share of the room on all its
// cores (the media node spreads a room's viewers over its workers: router-spread.ts). At the end
// the fullest edge is killed and its viewers are seated again by the same rules. The last line is
// one JSON object.
//   SIM_VIEWERS (100000)  SIM_JOINS_PER_MIN (5000)  SIM_NODES (60 available)  SIM_CORES (8 per node)
//   SIM_WEBRTC_US_PER_PKT (13.47)  SIM_PIPE_US_PER_PKT (6.38): bench:media's figures, embedded engine
//   SIM_VIEWERS_PER_NODE: the room's MEDIA_VIEWERS_PER_NODE (default: what fills 90 % of a node)
import { joiningConsumers, placeRoom, type PlacementNode } from '../../workers/src/fleet/placement.ts';
import { chooseViewerNode } from '../../workers/src/rooms/media/viewer-seats.ts';

const num = (name: string, fallback: number) => Number(process.env[name] || fallback);
const VIEWERS = num('SIM_VIEWERS', 100_000);
const JOINS_PER_S = num('SIM_JOINS_PER_MIN', 5_000) / 60;
const NODES = num('SIM_NODES', 60);
const CORES = num('SIM_CORES', 8);
const WEBRTC_US = num('SIM_WEBRTC_US_PER_PKT', 13.47);
const PIPE_US = num('SIM_PIPE_US_PER_PKT', 6.38);
const EDGE_READY_MS = num('SIM_EDGE_READY_MS', 1_000);
const REPORT_EVERY_MS = num('SIM_REPORT_EVERY_MS', 5_000);
const STEP_MS = 100;
const PACKET_BYTES = 1_100;
const AUDIO_PPS = 50;
/** The publisher's simulcast layers (bits/s, like the studio's) and the share of viewers on each. */
const LAYERS = [
  { bps: 150_000, share: 0.1 },
  { bps: 400_000, share: 0.2 },
  { bps: 1_000_000, share: 0.7 },
];
const pps = (bps: number) => bps / 8 / PACKET_BYTES;

/** Forwarded packets a node's cores can send in a second (its budget). */
const NODE_BUDGET_PPS = (CORES * 1e6) / WEBRTC_US;
const VIEWER_PPS = LAYERS.reduce((sum, l) => sum + l.share * pps(l.bps), 0) + AUDIO_PPS;
/** Every layer and the audio, once per edge: what a pipe carries. */
const PIPE_PPS = LAYERS.reduce((sum, l) => sum + pps(l.bps), 0) + AUDIO_PPS;
const PIPE_BPS = LAYERS.reduce((sum, l) => sum + l.bps, 0) + AUDIO_PPS * PACKET_BYTES * 8;
/** Pipe packets cost less than WebRTC ones (no ICE/DTLS, no per-viewer layer choice): in budget units. */
const PIPE_COST = PIPE_US / WEBRTC_US;
const MAX_EDGES = num('SIM_MAX_EDGES', NODES - 1);
/** The MEDIA_VIEWERS_PER_NODE an operator sets for these nodes: 90 % of the budget, less the origin's pipes (publisher in, one per edge out). */
const VIEWERS_PER_NODE = num('SIM_VIEWERS_PER_NODE', Math.floor((0.9 * NODE_BUDGET_PPS - (1 + MAX_EDGES) * PIPE_PPS * PIPE_COST) / VIEWER_PPS));

interface SimNode {
  id: string;
  viewers: number;
  /** Pipes out (origin) or in (edge), in packets/s at pipe cost. */
  pipeOutPps: number;
  pipeInPps: number;
  lastReport: { at: number; consumers: number; routers: number };
  /** Consumers in the report before: FleetDO counts the rise since as joining (joiningConsumers). */
  previousConsumers: number | undefined;
  alive: boolean;
}

const nodes: SimNode[] = Array.from({ length: NODES }, (_, i) => ({
  id: `node-${String(i).padStart(3, '0')}`,
  viewers: 0,
  pipeOutPps: 0,
  pipeInPps: 0,
  lastReport: { at: 0, consumers: 0, routers: 0 },
  previousConsumers: undefined,
  alive: true,
}));
const byId = new Map(nodes.map((n) => [n.id, n]));
const load = (n: SimNode) => (n.viewers * VIEWER_PPS + (n.pipeOutPps + n.pipeInPps) * PIPE_COST) / NODE_BUDGET_PPS;
/** FleetDO's capacity for a node: consumers (2 per viewer) at the node's budget. */
const MAX_CONSUMERS = Math.floor((2 * NODE_BUDGET_PPS) / VIEWER_PPS);

let now = 0;
let origin: SimNode;
const edges: string[] = [];
/** Rooms (this room's origin/edges) placed per node since its last report: FleetDO's unreportedRooms. */
const placedAt = new Map<string, number>();
let refused = 0;
let peakLoad = 0;
let edgePlacementsRefused = 0;

function fleetView(): PlacementNode[] {
  return nodes.map((n) => ({
    nodeId: n.id,
    region: 'eu',
    capacity: { maxConsumers: MAX_CONSUMERS, maxRouters: 500 },
    load: { routers: n.lastReport.routers, consumers: n.lastReport.consumers, state: 'serving' },
    drained: false,
    lastSeen: n.alive ? n.lastReport.at : -1e12,
    connected: n.alive,
    unreportedRooms: (placedAt.get(n.id) ?? -1) >= n.lastReport.at ? 1 : 0,
    joiningConsumers: joiningConsumers(n.previousConsumers, n.lastReport.consumers),
  }));
}

function report(): void {
  for (const n of nodes) {
    if (!n.alive) continue;
    const serves = n === origin || edges.includes(n.id);
    n.previousConsumers = n.lastReport.consumers;
    n.lastReport = { at: now, consumers: n.viewers * 2, routers: serves ? 1 : 0 };
  }
}

/** FleetDO.placeEdge: never a node already serving the room. */
function placeEdge(): SimNode | undefined {
  const placed = placeRoom({ roomId: 'big', nodes: fleetView(), exclude: [origin.id, ...edges], now, staleAfterMs: 15_000 });
  if ('error' in placed) return undefined;
  placedAt.set(placed.nodeId, now);
  return byId.get(placed.nodeId);
}

function seat(n: SimNode): boolean {
  if (load(n) + VIEWER_PPS / NODE_BUDGET_PPS > 1) {
    refused++;
    return false;
  }
  n.viewers++;
  peakLoad = Math.max(peakLoad, load(n));
  return true;
}

function addEdge(edge: SimNode): void {
  edges.push(edge.id);
  edge.pipeInPps += PIPE_PPS;
  origin.pipeOutPps += PIPE_PPS;
}

/** Joins waiting for an edge placement in flight, and when it is ready. */
let pending: { joins: number; readyAt: number; edge: SimNode | undefined; fallback: string | null } | undefined;

function join(): void {
  if (pending) return void pending.joins++;
  const viewers = new Map<string | null, number>([[null, origin.viewers], ...edges.map((id) => [id, byId.get(id)!.viewers] as [string, number])]);
  const choice = chooseViewerNode({ existing: undefined, existingConnected: false, mayPublish: false, viewers, edges, viewersPerNode: VIEWERS_PER_NODE, maxEdges: MAX_EDGES });
  if (!('placeEdge' in choice)) return void seat(choice.nodeId === null ? origin : byId.get(choice.nodeId)!);
  const edge = placeEdge();
  if (!edge) edgePlacementsRefused++;
  pending = { joins: 1, readyAt: now + (edge ? EDGE_READY_MS : 0), edge, fallback: choice.fallback };
}

function settlePending(): void {
  if (!pending || now < pending.readyAt) return;
  const { edge, joins, fallback } = pending;
  pending = undefined;
  if (edge) addEdge(edge);
  // Everyone who waited gets the new edge (as the RoomDO's waiters do), or the fallback.
  const target = edge ?? (fallback === null ? origin : byId.get(fallback)!);
  for (let i = 0; i < joins; i++) seat(target);
}

// ── The run ────────────────────────────────────────────────────────────────────
origin = placeOrigin();
/** FleetDO.placeRoom for the room's first node; the publisher's ingest (every layer once) lands there. */
function placeOrigin(): SimNode {
  const placed = placeRoom({ roomId: 'big', nodes: fleetView(), now, staleAfterMs: 15_000 });
  if ('error' in placed) throw new Error('no node for the origin');
  placedAt.set(placed.nodeId, now);
  const n = byId.get(placed.nodeId)!;
  n.pipeInPps += PIPE_PPS;
  return n;
}

let joined = 0;
let joinCredit = 0;
let nextReport = 0;
const started = performance.now();
while (joined < VIEWERS || pending) {
  if (now >= nextReport) {
    report();
    nextReport = now + REPORT_EVERY_MS;
  }
  joinCredit += (JOINS_PER_S * STEP_MS) / 1000;
  while (joinCredit >= 1 && joined < VIEWERS) {
    joinCredit--;
    joined++;
    join();
  }
  settlePending();
  now += STEP_MS;
}
const seated = origin.viewers + edges.reduce((s, id) => s + byId.get(id)!.viewers, 0);

// ── Kill the fullest edge: its viewers rebuild and are seated by the same rules ────
const victim = edges.map((id) => byId.get(id)!).sort((a, b) => b.viewers - a.viewers)[0];
let kill = {};
if (victim) {
  const moved = victim.viewers;
  const edgesBefore = edges.length;
  const refusedBefore = refused;
  victim.alive = false;
  victim.viewers = 0;
  edges.splice(edges.indexOf(victim.id), 1);
  origin.pipeOutPps -= PIPE_PPS;
  // The viewers rebuild over about a second (measured: decoding again 336-647 ms after a kill).
  const killAt = now;
  for (let i = 0; i < moved || pending; ) {
    if (now >= nextReport) {
      report();
      nextReport = now + REPORT_EVERY_MS;
    }
    const burst = Math.min(moved - i, Math.ceil(moved / 10));
    for (let k = 0; k < burst; k++, i++) join();
    settlePending();
    now += STEP_MS;
  }
  kill = {
    killed_node_viewers: moved,
    new_edges: edges.length - (edgesBefore - 1),
    refused: refused - refusedBefore,
    all_seated_after_ms: now - killAt,
  };
}

const alive = nodes.filter((n) => n.alive);
const serving = alive.filter((n) => n === origin || edges.includes(n.id));
const result = {
  viewers: VIEWERS,
  seated_viewers: seated,
  edge_nodes: edges.length,
  nodes_used: serving.length,
  cores_per_node: CORES,
  viewers_per_node: VIEWERS_PER_NODE,
  /** The node setting that lets one room use all cores for that many viewers (audio + video each). */
  consumers_per_worker: Math.ceil((2 * VIEWERS_PER_NODE) / CORES),
  peak_node_load: Math.round(peakLoad * 1000) / 1000,
  nodes_over_90pct: serving.filter((n) => load(n) > 0.9 + 1e-9).length,
  pipes_per_edge: 1,
  origin_pipes_out: edges.length,
  inter_node_mbps: Math.round((edges.length * PIPE_BPS) / 1e5) / 10,
  refused_joins: refused,
  edge_placements_refused: edgePlacementsRefused,
  join_minutes: Math.round((VIEWERS / JOINS_PER_S / 60) * 10) / 10,
  added_hops: 1,
  kill,
  sim_ms: Math.round(performance.now() - started),
};
console.log(`node budget ${Math.round(NODE_BUDGET_PPS)} packets/s (${CORES} cores at ${WEBRTC_US} us/packet); a viewer costs ${VIEWER_PPS.toFixed(1)} packets/s; a pipe ${PIPE_PPS.toFixed(1)} packets/s (${(PIPE_BPS / 1e6).toFixed(2)} Mbit/s) at ${PIPE_US} us/packet`);
console.log(`${seated} of ${VIEWERS} viewers seated on ${serving.length} nodes (origin + ${edges.length} edges), peak node load ${(peakLoad * 100).toFixed(1)} %, ${refused} joins refused`);
console.log(JSON.stringify(result));
