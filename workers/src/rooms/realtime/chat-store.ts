// Chat history in the object's SQLite, newest `historyLimit` messages kept. The message id is the
// pagination cursor: a page holds the messages with ids below `before`.
import type { RoomRole } from '@roomcast/schema';
import type { ChatFile, ChatMessage } from '@roomcast/schema/protocol';

interface Row extends Record<string, SqlStorageValue> {
  id: number;
  identity: string;
  name: string;
  role: string;
  text: string;
  client_id: string | null;
  sent_at: number;
  /** A shared file's reference (JSON of ChatFile), or null for plain text. */
  file: string | null;
}

const toMessage = (r: Row): ChatMessage => ({
  id: r.id,
  author: { identity: r.identity, name: r.name },
  role: r.role as RoomRole,
  text: r.text,
  sentAt: new Date(r.sent_at).toISOString(),
  ...(r.client_id ? { clientId: r.client_id } : {}),
  ...(r.file ? { file: JSON.parse(r.file) as ChatFile } : {}),
});

export class ChatStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly historyLimit: number,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS chat_messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT, identity TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
      text TEXT NOT NULL, client_id TEXT, sent_at INTEGER NOT NULL)`);
    sql.exec(`CREATE UNIQUE INDEX IF NOT EXISTS chat_client_id ON chat_messages (identity, client_id) WHERE client_id IS NOT NULL`);
    // Rooms whose table predates shared files get the column in place.
    const columns = sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('chat_messages')`).toArray();
    if (!columns.some((c) => c.name === 'file')) sql.exec(`ALTER TABLE chat_messages ADD COLUMN file TEXT`);
  }

  add(author: { identity: string; name: string; role: RoomRole }, text: string, clientId: string | undefined, at: number, file?: ChatFile): ChatMessage {
    const row = this.sql
      .exec<Row>(
        `INSERT INTO chat_messages (identity, name, role, text, client_id, sent_at, file) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        author.identity,
        author.name,
        author.role,
        text,
        clientId ?? null,
        at,
        file ? JSON.stringify(file) : null,
      )
      .one();
    if (row.id > this.historyLimit) this.sql.exec(`DELETE FROM chat_messages WHERE id <= ?`, row.id - this.historyLimit);
    return toMessage(row);
  }

  byClientId(identity: string, clientId: string): ChatMessage | undefined {
    const [row] = this.sql.exec<Row>(`SELECT * FROM chat_messages WHERE identity = ? AND client_id = ?`, identity, clientId).toArray();
    return row && toMessage(row);
  }

  get(id: number): ChatMessage | undefined {
    const [row] = this.sql.exec<Row>(`SELECT * FROM chat_messages WHERE id = ?`, id).toArray();
    return row && toMessage(row);
  }

  /** Whether a message still in the history shares this file (a deleted message's file is no longer offered). */
  sharesFile(fileId: string): boolean {
    return this.sql.exec(`SELECT 1 FROM chat_messages WHERE json_extract(file, '$.id') = ? LIMIT 1`, fileId).toArray().length > 0;
  }

  delete(id: number): void {
    this.sql.exec(`DELETE FROM chat_messages WHERE id = ?`, id);
  }

  /** Up to `limit` messages older than `before` (newest page when absent), oldest first. */
  page(limit: number, before?: number): { messages: ChatMessage[]; hasMore: boolean } {
    const rows = this.sql
      .exec<Row>(`SELECT * FROM chat_messages WHERE id < ? ORDER BY id DESC LIMIT ?`, before ?? Number.MAX_SAFE_INTEGER, limit + 1)
      .toArray();
    const hasMore = rows.length > limit;
    return { messages: rows.slice(0, limit).reverse().map(toMessage), hasMore };
  }
}
