// Operator metrics in the Prometheus text format (GET /api/v1/admin/metrics, ADMIN_TOKEN), from
// state the Worker already keeps: FleetDO's nodes, their last load reports and the rooms placed
// on them, and each live room's RoomDO presence (participants and viewers, counted by role).
// Labels are bounded: node id and region (the fleet's own size), state. No room, tenant or user
// id is ever a label; per-room figures are summed.
// Plain data in, text out: no Workers types, so Node-side tests (promtool) import it as well.

/** What FleetDO's listNodes() says of a node (the fields read here). */
export interface NodeFigures {
  nodeId: string;
  region: string;
  capacity: { maxConsumers: number; maxRouters: number };
  load: { routers: number; transports: number; producers: number; consumers: number; cpu: number; bitrateKbps: number; state: 'serving' | 'draining' } | null;
  drained: boolean;
  connected: boolean;
  healthy: boolean;
  lastSeen: string;
  rooms: number;
}

/** The rooms placed on media nodes (live rooms with media): the total, and the oldest few of them. */
export interface LiveRooms {
  total: number;
  rooms: { roomId: string; nodeId: string; assignedAt: number }[];
}

/** RoomDOs asked per scrape; past this the participant figures cover the oldest rooms only (see *_rooms_sampled). */
export const MAX_ROOMS_SAMPLED = 200;

export interface RoomStats {
  participants: number;
  viewers: number;
}

type Labels = Record<string, string>;
interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: { labels?: Labels; value: number }[];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export function formatFamilies(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = s.labels && Object.keys(s.labels).length > 0 ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      out.push(`${f.name}${labels} ${Number.isFinite(s.value) ? s.value : 0}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export function operatorMetrics(input: { nodes: NodeFigures[]; live: LiveRooms; roomStats: (RoomStats | undefined)[]; now: number }): string {
  const { nodes, live, roomStats, now } = input;
  const state = (n: NodeFigures) => (!n.connected ? 'disconnected' : !n.healthy ? 'stale' : n.drained || n.load?.state === 'draining' ? 'draining' : 'serving');
  const byState = new Map<string, number>([['serving', 0], ['draining', 0], ['stale', 0], ['disconnected', 0]]);
  for (const n of nodes) byState.set(state(n), (byState.get(state(n)) ?? 0) + 1);
  const node = (n: NodeFigures) => ({ node: n.nodeId, region: n.region });
  const answered = roomStats.filter((s): s is RoomStats => s !== undefined);
  const sum = (f: (s: RoomStats) => number) => answered.reduce((a, s) => a + f(s), 0);
  const ages = live.rooms.map((r) => Math.max(0, (now - r.assignedAt) / 1000));
  const families: Family[] = [
    { name: 'roomcast_rooms_live', help: 'Rooms live with media (placed on a media node)', type: 'gauge', samples: [{ value: live.total }] },
    { name: 'roomcast_rooms_sampled', help: 'Live rooms whose RoomDO answered this scrape (participant figures cover these)', type: 'gauge', samples: [{ value: answered.length }] },
    { name: 'roomcast_participants', help: 'Participants present in live rooms (every role, resume windows included)', type: 'gauge', samples: [{ value: sum((s) => s.participants) }] },
    { name: 'roomcast_viewers', help: 'Viewers present in live rooms', type: 'gauge', samples: [{ value: sum((s) => s.viewers) }] },
    {
      name: 'roomcast_room_media_seconds',
      help: 'Sum over the live rooms (oldest 200) of the seconds each has had media on its current node',
      type: 'gauge',
      samples: [{ value: Math.round(ages.reduce((a, b) => a + b, 0)) }],
    },
    { name: 'roomcast_fleet_nodes', help: 'Media nodes known to FleetDO, by state', type: 'gauge', samples: [...byState].map(([s, value]) => ({ labels: { state: s }, value })) },
    { name: 'roomcast_fleet_node_up', help: '1 while the node is connected and reporting', type: 'gauge', samples: nodes.map((n) => ({ labels: node(n), value: n.healthy ? 1 : 0 })) },
    { name: 'roomcast_fleet_node_draining', help: '1 while the node is drained by the operator or draining itself', type: 'gauge', samples: nodes.map((n) => ({ labels: node(n), value: state(n) === 'draining' ? 1 : 0 })) },
    { name: 'roomcast_fleet_node_rooms', help: 'Rooms FleetDO placed on the node', type: 'gauge', samples: nodes.map((n) => ({ labels: node(n), value: n.rooms })) },
    {
      name: 'roomcast_fleet_node_utilization',
      help: 'Share of the node in use by its last load report (0..1): the fuller of consumers and routers against capacity',
      type: 'gauge',
      samples: nodes.map((n) => ({
        labels: node(n),
        value: Math.max(n.capacity.maxConsumers > 0 ? (n.load?.consumers ?? 0) / n.capacity.maxConsumers : 0, n.capacity.maxRouters > 0 ? (n.load?.routers ?? 0) / n.capacity.maxRouters : 0),
      })),
    },
    { name: 'roomcast_fleet_node_consumers', help: 'Consumers (viewer subscriptions) on the node by its last load report', type: 'gauge', samples: nodes.map((n) => ({ labels: node(n), value: n.load?.consumers ?? 0 })) },
    { name: 'roomcast_fleet_node_producers', help: 'Producers (published tracks) on the node by its last load report', type: 'gauge', samples: nodes.map((n) => ({ labels: node(n), value: n.load?.producers ?? 0 })) },
    { name: 'roomcast_fleet_node_cpu_ratio', help: 'Share of all cores the node used (0..1) by its last load report', type: 'gauge', samples: nodes.map((n) => ({ labels: node(n), value: n.load?.cpu ?? 0 })) },
    { name: 'roomcast_fleet_node_bitrate_bps', help: 'Media bitrate through the node (in + out) by its last load report', type: 'gauge', samples: nodes.map((n) => ({ labels: node(n), value: (n.load?.bitrateKbps ?? 0) * 1000 })) },
    {
      name: 'roomcast_fleet_node_last_seen_seconds',
      help: 'Seconds since the node last reported',
      type: 'gauge',
      samples: nodes.map((n) => ({ labels: node(n), value: Math.max(0, Math.round((now - Date.parse(n.lastSeen)) / 1000)) })),
    },
  ];
  return formatFamilies(families);
}
