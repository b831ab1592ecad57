// The room's media bookkeeping in the RoomDO's SQLite: which node is the room's origin and what
// state media is in; every transport, producer and consumer the nodes hold for this room with the
// participant who owns it and the node it lives on (NULL: the origin); and which producers are
// piped to which edge node. The nodes own the media objects; these tables are the room's map of
// them, used to check ownership, route requests and announce producers. An edge's rows go when
// the edge is lost; everything goes when the origin is.
import type { MediaKind, MediaProducer, MediaSource, MediaState } from '@roomcast/schema/protocol';

export interface MediaObjectRow {
  id: string;
  kind: 'transport' | 'producer' | 'consumer';
  identity: string;
  /** The edge node it lives on; null on the origin. */
  node_id: string | null;
  transport_id: string | null;
  producer_id: string | null;
  media_kind: MediaKind | null;
  source: MediaSource | null;
  direction: 'send' | 'recv' | null;
  paused: number;
}

/** The pipe transport pair between the origin and one edge: every producer piped there crosses it. */
export interface PipeLinkRow {
  edge_node_id: string;
  origin_pipe_id: string;
  edge_pipe_id: string;
}

interface NodeStateRow {
  node_id: string | null;
  state: MediaState;
  error: string | null;
  rtp_capabilities: string | null;
}

type Row<T> = T & Record<string, SqlStorageValue>;

export class MediaStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS media_node (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        node_id TEXT,
        state TEXT NOT NULL,
        error TEXT,
        rtp_capabilities TEXT
      );
      INSERT OR IGNORE INTO media_node (id, node_id, state) VALUES (1, NULL, 'unavailable');
      CREATE TABLE IF NOT EXISTS media_objects (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        identity TEXT NOT NULL,
        transport_id TEXT,
        producer_id TEXT,
        media_kind TEXT,
        source TEXT,
        direction TEXT,
        paused INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS media_objects_by_identity ON media_objects (identity);
      CREATE TABLE IF NOT EXISTS media_pipe_links (
        edge_node_id TEXT PRIMARY KEY,
        origin_pipe_id TEXT NOT NULL,
        edge_pipe_id TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS media_piped_producers (
        edge_node_id TEXT NOT NULL,
        producer_id TEXT NOT NULL,
        origin_consumer_id TEXT NOT NULL,
        PRIMARY KEY (edge_node_id, producer_id)
      );
      CREATE TABLE IF NOT EXISTS media_node_credentials (
        jti TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
    `);
    // Rooms created before edges existed lack the column; their rows all live on the origin.
    try {
      sql.exec(`ALTER TABLE media_objects ADD COLUMN node_id TEXT`);
    } catch {
      // Already there.
    }
  }

  get node(): NodeStateRow {
    return this.sql.exec<Row<NodeStateRow>>(`SELECT node_id, state, error, rtp_capabilities FROM media_node WHERE id = 1`).one();
  }

  setState(state: MediaState, error: string | null = null): void {
    this.sql.exec(`UPDATE media_node SET state = ?, error = ? WHERE id = 1`, state, error);
  }

  setReady(nodeId: string, rtpCapabilities: unknown): void {
    this.sql.exec(`UPDATE media_node SET node_id = ?, state = 'ready', error = NULL, rtp_capabilities = ? WHERE id = 1`, nodeId, JSON.stringify(rtpCapabilities));
  }

  /** The origin is gone: forget it and everything every node held (edges are fed by it). */
  clearNode(): void {
    this.sql.exec(`UPDATE media_node SET node_id = NULL, rtp_capabilities = NULL WHERE id = 1`);
    this.sql.exec(`DELETE FROM media_objects`);
    this.sql.exec(`DELETE FROM media_pipe_links`);
    this.sql.exec(`DELETE FROM media_piped_producers`);
  }

  /** An edge is gone: forget what lived on it; returns the identities that had objects there. */
  clearEdge(nodeId: string): { identities: string[]; pipeLink: PipeLinkRow | undefined } {
    const identities = this.sql.exec<{ identity: string }>(`SELECT DISTINCT identity FROM media_objects WHERE node_id = ?`, nodeId).toArray().map((r) => r.identity);
    const pipeLink = this.pipeLink(nodeId);
    this.sql.exec(`DELETE FROM media_objects WHERE node_id = ?`, nodeId);
    this.sql.exec(`DELETE FROM media_pipe_links WHERE edge_node_id = ?`, nodeId);
    this.sql.exec(`DELETE FROM media_piped_producers WHERE edge_node_id = ?`, nodeId);
    return { identities, pipeLink };
  }

  /** Participants with a receive transport, per node (null: the origin). */
  viewersPerNode(): Map<string | null, number> {
    const rows = this.sql
      .exec<{ node_id: string | null; n: number }>(`SELECT node_id, count(DISTINCT identity) AS n FROM media_objects WHERE kind = 'transport' AND direction = 'recv' GROUP BY node_id`)
      .toArray();
    return new Map(rows.map((r) => [r.node_id, r.n]));
  }

  /** The node of the participant's receive transports, if they have one (undefined: none yet). */
  viewerNode(identity: string): string | null | undefined {
    const row = this.sql.exec<{ node_id: string | null }>(`SELECT node_id FROM media_objects WHERE kind = 'transport' AND direction = 'recv' AND identity = ? LIMIT 1`, identity).toArray()[0];
    return row ? row.node_id : undefined;
  }

  pipeLink(edgeNodeId: string): PipeLinkRow | undefined {
    return this.sql.exec<Row<PipeLinkRow>>(`SELECT * FROM media_pipe_links WHERE edge_node_id = ?`, edgeNodeId).toArray()[0];
  }

  addPipeLink(link: PipeLinkRow): void {
    this.sql.exec(`INSERT OR REPLACE INTO media_pipe_links (edge_node_id, origin_pipe_id, edge_pipe_id) VALUES (?, ?, ?)`, link.edge_node_id, link.origin_pipe_id, link.edge_pipe_id);
  }

  /** A pipe transport closed on either side: the link and what crossed it are gone. */
  dropPipeLinkByPipe(pipeId: string): PipeLinkRow | undefined {
    const link = this.sql.exec<Row<PipeLinkRow>>(`SELECT * FROM media_pipe_links WHERE origin_pipe_id = ? OR edge_pipe_id = ?`, pipeId, pipeId).toArray()[0];
    if (!link) return undefined;
    this.sql.exec(`DELETE FROM media_pipe_links WHERE edge_node_id = ?`, link.edge_node_id);
    this.sql.exec(`DELETE FROM media_piped_producers WHERE edge_node_id = ?`, link.edge_node_id);
    return link;
  }

  isPiped(edgeNodeId: string, producerId: string): boolean {
    return this.sql.exec(`SELECT 1 FROM media_piped_producers WHERE edge_node_id = ? AND producer_id = ?`, edgeNodeId, producerId).toArray().length > 0;
  }

  addPipedProducer(edgeNodeId: string, producerId: string, originConsumerId: string): void {
    this.sql.exec(`INSERT OR REPLACE INTO media_piped_producers (edge_node_id, producer_id, origin_consumer_id) VALUES (?, ?, ?)`, edgeNodeId, producerId, originConsumerId);
  }

  /** The edges a producer is piped to. */
  edgesOf(producerId: string): string[] {
    return this.sql.exec<{ edge_node_id: string }>(`SELECT edge_node_id FROM media_piped_producers WHERE producer_id = ?`, producerId).toArray().map((r) => r.edge_node_id);
  }

  /** The producer's pipe to that edge went (closed on either side): the next consumer there pipes it again. */
  dropPipedProducer(edgeNodeId: string, producerId: string): void {
    this.sql.exec(`DELETE FROM media_piped_producers WHERE edge_node_id = ? AND producer_id = ?`, edgeNodeId, producerId);
  }

  /** The origin's pipe consumer for a piped producer went: forget that piping; returns it if it was one. */
  dropPipedByOriginConsumer(originConsumerId: string): { edge_node_id: string; producer_id: string } | undefined {
    const row = this.sql
      .exec<{ edge_node_id: string; producer_id: string }>(`SELECT edge_node_id, producer_id FROM media_piped_producers WHERE origin_consumer_id = ?`, originConsumerId)
      .toArray()[0];
    if (row) this.sql.exec(`DELETE FROM media_piped_producers WHERE origin_consumer_id = ?`, originConsumerId);
    return row;
  }

  hasObjects(): boolean {
    return this.sql.exec(`SELECT 1 FROM media_objects LIMIT 1`).toArray().length > 0;
  }

  /**
   * Records a room-node credential as used; false when it was used before. Rows are kept until
   * the credential expires (after that the signature check refuses it anyway).
   */
  useCredential(jti: string, expiresAt: number, now: number): boolean {
    this.sql.exec(`DELETE FROM media_node_credentials WHERE expires_at < ?`, now);
    return this.sql.exec(`INSERT INTO media_node_credentials (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING`, jti, expiresAt).rowsWritten > 0;
  }

  get(id: string): MediaObjectRow | undefined {
    return this.sql.exec<Row<MediaObjectRow>>(`SELECT * FROM media_objects WHERE id = ?`, id).toArray()[0];
  }

  /** The object if it exists, is of `kind` and belongs to `identity`. */
  owned(kind: MediaObjectRow['kind'], id: string, identity: string): MediaObjectRow | undefined {
    const row = this.get(id);
    return row && row.kind === kind && row.identity === identity ? row : undefined;
  }

  /** How many objects of `kind` the participant holds (the relay's per-participant ceilings). */
  countOwned(kind: MediaObjectRow['kind'], identity: string): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM media_objects WHERE kind = ? AND identity = ?`, kind, identity).one().n;
  }

  addTransport(id: string, identity: string, direction: 'send' | 'recv', nodeId: string | null): void {
    this.sql.exec(`INSERT OR REPLACE INTO media_objects (id, kind, identity, direction, node_id) VALUES (?, 'transport', ?, ?, ?)`, id, identity, direction, nodeId);
  }

  addProducer(id: string, identity: string, transportId: string, kind: MediaKind, source: MediaSource, paused: boolean): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO media_objects (id, kind, identity, transport_id, media_kind, source, paused) VALUES (?, 'producer', ?, ?, ?, ?, ?)`,
      id,
      identity,
      transportId,
      kind,
      source,
      paused ? 1 : 0,
    );
  }

  addConsumer(id: string, identity: string, transportId: string, producerId: string, kind: MediaKind, nodeId: string | null): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO media_objects (id, kind, identity, transport_id, producer_id, media_kind, node_id) VALUES (?, 'consumer', ?, ?, ?, ?, ?)`,
      id,
      identity,
      transportId,
      producerId,
      kind,
      nodeId,
    );
  }

  setPaused(id: string, paused: boolean): void {
    this.sql.exec(`UPDATE media_objects SET paused = ? WHERE id = ?`, paused ? 1 : 0, id);
  }

  /** Deletes one object; returns it if it existed. */
  remove(id: string): MediaObjectRow | undefined {
    const row = this.get(id);
    if (row) this.sql.exec(`DELETE FROM media_objects WHERE id = ?`, id);
    return row;
  }

  /** Objects living on a transport (its producers and consumers). */
  onTransport(transportId: string): MediaObjectRow[] {
    return this.sql.exec<Row<MediaObjectRow>>(`SELECT * FROM media_objects WHERE transport_id = ?`, transportId).toArray();
  }

  consumersOf(producerId: string): MediaObjectRow[] {
    return this.sql.exec<Row<MediaObjectRow>>(`SELECT * FROM media_objects WHERE kind = 'consumer' AND producer_id = ?`, producerId).toArray();
  }

  transportsOf(identity: string): MediaObjectRow[] {
    return this.sql.exec<Row<MediaObjectRow>>(`SELECT * FROM media_objects WHERE kind = 'transport' AND identity = ?`, identity).toArray();
  }

  producers(): MediaProducer[] {
    return this.sql
      .exec<Row<MediaObjectRow>>(`SELECT * FROM media_objects WHERE kind = 'producer' ORDER BY rowid`)
      .toArray()
      .map(toProducer);
  }
}

export function toProducer(row: MediaObjectRow): MediaProducer {
  return { producerId: row.id, identity: row.identity, kind: row.media_kind ?? 'video', source: row.source ?? 'camera', paused: row.paused === 1 };
}
