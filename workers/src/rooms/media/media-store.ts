// The room's media bookkeeping in the RoomDO's SQLite: which node hosts the room and what state
// media is in, and every transport, producer and consumer the node holds for this room with the
// participant who owns it. The node owns the media objects; this table is the room's map of them,
// used to check ownership and to announce producers. Cleared whenever the node is lost.
import type { MediaKind, MediaProducer, MediaSource, MediaState } from '@roomcast/schema/protocol';

export interface MediaObjectRow {
  id: string;
  kind: 'transport' | 'producer' | 'consumer';
  identity: string;
  transport_id: string | null;
  producer_id: string | null;
  media_kind: MediaKind | null;
  source: MediaSource | null;
  direction: 'send' | 'recv' | null;
  paused: number;
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
      CREATE TABLE IF NOT EXISTS media_node_credentials (
        jti TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
    `);
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

  /** The node is gone: forget it and everything it held. */
  clearNode(): void {
    this.sql.exec(`UPDATE media_node SET node_id = NULL, rtp_capabilities = NULL WHERE id = 1`);
    this.sql.exec(`DELETE FROM media_objects`);
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

  addTransport(id: string, identity: string, direction: 'send' | 'recv'): void {
    this.sql.exec(`INSERT OR REPLACE INTO media_objects (id, kind, identity, direction) VALUES (?, 'transport', ?, ?)`, id, identity, direction);
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

  addConsumer(id: string, identity: string, transportId: string, producerId: string, kind: MediaKind): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO media_objects (id, kind, identity, transport_id, producer_id, media_kind) VALUES (?, 'consumer', ?, ?, ?, ?)`,
      id,
      identity,
      transportId,
      producerId,
      kind,
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
