// Encoder sessions (WHIP today) publishing into this room, in the RoomDO's SQLite so hibernation
// loses none: the session id (the secret part of its WHIP session URL), the identity its
// producers carry, its send transport on the origin, and the mids it answered (for ICE restarts).
export interface IngestSessionRow {
  id: string;
  identity: string;
  transport_id: string;
  mids: string;
  /** The encoder's current ICE ufrag: a PATCH naming another one is an ICE restart. */
  client_ufrag: string;
  /** The session's ETag (our ICE ufrag, quoted); it changes with every ICE restart. */
  etag: string;
  created_at: number;
}

type Row<T> = T & Record<string, SqlStorageValue>;

export class IngestSessions {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS ingest_sessions (
      id TEXT PRIMARY KEY, identity TEXT NOT NULL, transport_id TEXT NOT NULL, mids TEXT NOT NULL,
      client_ufrag TEXT NOT NULL, etag TEXT NOT NULL, created_at INTEGER NOT NULL)`);
  }

  add(row: IngestSessionRow): void {
    this.sql.exec(
      `INSERT INTO ingest_sessions (id, identity, transport_id, mids, client_ufrag, etag, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      row.id,
      row.identity,
      row.transport_id,
      row.mids,
      row.client_ufrag,
      row.etag,
      row.created_at,
    );
  }

  restarted(id: string, clientUfrag: string, etag: string): void {
    this.sql.exec(`UPDATE ingest_sessions SET client_ufrag = ?, etag = ? WHERE id = ?`, clientUfrag, etag, id);
  }

  get(id: string): IngestSessionRow | undefined {
    return this.sql.exec<Row<IngestSessionRow>>(`SELECT * FROM ingest_sessions WHERE id = ?`, id).toArray()[0];
  }

  byTransport(transportId: string): IngestSessionRow | undefined {
    return this.sql.exec<Row<IngestSessionRow>>(`SELECT * FROM ingest_sessions WHERE transport_id = ?`, transportId).toArray()[0];
  }

  all(): IngestSessionRow[] {
    return this.sql.exec<Row<IngestSessionRow>>(`SELECT * FROM ingest_sessions`).toArray();
  }

  remove(id: string): void {
    this.sql.exec(`DELETE FROM ingest_sessions WHERE id = ?`, id);
  }

  count(): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ingest_sessions`).one().n;
  }
}
