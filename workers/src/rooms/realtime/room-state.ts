// The room's own settings and moderation state, in the object's SQLite: which room and tenant it
// is, the live session, chat on/off, slow mode, bans for the session, and when it became empty.
import type { RoomState } from '@roomcast/schema/protocol';
import { StudioStore } from '../studio/studio-store.ts';

interface Meta {
  room_id: string | null;
  organization_id: string | null;
  session_id: string | null;
  ended_session_id: string | null;
  chat_enabled: number;
  slow_mode_seconds: number;
  empty_since: number | null;
}

export class RoomStateStore {
  /** Stage, layout and banner (studio-store.ts): part of the room state every client receives. */
  readonly studio: StudioStore;
  /** The HLS run, owned by the room's media (room-hls.ts): read, never copied. */
  hlsView: () => RoomState['hls'] = () => null;

  constructor(private readonly sql: SqlStorage) {
    this.studio = new StudioStore(sql);
    sql.exec(`CREATE TABLE IF NOT EXISTS room_meta (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
      room_id TEXT, organization_id TEXT, session_id TEXT, ended_session_id TEXT,
      chat_enabled INTEGER NOT NULL DEFAULT 1, slow_mode_seconds INTEGER NOT NULL DEFAULT 0,
      empty_since INTEGER)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS bans (identity TEXT PRIMARY KEY, banned_at INTEGER NOT NULL)`);
    sql.exec(`INSERT OR IGNORE INTO room_meta (singleton) VALUES (1)`);
    // Its own table (objects created before it have room_meta without the column).
    sql.exec(`CREATE TABLE IF NOT EXISTS room_access (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), members_only INTEGER NOT NULL)`);
    // The server recording in progress, if any (the REC badge); told by the recording routes.
    sql.exec(`CREATE TABLE IF NOT EXISTS room_recording (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), recording_id TEXT NOT NULL, started_at TEXT NOT NULL)`);
  }

  setRecording(recording: { id: string; startedAt: string } | null) {
    if (recording) this.sql.exec(`INSERT OR REPLACE INTO room_recording (singleton, recording_id, started_at) VALUES (1, ?, ?)`, recording.id, recording.startedAt);
    else this.sql.exec(`DELETE FROM room_recording`);
  }
  get recording(): { id: string; startedAt: string } | null {
    const row = this.sql.exec<{ recording_id: string; started_at: string }>(`SELECT recording_id, started_at FROM room_recording WHERE singleton = 1`).toArray()[0];
    return row ? { id: row.recording_id, startedAt: row.started_at } : null;
  }

  get meta(): Meta {
    return this.sql.exec<Meta & Record<string, SqlStorageValue>>(`SELECT * FROM room_meta WHERE singleton = 1`).one();
  }

  #set(column: keyof Meta, value: string | number | null) {
    this.sql.exec(`UPDATE room_meta SET ${column} = ? WHERE singleton = 1`, value);
  }

  bindRoom(roomId: string) {
    if (!this.meta.room_id) this.#set('room_id', roomId);
  }
  bindOrganization(organizationId: string) {
    this.#set('organization_id', organizationId);
  }
  setSession(sessionId: string | null) {
    this.#set('session_id', sessionId);
  }
  /** A new live session starts with chat on, no slow mode and no bans. */
  startSession(sessionId: string) {
    this.sql.exec(`UPDATE room_meta SET session_id = ?, chat_enabled = 1, slow_mode_seconds = 0 WHERE singleton = 1`, sessionId);
    this.sql.exec(`DELETE FROM bans`);
    this.studio.reset();
  }
  endSession() {
    this.sql.exec(`UPDATE room_meta SET ended_session_id = session_id, session_id = NULL, empty_since = NULL WHERE singleton = 1`);
    this.sql.exec(`DELETE FROM room_recording`);
    this.sql.exec(`DELETE FROM bans`);
    this.studio.reset();
  }
  setChatEnabled(enabled: boolean) {
    this.#set('chat_enabled', enabled ? 1 : 0);
  }
  setSlowMode(seconds: number) {
    this.#set('slow_mode_seconds', seconds);
  }
  setEmptySince(at: number | null) {
    this.#set('empty_since', at);
  }

  /** The room stopped being public (the REST update tells it): anonymous guests may not stay or join. */
  setMembersOnly(membersOnly: boolean) {
    this.sql.exec(`INSERT OR REPLACE INTO room_access (singleton, members_only) VALUES (1, ?)`, membersOnly ? 1 : 0);
  }
  get membersOnly(): boolean {
    return this.sql.exec<{ members_only: number }>(`SELECT members_only FROM room_access WHERE singleton = 1`).toArray()[0]?.members_only === 1;
  }

  ban(identity: string, at: number) {
    this.sql.exec(`INSERT OR REPLACE INTO bans (identity, banned_at) VALUES (?, ?)`, identity, at);
  }
  isBanned(identity: string): boolean {
    return this.sql.exec(`SELECT 1 FROM bans WHERE identity = ?`, identity).toArray().length > 0;
  }

  view(): RoomState {
    const m = this.meta;
    return { roomId: m.room_id ?? '', sessionId: m.session_id, chatEnabled: m.chat_enabled === 1, slowModeSeconds: m.slow_mode_seconds, recording: this.recording, hls: this.hlsView(), studio: this.studio.view() };
  }
}
