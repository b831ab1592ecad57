// Anonymous guests by client: the fingerprints (client-fingerprint.ts) each guest joined with (the
// one signed into their token and the one of the socket's address), in the object's SQLite for
// the session. A guest ban also bans those fingerprints, so a new guest identity from the same
// client is refused; and one client may hold only a few guest seats in a room.

/** Guests from one client present in one room at once (a household or an office behind one NAT). */
export const MAX_GUESTS_PER_CLIENT = 10;

export class GuestClients {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS guest_clients (identity TEXT NOT NULL, fp TEXT NOT NULL, PRIMARY KEY (identity, fp))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS banned_clients (fp TEXT PRIMARY KEY)`);
  }

  isBanned(fps: string[]): boolean {
    return fps.some((fp) => this.sql.exec(`SELECT 1 FROM banned_clients WHERE fp = ?`, fp).toArray().length > 0);
  }

  /** Guests present (the participants table) that joined from any of these clients. */
  presentFrom(fps: string[]): number {
    if (fps.length === 0) return 0;
    return this.sql
      .exec<{ n: number }>(
        `SELECT count(DISTINCT g.identity) AS n FROM guest_clients g JOIN participants p ON p.identity = g.identity
         WHERE g.fp IN (${fps.map(() => '?').join(', ')})`,
        ...fps,
      )
      .one().n;
  }

  record(identity: string, fps: string[]): void {
    for (const fp of fps) this.sql.exec(`INSERT OR IGNORE INTO guest_clients (identity, fp) VALUES (?, ?)`, identity, fp);
  }

  /** Bans every client the identity joined from this session. */
  banClientsOf(identity: string): void {
    this.sql.exec(`INSERT OR IGNORE INTO banned_clients (fp) SELECT fp FROM guest_clients WHERE identity = ?`, identity);
  }

  /** A new session starts without them, as it starts without bans. */
  reset(): void {
    this.sql.exec(`DELETE FROM guest_clients`);
    this.sql.exec(`DELETE FROM banned_clients`);
  }
}
