// The host's trading alerts and announcements, in the object's SQLite. Pinned ones are part of
// every welcome.
import type { Alert } from '@roomcast/schema/protocol';

interface Row extends Record<string, SqlStorageValue> {
  id: number;
  kind: string;
  text: string;
  symbol: string | null;
  price: number | null;
  pinned: number;
  identity: string;
  name: string;
  posted_at: number;
}

/** Pinned alerts shown in a welcome; older pins stay pinned but fall out of the list. */
const MAX_PINNED_IN_WELCOME = 20;

const toAlert = (r: Row): Alert => ({
  id: r.id,
  kind: r.kind as Alert['kind'],
  text: r.text,
  symbol: r.symbol,
  price: r.price,
  pinned: r.pinned === 1,
  author: { identity: r.identity, name: r.name },
  postedAt: new Date(r.posted_at).toISOString(),
});

export class AlertStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS alerts (
      id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, text TEXT NOT NULL, symbol TEXT, price REAL,
      pinned INTEGER NOT NULL DEFAULT 0, identity TEXT NOT NULL, name TEXT NOT NULL, posted_at INTEGER NOT NULL)`);
  }

  add(
    author: { identity: string; name: string },
    alert: { kind: Alert['kind']; text: string; symbol?: string | undefined; price?: number | undefined; pin: boolean },
    at: number,
  ): Alert {
    const row = this.sql
      .exec<Row>(
        `INSERT INTO alerts (kind, text, symbol, price, pinned, identity, name, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        alert.kind,
        alert.text,
        alert.symbol ?? null,
        alert.price ?? null,
        alert.pin ? 1 : 0,
        author.identity,
        author.name,
        at,
      )
      .one();
    return toAlert(row);
  }

  /** Sets the pin; returns the alert and whether it changed, or undefined when there is no such alert. */
  setPinned(id: number, pinned: boolean): { alert: Alert; changed: boolean } | undefined {
    const [before] = this.sql.exec<Row>(`SELECT * FROM alerts WHERE id = ?`, id).toArray();
    if (!before) return undefined;
    if (before.pinned === (pinned ? 1 : 0)) return { alert: toAlert(before), changed: false };
    const row = this.sql.exec<Row>(`UPDATE alerts SET pinned = ? WHERE id = ? RETURNING *`, pinned ? 1 : 0, id).one();
    return { alert: toAlert(row), changed: true };
  }

  get(id: number): Alert | undefined {
    const [row] = this.sql.exec<Row>(`SELECT * FROM alerts WHERE id = ?`, id).toArray();
    return row ? toAlert(row) : undefined;
  }

  pinned(): Alert[] {
    return this.sql
      .exec<Row>(`SELECT * FROM alerts WHERE pinned = 1 ORDER BY id DESC LIMIT ?`, MAX_PINNED_IN_WELCOME)
      .toArray()
      .reverse()
      .map(toAlert);
  }
}
