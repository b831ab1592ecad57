// The studio's room state in the object's SQLite: who is on stage (in the order they came on), the
// layout, the spotlight and the banner. Backstage is everyone with the publish grant who is not on
// stage; only guests wait there (hosts and co-hosts go on stage as they join).
import { BACKSTAGE_HISTORY, STAGE_LIMIT, type BackstageMessage, type Banner, type Layout, type StudioState } from '@roomcast/schema/protocol';

interface StudioRow extends Record<string, SqlStorageValue> {
  layout: string;
  spotlight: string | null;
  banner: string | null;
}

export class StudioStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS stage (identity TEXT PRIMARY KEY, since INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS studio (
      singleton INTEGER PRIMARY KEY CHECK (singleton = 1), layout TEXT NOT NULL DEFAULT 'grid', spotlight TEXT, banner TEXT)`);
    sql.exec(`INSERT OR IGNORE INTO studio (singleton) VALUES (1)`);
    // The plan's stage size, learned when someone joins (a table of its own: live rooms already have `studio`).
    sql.exec(`CREATE TABLE IF NOT EXISTS stage_plan (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), stage_limit INTEGER NOT NULL, plan_name TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS backstage_chat (id INTEGER PRIMARY KEY AUTOINCREMENT, identity TEXT NOT NULL, name TEXT NOT NULL, text TEXT NOT NULL, sent_at TEXT NOT NULL)`);
  }

  /** Keeps a backstage chat message (the newest BACKSTAGE_HISTORY stay). */
  addBackstage(message: Omit<BackstageMessage, 'id'>): BackstageMessage {
    const { id } = this.sql
      .exec<{ id: number }>(`INSERT INTO backstage_chat (identity, name, text, sent_at) VALUES (?, ?, ?, ?) RETURNING id`, message.identity, message.name, message.text, message.sentAt)
      .one();
    this.sql.exec(`DELETE FROM backstage_chat WHERE id <= ?`, id - BACKSTAGE_HISTORY);
    return { id, ...message };
  }

  backstage(): BackstageMessage[] {
    return this.sql
      .exec<{ id: number; identity: string; name: string; text: string; sent_at: string }>(`SELECT * FROM backstage_chat ORDER BY id`)
      .toArray()
      .map((r) => ({ id: r.id, identity: r.identity, name: r.name, text: r.text, sentAt: r.sent_at }));
  }

  onStage(identity: string): boolean {
    return this.sql.exec(`SELECT 1 FROM stage WHERE identity = ?`, identity).toArray().length > 0;
  }

  stage(): string[] {
    return this.sql.exec<{ identity: string }>(`SELECT identity FROM stage ORDER BY since, rowid`).toArray().map((r) => r.identity);
  }

  count(): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM stage`).one().n;
  }

  /** The organization's plan: how many people its stage holds (at most STAGE_LIMIT). */
  setPlan(stageLimit: number, planName: string): void {
    this.sql.exec(`INSERT OR REPLACE INTO stage_plan (singleton, stage_limit, plan_name) VALUES (1, ?, ?)`, Math.min(stageLimit, STAGE_LIMIT), planName);
  }

  /** The stage's size and the plan it comes from (the studio's ceiling until the plan is known). */
  limit(): { stageLimit: number; planName: string | null } {
    const row = this.sql.exec<{ stage_limit: number; plan_name: string }>(`SELECT stage_limit, plan_name FROM stage_plan`).toArray()[0];
    return row ? { stageLimit: row.stage_limit, planName: row.plan_name } : { stageLimit: STAGE_LIMIT, planName: null };
  }

  /** Puts `identity` on stage if there is room; false when the stage is full. */
  add(identity: string, now: number): boolean {
    if (this.onStage(identity)) return true;
    if (this.count() >= this.limit().stageLimit) return false;
    this.sql.exec(`INSERT INTO stage (identity, since) VALUES (?, ?)`, identity, now);
    return true;
  }

  /** Takes `identity` off the stage (and out of the spotlight); true when they were on it. */
  remove(identity: string): boolean {
    const removed = this.sql.exec(`DELETE FROM stage WHERE identity = ? RETURNING identity`, identity).toArray().length > 0;
    if (removed && this.#row().spotlight === identity) this.sql.exec(`UPDATE studio SET spotlight = NULL`);
    return removed;
  }

  setLayout(layout: Layout, spotlight: string | null): void {
    this.sql.exec(`UPDATE studio SET layout = ?, spotlight = ?`, layout, spotlight);
  }

  setBanner(banner: Banner | null): void {
    this.sql.exec(`UPDATE studio SET banner = ?`, banner ? JSON.stringify(banner) : null);
  }

  get banner(): Banner | null {
    const raw = this.#row().banner;
    return raw ? (JSON.parse(raw) as Banner) : null;
  }

  /** A new live session starts with an empty stage, no banner and no backstage chat; the layout stays the host's choice. */
  reset(): void {
    this.sql.exec(`DELETE FROM stage`);
    this.sql.exec(`DELETE FROM backstage_chat`);
    this.sql.exec(`UPDATE studio SET spotlight = NULL, banner = NULL`);
  }

  #row(): StudioRow {
    return this.sql.exec<StudioRow>(`SELECT layout, spotlight, banner FROM studio WHERE singleton = 1`).one();
  }

  view(): StudioState {
    const row = this.#row();
    return {
      layout: row.layout as Layout,
      spotlight: row.spotlight,
      stage: this.stage(),
      stageLimit: this.limit().stageLimit,
      banner: row.banner ? (JSON.parse(row.banner) as Banner) : null,
    };
  }
}
