// FleetDO's SQLite: the nodes it knows (registration, last load, operator drain, liveness), which
// node hosts which room (its origin: publishers and the first viewers) and which nodes serve a
// room as edges (viewers past the origin's share, fed by pipes). One owner: only FleetDO writes here.
import type { NodeLoad, NodeRegister } from '@roomcast/schema/protocol';
import { joiningConsumers, type PlacementNode } from './placement.ts';

export interface NodeRow {
  node_id: string;
  region: string;
  announced_address: string;
  engine: string;
  workers: number;
  max_consumers: number;
  max_routers: number;
  load: string | null;
  drained: number;
  connected: number;
  last_seen: number;
  registered_at: number;
  /** Consumers the node is expected to add before its next report (placement.ts joiningConsumers). */
  joining_consumers: number;
}

/** What the admin API shows for a node. */
export interface NodeView {
  nodeId: string;
  region: string;
  announcedAddress: string;
  engine: string;
  workers: number;
  capacity: { maxConsumers: number; maxRouters: number };
  load: NodeLoad | null;
  drained: boolean;
  connected: boolean;
  healthy: boolean;
  lastSeen: string;
  rooms: number;
}

export class NodeStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS nodes (
        node_id TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        announced_address TEXT NOT NULL,
        engine TEXT NOT NULL,
        workers INTEGER NOT NULL,
        max_consumers INTEGER NOT NULL,
        max_routers INTEGER NOT NULL,
        load TEXT,
        drained INTEGER NOT NULL DEFAULT 0,
        connected INTEGER NOT NULL DEFAULT 0,
        last_seen INTEGER NOT NULL,
        registered_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS rooms (
        room_id TEXT PRIMARY KEY,
        node_id TEXT NOT NULL,
        region TEXT,
        assigned_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS rooms_by_node ON rooms (node_id);
      CREATE TABLE IF NOT EXISTS room_edges (
        room_id TEXT NOT NULL,
        node_id TEXT NOT NULL,
        assigned_at INTEGER NOT NULL,
        PRIMARY KEY (room_id, node_id)
      );
      CREATE INDEX IF NOT EXISTS room_edges_by_node ON room_edges (node_id);
    `);
    // Added after the first fleets were stored: objects created before have the table without it.
    const columns = sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('nodes')`).toArray().map((c) => c.name);
    if (!columns.includes('joining_consumers')) sql.exec(`ALTER TABLE nodes ADD COLUMN joining_consumers INTEGER NOT NULL DEFAULT 0`);
  }

  register(reg: NodeRegister, now: number): void {
    // `drained` survives a re-register: an operator's drain outlasts the node's reconnects.
    this.sql.exec(
      `INSERT INTO nodes (node_id, region, announced_address, engine, workers, max_consumers, max_routers, load, drained, connected, last_seen, registered_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 0, 1, ?, ?)
       ON CONFLICT (node_id) DO UPDATE SET region = excluded.region, announced_address = excluded.announced_address,
         engine = excluded.engine, workers = excluded.workers, max_consumers = excluded.max_consumers,
         max_routers = excluded.max_routers, load = NULL, connected = 1, last_seen = excluded.last_seen,
         registered_at = excluded.registered_at`,
      reg.nodeId,
      reg.region,
      reg.announcedAddress,
      reg.engine,
      reg.workers,
      reg.capacity.maxConsumers,
      reg.capacity.maxRouters,
      now,
      now,
    );
  }

  /**
   * The rooms a (re)registering node says it hosts that the fleet did not give it (never assigned,
   * released, or moved to another node meanwhile): it must let go of them. Its own assignments
   * outlive its reconnects in the rooms table, so nothing it legitimately hosts is listed here.
   * Claims are never written: a node naming a room it was not given (a buggy or hostile one)
   * would otherwise become that room's sticky node and be sent its room-node credential.
   */
  foreignRooms(nodeId: string, claimed: readonly string[]): string[] {
    return claimed.filter((roomId) => this.roomNode(roomId) !== nodeId && !this.roomEdges(roomId).includes(nodeId));
  }

  reportLoad(nodeId: string, load: NodeLoad, now: number): void {
    const before = this.get(nodeId)?.load;
    const joining = joiningConsumers(before ? (JSON.parse(before) as NodeLoad).consumers : undefined, load.consumers);
    this.sql.exec(`UPDATE nodes SET load = ?, last_seen = ?, joining_consumers = ? WHERE node_id = ?`, JSON.stringify(load), now, joining, nodeId);
  }

  setConnected(nodeId: string, connected: boolean): void {
    this.sql.exec(`UPDATE nodes SET connected = ? WHERE node_id = ?`, connected ? 1 : 0, nodeId);
  }

  /** Returns false when there is no such node. */
  setDrained(nodeId: string, drained: boolean): boolean {
    return this.sql.exec(`UPDATE nodes SET drained = ? WHERE node_id = ?`, drained ? 1 : 0, nodeId).rowsWritten > 0;
  }

  get(nodeId: string): NodeRow | undefined {
    return this.sql.exec<NodeRow & Record<string, SqlStorageValue>>(`SELECT * FROM nodes WHERE node_id = ?`, nodeId).toArray()[0];
  }

  all(): NodeRow[] {
    return this.sql.exec<NodeRow & Record<string, SqlStorageValue>>(`SELECT * FROM nodes ORDER BY node_id`).toArray();
  }

  /** Forgets nodes not heard from since `before` (and their room assignments). */
  forgetSilentSince(before: number): void {
    this.sql.exec(`DELETE FROM rooms WHERE node_id IN (SELECT node_id FROM nodes WHERE last_seen < ?)`, before);
    this.sql.exec(`DELETE FROM room_edges WHERE node_id IN (SELECT node_id FROM nodes WHERE last_seen < ?)`, before);
    this.sql.exec(`DELETE FROM nodes WHERE last_seen < ?`, before);
  }

  roomNode(roomId: string): string | undefined {
    return this.sql.exec<{ node_id: string }>(`SELECT node_id FROM rooms WHERE room_id = ?`, roomId).toArray()[0]?.node_id;
  }

  assignRoom(roomId: string, nodeId: string, region: string | undefined, now: number): void {
    this.sql.exec(
      `INSERT INTO rooms (room_id, node_id, region, assigned_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET node_id = excluded.node_id, region = excluded.region, assigned_at = excluded.assigned_at`,
      roomId,
      nodeId,
      region ?? null,
      now,
    );
  }

  /** Removes the origin assignment (only when it is still `nodeId`'s, if given); returns the node it was on. */
  releaseRoom(roomId: string, nodeId?: string): string | undefined {
    const current = this.roomNode(roomId);
    if (!current || (nodeId !== undefined && current !== nodeId)) return undefined;
    this.sql.exec(`DELETE FROM rooms WHERE room_id = ?`, roomId);
    return current;
  }

  /** The nodes serving the room as edges. */
  roomEdges(roomId: string): string[] {
    return this.sql.exec<{ node_id: string }>(`SELECT node_id FROM room_edges WHERE room_id = ? ORDER BY assigned_at`, roomId).toArray().map((r) => r.node_id);
  }

  assignEdge(roomId: string, nodeId: string, now: number): void {
    this.sql.exec(`INSERT OR REPLACE INTO room_edges (room_id, node_id, assigned_at) VALUES (?, ?, ?)`, roomId, nodeId, now);
  }

  /** Returns whether the node was one of the room's edges. */
  releaseEdge(roomId: string, nodeId: string): boolean {
    return this.sql.exec(`DELETE FROM room_edges WHERE room_id = ? AND node_id = ?`, roomId, nodeId).rowsWritten > 0;
  }

  /** Every room placed on a node, oldest first (the operator metrics read it). */
  rooms(limit: number): { room_id: string; node_id: string; assigned_at: number }[] {
    return this.sql
      .exec<{ room_id: string; node_id: string; assigned_at: number }>(`SELECT room_id, node_id, assigned_at FROM rooms ORDER BY assigned_at LIMIT ?`, limit)
      .toArray();
  }

  roomTotal(): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM rooms`).one().n;
  }

  /** Rooms each node serves, as origin or edge. */
  roomCounts(): Map<string, number> {
    const rows = this.sql
      .exec<{ node_id: string; n: number }>(`SELECT node_id, count(*) AS n FROM (SELECT node_id FROM rooms UNION ALL SELECT node_id FROM room_edges) GROUP BY node_id`)
      .toArray();
    return new Map(rows.map((r) => [r.node_id, r.n]));
  }

  /**
   * Rooms (origin or edge) given to each node after its last load report: its report does not
   * show them yet, so placement counts them itself (a burst of placements must not all land on
   * the node that looked emptiest a few seconds ago).
   */
  unreportedAssignments(): Map<string, number> {
    const rows = this.sql
      .exec<{ node_id: string; n: number }>(
        `SELECT a.node_id, count(*) AS n FROM (SELECT node_id, assigned_at FROM rooms UNION ALL SELECT node_id, assigned_at FROM room_edges) a
         JOIN nodes ON nodes.node_id = a.node_id WHERE a.assigned_at >= nodes.last_seen GROUP BY a.node_id`,
      )
      .toArray();
    return new Map(rows.map((r) => [r.node_id, r.n]));
  }

  static toPlacement(row: NodeRow, unreportedRooms = 0): PlacementNode {
    return {
      unreportedRooms,
      joiningConsumers: row.joining_consumers,
      nodeId: row.node_id,
      region: row.region,
      capacity: { maxConsumers: row.max_consumers, maxRouters: row.max_routers },
      load: row.load ? (JSON.parse(row.load) as NodeLoad) : undefined,
      drained: row.drained === 1,
      lastSeen: row.last_seen,
      connected: row.connected === 1,
    };
  }
}
