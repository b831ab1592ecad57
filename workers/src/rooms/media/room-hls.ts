// The room's side of HLS egress: which producers the origin node encodes (output-producers.ts),
// the presigned PUT URLs it uploads through (the playlist and init segment once, reused for every
// rewrite; segments in batches it asks for), and the run's state, kept in the object's SQLite so
// it outlives eviction. The last run's key prefix stays after it ends: the Worker serves its
// playlist (ended with #EXT-X-ENDLIST) and segments from the store as a VOD. A room may also start
// HLS by itself once enough viewers are in (the room's hlsAutoViewers): once per session, so a
// host who stops it keeps it stopped. A run that ends (stopped, or failed once it had a playlist)
// goes into the recordings library as a VOD (egress/hls-vod.ts), from here and nowhere else.
// A run whose node is lost carries on when the room has a node again, as the run's next leg
// (egress/hls-legs.ts): same run, same URL, a discontinuity where the new node's files begin.
import { HLS_STOP_TIMEOUT_MS, ProtocolError, type HlsSegmentUrl, type NodeToRoom } from '@roomcast/schema/protocol';
import type { Config } from '../../config.ts';
import { HLS_JOINED_PLAYLIST_FILE, legFile, MAX_HLS_LEGS, readRunPlaylist } from '../../egress/hls-legs.ts';
import { HLS_PLAYLIST_FILE, keepHlsRunAsVod } from '../../egress/hls-vod.ts';
import { ObjectStore } from '../../storage/object-store.ts';
import type { MediaStore } from './media-store.ts';
import type { NodeLink } from './node-link.ts';
import { chooseOutputProducers } from './output-producers.ts';

export type HlsEvent = Extract<NodeToRoom, { type: 'hls.live' | 'hls.urls_wanted' | 'hls.failed' }>;

/** What everyone in the room sees, and what the API answers. */
export interface HlsView {
  id: string;
  state: 'starting' | 'live' | 'ended' | 'failed';
  startedAt: string;
  endedAt: string | null;
  error: string | null;
}

const FIRST_URLS = 32;
const START_TIMEOUT_MS = 30_000;
const START_RETRY_MS = 3_000;
const MAX_START_ATTEMPTS = 5;
/** URLs live this long; the playlist URL is reused for every rewrite through the whole run. */
const URL_TTL_SECONDS = 12 * 3600;
/** Waits between tries of writing the run's VOD row (Postgres or the store briefly away). */
const VOD_RETRY_MS = [1000, 3000];

interface HlsRow {
  hls_id: string;
  key_prefix: string;
  state: HlsView['state'];
  started_at: string;
  ended_at: string | null;
  error: string | null;
  node_id: string | null;
  waiting_since: number | null;
  session_id: string | null;
  /** Which node's part of the run is being written: 1, then one more after each node lost. */
  leg: number;
}

export class RoomHls {
  #starting: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failedStarts = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly config: Config,
    private readonly link: NodeLink,
    private readonly store: MediaStore,
    /** The run's state changed: the room state everyone holds changes with it. */
    private readonly onChanged: () => void,
    /** The run failed (egress.failed webhook). */
    private readonly onFailed: (run: { hlsId: string; sessionId: string | null; reason: string }) => void = () => {},
  ) {
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS hls_auto (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), session_id TEXT NOT NULL, viewers INTEGER, fired INTEGER NOT NULL DEFAULT 0)`,
    );
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS hls_run (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), hls_id TEXT NOT NULL, key_prefix TEXT NOT NULL, state TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, error TEXT, node_id TEXT, waiting_since INTEGER, session_id TEXT)`,
    );
    // Objects created before runs were kept as VODs: the run's session goes on its recording row.
    const columns = ctx.storage.sql.exec<{ name: string }>(`PRAGMA table_info(hls_run)`).toArray();
    if (!columns.some((c) => c.name === 'session_id')) ctx.storage.sql.exec(`ALTER TABLE hls_run ADD COLUMN session_id TEXT`);
    // And before runs outlived their node.
    if (!columns.some((c) => c.name === 'leg')) ctx.storage.sql.exec(`ALTER TABLE hls_run ADD COLUMN leg INTEGER NOT NULL DEFAULT 1`);
  }

  #row(): HlsRow | undefined {
    return this.ctx.storage.sql.exec<Record<string, SqlStorageValue>>(`SELECT * FROM hls_run WHERE singleton = 1`).toArray()[0] as HlsRow | undefined;
  }

  #set(hlsId: string, changes: Partial<Pick<HlsRow, 'state' | 'ended_at' | 'error' | 'node_id' | 'waiting_since' | 'leg'>>): void {
    for (const [column, value] of Object.entries(changes)) this.ctx.storage.sql.exec(`UPDATE hls_run SET ${column} = ? WHERE singleton = 1 AND hls_id = ?`, value, hlsId);
  }

  /** The current or last run (null: never ran in this room). */
  view(): HlsView | null {
    const row = this.#row();
    return row ? { id: row.hls_id, state: row.state, startedAt: row.started_at, endedAt: row.ended_at, error: row.error } : null;
  }

  /** Where the current or last run's files are in the store, and how many legs it has. */
  files(): { keyPrefix: string; legs: number } | null {
    const row = this.#row();
    return row ? { keyPrefix: row.key_prefix, legs: row.leg } : null;
  }

  running(): boolean {
    const state = this.#row()?.state;
    return state === 'starting' || state === 'live';
  }

  /** A new run: the previous run's files stay in the store under their own prefix. */
  begin(hlsId: string, keyPrefix: string, sessionId: string | null): HlsView {
    clearTimeout(this.#timer);
    // A run started by hand counts as this session's automatic one too.
    this.ctx.storage.sql.exec(`UPDATE hls_auto SET fired = 1`);
    this.#failedStarts = 0;
    this.ctx.storage.sql.exec(
      `INSERT OR REPLACE INTO hls_run (singleton, hls_id, key_prefix, state, started_at, ended_at, error, node_id, waiting_since, session_id, leg) VALUES (1, ?, ?, 'starting', ?, NULL, NULL, NULL, NULL, ?, 1)`,
      hlsId,
      keyPrefix,
      new Date().toISOString(),
      sessionId,
    );
    this.maybeStart();
    return this.view()!;
  }

  /** The session's automatic HLS: it starts once `viewers` viewers are in (null: only on demand). */
  setAuto(sessionId: string, viewers: number | null): void {
    const current = this.ctx.storage.sql.exec<{ session_id: string; fired: number }>(`SELECT session_id, fired FROM hls_auto`).toArray()[0];
    const fired = current?.session_id === sessionId ? current.fired : 0;
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO hls_auto (singleton, session_id, viewers, fired) VALUES (1, ?, ?, ?)`, sessionId, viewers, fired);
  }

  /**
   * The session now has `viewers` viewers: true when that reaches the automatic threshold and no
   * run is going, at most once a session (the session's automatic run is claimed here, so a second
   * call while the caller checks storage answers false). The caller then `begin`s or `refuse`s.
   */
  claimAuto(sessionId: string, viewers: number): boolean {
    const auto = this.ctx.storage.sql
      .exec<{ session_id: string; viewers: number | null; fired: number }>(`SELECT session_id, viewers, fired FROM hls_auto`)
      .toArray()[0];
    if (!auto || auto.session_id !== sessionId || auto.viewers === null || auto.fired === 1 || viewers < auto.viewers || this.running()) return false;
    this.ctx.storage.sql.exec(`UPDATE hls_auto SET fired = 1`);
    return true;
  }

  /**
   * A run that was not started (the automatic start found the plan's storage full): it shows as
   * `failed` with the reason in the room state and the API, and tells the webhooks, like a run
   * that failed; nothing reaches the store, so it is no recording.
   */
  refuse(hlsId: string, keyPrefix: string, sessionId: string | null, reason: string): HlsView {
    clearTimeout(this.#timer);
    const now = new Date().toISOString();
    this.ctx.storage.sql.exec(
      `INSERT OR REPLACE INTO hls_run (singleton, hls_id, key_prefix, state, started_at, ended_at, error, node_id, waiting_since, session_id, leg) VALUES (1, ?, ?, 'failed', ?, ?, ?, NULL, NULL, ?, 1)`,
      hlsId,
      keyPrefix,
      now,
      now,
      reason.slice(0, 500),
      sessionId,
    );
    this.onChanged();
    this.onFailed({ hlsId, sessionId, reason });
    return this.view()!;
  }

  /** Something changed (origin ready, a producer added): start on the node if it can. */
  maybeStart(): void {
    const row = this.#row();
    if (!row || row.state !== 'starting' || row.node_id !== null || this.#starting) return;
    const node = this.link.socket();
    if (!node) return;
    const choice = chooseOutputProducers(this.store.producers(), row.waiting_since, Date.now());
    if (choice.kind === 'none') return;
    if (choice.kind === 'wait') {
      if (row.waiting_since === null) this.#set(row.hls_id, { waiting_since: choice.since });
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.maybeStart(), choice.waitMs);
      return;
    }
    this.#starting = this.#start(node, row, choice.producerIds)
      .catch((error: unknown) => {
        const again = ++this.#failedStarts < MAX_START_ATTEMPTS;
        console.error(`hls: the node could not start${again ? '; trying again' : ''}`, row.hls_id, error);
        clearTimeout(this.#timer);
        if (again) this.#timer = setTimeout(() => this.maybeStart(), START_RETRY_MS);
        else this.#fail(row.hls_id, error instanceof Error ? error.message : String(error));
      })
      .finally(() => (this.#starting = undefined));
    this.ctx.waitUntil(this.#starting);
  }

  #objectStore(): ObjectStore {
    if (!this.config.storage) throw new ProtocolError('unavailable', 'Object storage is not configured');
    return new ObjectStore(this.config.storage);
  }

  async #start(node: WebSocket, row: HlsRow, producerIds: string[]): Promise<void> {
    const store = this.#objectStore();
    const [playlistUrl, initUrl, segmentUrls] = await Promise.all([
      store.presign('PUT', `${row.key_prefix}${legFile(row.leg, HLS_PLAYLIST_FILE)}`, { expiresIn: URL_TTL_SECONDS }),
      store.presign('PUT', `${row.key_prefix}${legFile(row.leg, 'init.mp4')}`, { expiresIn: URL_TTL_SECONDS }),
      this.#presignSegments(store, row, 1, FIRST_URLS),
    ]);
    const att = node.deserializeAttachment() as { nodeId: string };
    await this.link.request(node, 'hls.start', { hlsId: row.hls_id, producerIds, playlistUrl, initUrl, segmentUrls }, START_TIMEOUT_MS);
    this.#set(row.hls_id, { node_id: att.nodeId });
  }

  #presignSegments(store: ObjectStore, row: HlsRow, from: number, count: number): Promise<HlsSegmentUrl[]> {
    const numbers = Array.from({ length: count }, (_, i) => from + i);
    return Promise.all(numbers.map(async (segment) => ({ segment, url: await store.presign('PUT', segmentKey(row.key_prefix, segment, row.leg), { expiresIn: URL_TTL_SECONDS }) })));
  }

  event(message: HlsEvent): void {
    const row = this.#row();
    if (!row || row.hls_id !== message.hlsId) return;
    switch (message.type) {
      case 'hls.live':
        if (row.state === 'starting') {
          this.#set(row.hls_id, { state: 'live' });
          this.onChanged();
        }
        return;
      case 'hls.urls_wanted': {
        const node = this.link.socket();
        if (!node) return;
        this.ctx.waitUntil(
          this.#presignSegments(this.#objectStore(), row, message.fromSegment, message.count)
            .then((segmentUrls) => this.link.notify(node, 'hls.urls', { hlsId: row.hls_id, segmentUrls }))
            .catch((error: unknown) => console.error('hls: presigning segments failed', error)),
        );
        return;
      }
      case 'hls.failed':
        console.error('hls: the node reported a failure', message.hlsId, message.reason);
        this.#fail(row.hls_id, message.reason);
        return;
    }
  }

  #fail(hlsId: string, reason: string): void {
    this.#set(hlsId, { state: 'failed', ended_at: new Date().toISOString(), error: reason.slice(0, 500) });
    this.onChanged();
    this.onFailed({ hlsId, sessionId: this.#row()?.session_id ?? null, reason });
    this.ctx.waitUntil(this.#keepAsVod(hlsId, 'partial'));
  }

  /** The run's terminal transition: what reached the store becomes a recording (none without a playlist). */
  async #keepAsVod(hlsId: string, outcome: 'ready' | 'partial'): Promise<void> {
    const row = this.#row();
    if (!row || row.hls_id !== hlsId || !row.ended_at) return;
    const run = { hlsId, keyPrefix: row.key_prefix, sessionId: row.session_id, startedAt: row.started_at, endedAt: row.ended_at, outcome };
    for (let attempt = 0; ; attempt++) {
      try {
        // A run of several legs is kept as their joined playlist, ended (its last leg may have been cut short).
        const joined = row.leg > 1 ? await readRunPlaylist(this.#objectStore(), row.key_prefix, row.leg, { ended: true }) : null;
        if (joined) await this.#objectStore().put(`${row.key_prefix}${HLS_JOINED_PLAYLIST_FILE}`, joined, 'application/vnd.apple.mpegurl');
        await keepHlsRunAsVod(this.config, { ...run, playlistFile: joined ? HLS_JOINED_PLAYLIST_FILE : HLS_PLAYLIST_FILE });
        return;
      } catch (error) {
        if (attempt >= VOD_RETRY_MS.length) return console.error('hls: the run could not be kept as a VOD', hlsId, error);
        await new Promise((resolve) => setTimeout(resolve, VOD_RETRY_MS[attempt]));
      }
    }
  }

  /**
   * Stops the run: the node ends the playlist (#EXT-X-ENDLIST) and uploads the rest before it
   * answers. Null when nothing runs.
   */
  async stop(): Promise<HlsView | null> {
    clearTimeout(this.#timer);
    await this.#starting;
    const row = this.#row();
    if (!row || (row.state !== 'starting' && row.state !== 'live')) return null;
    const node = this.link.socket();
    if (row.node_id !== null && node && (node.deserializeAttachment() as { nodeId: string }).nodeId === row.node_id) {
      await this.link.request(node, 'hls.stop', { hlsId: row.hls_id }, HLS_STOP_TIMEOUT_MS).catch((error: unknown) => console.error('hls: the node could not stop cleanly', error));
    }
    this.#set(row.hls_id, { state: 'ended', ended_at: new Date().toISOString() });
    this.onChanged();
    // Awaited: the library lists the run by the time the stop (or the room's end) answers.
    await this.#keepAsVod(row.hls_id, 'ready');
    return this.view();
  }

  /**
   * The origin node was lost: what it wrote stays as the run's leg so far, and the run goes on as
   * its next leg once the room has a node and its producers again (maybeStart). Players keep the
   * same playlist; they wait at its end meanwhile. A room that keeps losing nodes ends the run.
   */
  nodeLost(nodeId: string): void {
    const row = this.#row();
    if (!row || row.node_id !== nodeId || (row.state !== 'starting' && row.state !== 'live')) return;
    if (row.leg >= MAX_HLS_LEGS) return this.#fail(row.hls_id, `the media node was lost (${row.leg} times in this run)`);
    clearTimeout(this.#timer);
    this.#failedStarts = 0;
    this.#set(row.hls_id, { state: 'starting', node_id: null, waiting_since: null, leg: row.leg + 1 });
    this.onChanged();
  }
}

export const segmentKey = (prefix: string, segment: number, leg = 1) => `${prefix}${legFile(leg, `seg${segment}.m4s`)}`;
