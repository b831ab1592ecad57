// The room's side of a server recording: which producers the origin node records (the studio's
// program and its audio mix when the host publishes one, else the first publisher's camera at its
// highest simulcast layer and their microphone: output-producers.ts), the presigned part URLs
// it is handed (the node never holds the bucket's keys), and the parts it reports as they land,
// kept in the object's SQLite so they outlive the node. At stop the node's report goes back to the
// recording routes, which complete the multipart upload. When the origin node is lost mid-recording
// the room completes the upload itself with the parts already reported: the recording becomes
// `partial` and plays what was uploaded.
//
// Without a program (a room not run from the studio, e.g. an encoder over WHIP or RTMP) a second
// publisher's camera is not recorded: one file holds one video and one audio, copied without
// transcoding. The studio composes the program in the host's browser, so no node transcodes.
// The choice is made when the recording starts: a program published later is not switched to.
//
// Further tracks (output-producers.ts furtherTracks): every screen share while the recording runs
// (at its start or later), and a camera that appeared after the main file started with audio alone,
// is recorded as a track of its own: its own multipart object (a `recording_tracks` row opened
// here), recorded by the same node under the track's id with the same recording.* frames, stopped
// and finalized with the recording (finalize.ts), completed as `partial` when the node is lost.
import { and, eq } from 'drizzle-orm';
import { recordings, recordingTracks } from '@roomcast/schema/db';
import { RECORDING_STOP_TIMEOUT_MS, type NodeToRoom, type RecordedPart, type RecordingPartUrl, type RecordingReport, ProtocolError } from '@roomcast/schema/protocol';
import type { Config } from '../../config.ts';
import { Database } from '../../db/database.ts';
import { finalizeRecording, type RecordedMedia, type TrackResult } from '../../recordings/finalize.ts';
import { recordingTrackObjectKey } from '../../storage/object-keys.ts';
import { ObjectStore } from '../../storage/object-store.ts';
import { wakeWebhookDelivery } from '../../webhooks/wake.ts';
import type { MediaStore } from './media-store.ts';
import type { NodeLink } from './node-link.ts';
import { chooseOutputProducers, furtherTracks } from './output-producers.ts';

/** What the recording routes hand the room when a recording starts. */
export interface RecorderTarget {
  recordingId: string;
  organizationId: string;
  objectKey: string;
  uploadId: string;
  posterKey: string;
}

/** What the room hands back at stop: the parts to complete, and what the node measured. */
export interface RecorderResult {
  parts: RecordedPart[];
  media: RecordedMedia;
  /** `ready` when the node reported the whole file; `partial` when it could not (lost, failed). */
  outcome: 'ready' | 'partial';
  /** The recording's further tracks (screen shares, a late camera), each stopped the same way. */
  tracks: TrackResult[];
}

export type RecordingEvent = Extract<NodeToRoom, { type: 'recording.part' | 'recording.urls_wanted' | 'recording.failed' }>;

/** Part URLs handed with recording.start; the node asks for more as it goes. */
const FIRST_URLS = 16;
/** How long the node may take to start (ffmpeg starting on a busy machine), and the wait before asking again. */
const START_TIMEOUT_MS = 30_000;
const START_RETRY_MS = 3_000;
const MAX_START_ATTEMPTS = 5;
/** Part URLs live this long: a part may wait in the node's retry queue through a long store outage. */
const PART_URL_TTL_SECONDS = 6 * 3600;

interface RecorderRow {
  recording_id: string;
  organization_id: string;
  object_key: string;
  upload_id: string;
  poster_key: string;
  /** The node recording it; null until recording.start was answered. */
  node_id: string | null;
  /** When the room first saw a track to record without its partner. */
  waiting_since: number | null;
}

interface TrackRow {
  track_id: string;
  recording_id: string;
  producer_id: string;
  kind: 'screen' | 'camera';
  object_key: string;
  /** '' while the multipart upload is being opened. */
  upload_id: string;
  node_id: string | null;
}

export class RoomRecorder {
  /** recording.start on its way to the node (stop waits for it, so no recorder is left running). */
  #starting: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Failed starts of the current recording (a node that cannot record is not asked forever). */
  #failedStarts = 0;
  /** What last went wrong on the node (a start refused, ffmpeg ended): the recording's error if nothing lands. */
  #lastError: string | undefined;
  /** Further tracks being opened and started (stop waits for them). */
  readonly #trackStarts = new Set<Promise<void>>();
  /** The recording being stopped: no further track starts for it. */
  #stopping: string | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly config: Config,
    private readonly link: NodeLink,
    private readonly store: MediaStore,
    /** The recording ended without the routes (node lost): the room's REC badge goes. */
    private readonly onEnded: () => void,
  ) {
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS recorder (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), recording_id TEXT NOT NULL, organization_id TEXT NOT NULL, object_key TEXT NOT NULL, upload_id TEXT NOT NULL, poster_key TEXT NOT NULL, node_id TEXT, waiting_since INTEGER)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS recorder_parts (part_number INTEGER PRIMARY KEY, etag TEXT NOT NULL, size_bytes INTEGER NOT NULL)`);
    // What the main file records (set when the node started it), and the further tracks.
    sql.exec(`CREATE TABLE IF NOT EXISTS recorder_main (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), producer_ids TEXT NOT NULL, has_video INTEGER NOT NULL, started_at INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS recorder_tracks (track_id TEXT PRIMARY KEY, recording_id TEXT NOT NULL, producer_id TEXT NOT NULL, kind TEXT NOT NULL, object_key TEXT NOT NULL, upload_id TEXT NOT NULL, node_id TEXT)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS recorder_track_parts (track_id TEXT NOT NULL, part_number INTEGER NOT NULL, etag TEXT NOT NULL, size_bytes INTEGER NOT NULL, PRIMARY KEY (track_id, part_number))`);
  }

  #tracks(): TrackRow[] {
    return this.ctx.storage.sql.exec<Record<string, SqlStorageValue>>(`SELECT * FROM recorder_tracks ORDER BY rowid`).toArray() as unknown as TrackRow[];
  }

  #row(): RecorderRow | undefined {
    return this.ctx.storage.sql.exec<Record<string, SqlStorageValue>>(`SELECT * FROM recorder WHERE singleton = 1`).toArray()[0] as RecorderRow | undefined;
  }

  /** The parts the node reported for the main file, or for one further track. */
  #parts(trackId?: string): RecordedPart[] {
    const rows =
      trackId === undefined
        ? this.ctx.storage.sql.exec<{ part_number: number; etag: string; size_bytes: number }>(`SELECT part_number, etag, size_bytes FROM recorder_parts ORDER BY part_number`)
        : this.ctx.storage.sql.exec<{ part_number: number; etag: string; size_bytes: number }>(`SELECT part_number, etag, size_bytes FROM recorder_track_parts WHERE track_id = ? ORDER BY part_number`, trackId);
    return rows.toArray().map((r) => ({ partNumber: r.part_number, etag: r.etag, sizeBytes: r.size_bytes }));
  }

  #clear(): void {
    clearTimeout(this.#timer);
    this.ctx.storage.sql.exec(`DELETE FROM recorder`);
    this.ctx.storage.sql.exec(`DELETE FROM recorder_parts`);
    this.ctx.storage.sql.exec(`DELETE FROM recorder_main`);
    this.ctx.storage.sql.exec(`DELETE FROM recorder_tracks`);
    this.ctx.storage.sql.exec(`DELETE FROM recorder_track_parts`);
  }

  #objectStore(): ObjectStore {
    if (!this.config.storage) throw new ProtocolError('unavailable', 'Object storage is not configured');
    return new ObjectStore(this.config.storage);
  }

  /** A recording started (the routes opened its multipart upload): record as soon as there is media. */
  begin(target: RecorderTarget): void {
    this.#clear();
    this.#failedStarts = 0;
    this.#lastError = undefined;
    this.ctx.storage.sql.exec(
      `INSERT INTO recorder (singleton, recording_id, organization_id, object_key, upload_id, poster_key, node_id, waiting_since) VALUES (1, ?, ?, ?, ?, ?, NULL, NULL)`,
      target.recordingId,
      target.organizationId,
      target.objectKey,
      target.uploadId,
      target.posterKey,
    );
    this.maybeStart();
  }

  /** Something changed (origin ready, a producer added): start recording if it can. */
  maybeStart(): void {
    const row = this.#row();
    if (!row || this.#starting) return;
    const node = this.link.socket();
    if (!node) return;
    if (row.node_id !== null) return this.#maybeStartTracks(node, row);
    const choice = chooseOutputProducers(this.store.producers(), row.waiting_since, Date.now());
    if (choice.kind === 'none') return;
    if (choice.kind === 'wait') {
      if (row.waiting_since === null) this.ctx.storage.sql.exec(`UPDATE recorder SET waiting_since = ? WHERE singleton = 1`, choice.since);
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.maybeStart(), choice.waitMs);
      return;
    }
    const producers = choice.producerIds;
    this.#starting = this.#start(node, row, producers)
      .catch((error: unknown) => {
        // Asked again shortly: the node answers a repeated start with the recording it runs.
        const again = ++this.#failedStarts < MAX_START_ATTEMPTS;
        this.#lastError = `the media node could not start recording: ${error instanceof Error ? error.message : String(error)}`;
        console.error(`recording: the node could not start recording${again ? '; trying again' : ''}`, row.recording_id, error);
        clearTimeout(this.#timer);
        if (again) this.#timer = setTimeout(() => this.maybeStart(), START_RETRY_MS);
      })
      .finally(() => {
        this.#starting = undefined;
        // Started: a screen already shared when the recording started gets its track now.
        if (this.#row()?.node_id) this.maybeStart();
      });
    this.ctx.waitUntil(this.#starting);
  }

  async #start(node: WebSocket, row: RecorderRow, producerIds: string[]): Promise<void> {
    const store = this.#objectStore();
    const partUrls = await this.#presignParts(store, row, 1, FIRST_URLS);
    const posterUrl = await store.presign('PUT', row.poster_key, { headers: { 'content-type': 'image/jpeg' }, expiresIn: PART_URL_TTL_SECONDS });
    const att = node.deserializeAttachment() as { nodeId: string };
    await this.link.request(node, 'recording.start', { recordingId: row.recording_id, producerIds, partUrls, posterUrl }, START_TIMEOUT_MS);
    // Still the same recording (not stopped meanwhile): it is now on this node.
    if (this.#row()?.recording_id !== row.recording_id) return;
    this.ctx.storage.sql.exec(`UPDATE recorder SET node_id = ? WHERE singleton = 1 AND recording_id = ?`, att.nodeId, row.recording_id);
    const hasVideo = this.store.producers().some((p) => p.kind === 'video' && producerIds.includes(p.producerId));
    this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO recorder_main (singleton, producer_ids, has_video, started_at) VALUES (1, ?, ?, ?)`, producerIds.join(','), hasVideo ? 1 : 0, Date.now());
  }

  /** The main file is recording on `node`: start a track for each screen share (or late camera) without one. */
  #maybeStartTracks(node: WebSocket, row: RecorderRow): void {
    if (this.#stopping === row.recording_id) return;
    const main = this.ctx.storage.sql.exec<{ producer_ids: string; has_video: number; started_at: number }>(`SELECT * FROM recorder_main WHERE singleton = 1`).toArray()[0];
    if (!main) return;
    const tracks = this.#tracks();
    const wanted = furtherTracks(this.store.producers(), { mainProducerIds: main.producer_ids.split(','), mainHasVideo: main.has_video === 1, tracks: tracks.map((t) => ({ producerId: t.producer_id, kind: t.kind })) });
    for (const { producer, kind } of wanted) {
      const trackId = crypto.randomUUID();
      const objectKey = recordingTrackObjectKey(row.organization_id, row.recording_id, trackId);
      // Claimed before anything is awaited, so a second call meanwhile does not open it twice.
      this.ctx.storage.sql.exec(
        `INSERT INTO recorder_tracks (track_id, recording_id, producer_id, kind, object_key, upload_id, node_id) VALUES (?, ?, ?, ?, ?, '', NULL)`,
        trackId,
        row.recording_id,
        producer.producerId,
        kind,
        objectKey,
      );
      const started = this.#startTrack(node, row, { trackId, producerId: producer.producerId, kind, objectKey, offsetMs: Math.max(0, Date.now() - main.started_at) })
        .catch((error: unknown) => console.error(`recording: the ${kind} track could not start; it is finalized as failed with the recording`, row.recording_id, error))
        .finally(() => this.#trackStarts.delete(started));
      this.#trackStarts.add(started);
      this.ctx.waitUntil(started);
    }
  }

  /** Opens the track's upload and its row in Postgres, then has the node record it under the track's id. */
  async #startTrack(node: WebSocket, row: RecorderRow, track: { trackId: string; producerId: string; kind: 'screen' | 'camera'; objectKey: string; offsetMs: number }): Promise<void> {
    const store = this.#objectStore();
    const uploadId = await store.createMultipartUpload(track.objectKey, 'video/webm');
    const db = new Database(this.config);
    try {
      await db.scoped({ organizationId: row.organization_id }, (tx) =>
        tx.insert(recordingTracks).values({ id: track.trackId, organizationId: row.organization_id, recordingId: row.recording_id, kind: track.kind, status: 'recording', objectKey: track.objectKey, uploadId, offsetMs: track.offsetMs }),
      );
    } catch (error) {
      await store.abortMultipartUpload(track.objectKey, uploadId).catch(() => {});
      this.ctx.storage.sql.exec(`DELETE FROM recorder_tracks WHERE track_id = ?`, track.trackId);
      throw error;
    } finally {
      await db.close();
    }
    this.ctx.storage.sql.exec(`UPDATE recorder_tracks SET upload_id = ? WHERE track_id = ?`, uploadId, track.trackId);
    const partUrls = await this.#presignParts(store, { object_key: track.objectKey, upload_id: uploadId }, 1, FIRST_URLS);
    await this.link.request(node, 'recording.start', { recordingId: track.trackId, producerIds: [track.producerId], partUrls }, START_TIMEOUT_MS);
    if (!this.#tracks().some((t) => t.track_id === track.trackId)) {
      // The recording ended while the node started the track: nothing will stop it but this.
      await this.link.request(node, 'recording.stop', { recordingId: track.trackId }, RECORDING_STOP_TIMEOUT_MS).catch(() => {});
      return;
    }
    const att = node.deserializeAttachment() as { nodeId: string };
    this.ctx.storage.sql.exec(`UPDATE recorder_tracks SET node_id = ? WHERE track_id = ?`, att.nodeId, track.trackId);
  }

  #presignParts(store: ObjectStore, row: Pick<RecorderRow, 'object_key' | 'upload_id'>, from: number, count: number): Promise<RecordingPartUrl[]> {
    const numbers = Array.from({ length: Math.min(count, 10_001 - from) }, (_, i) => from + i);
    return Promise.all(numbers.map(async (partNumber) => ({ partNumber, url: await store.presignPart(row.object_key, row.upload_id, partNumber, PART_URL_TTL_SECONDS) })));
  }

  /** The origin node told us about the recording's main file or one of its further tracks. */
  event(message: RecordingEvent): void {
    const row = this.#row();
    if (!row) return;
    const track = row.recording_id === message.recordingId ? undefined : this.#tracks().find((t) => t.track_id === message.recordingId);
    if (row.recording_id !== message.recordingId && !track) return;
    switch (message.type) {
      case 'recording.part': {
        const { partNumber, etag, sizeBytes } = message.part;
        if (track) this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO recorder_track_parts (track_id, part_number, etag, size_bytes) VALUES (?, ?, ?, ?)`, track.track_id, partNumber, etag, sizeBytes);
        else this.ctx.storage.sql.exec(`INSERT OR REPLACE INTO recorder_parts (part_number, etag, size_bytes) VALUES (?, ?, ?)`, partNumber, etag, sizeBytes);
        return;
      }
      case 'recording.urls_wanted': {
        const node = this.link.socket();
        const upload = track ?? row;
        // A track's upload_id is '' while its upload is still being opened.
        if (!node || !upload.upload_id) return;
        this.ctx.waitUntil(
          this.#presignParts(this.#objectStore(), upload, message.fromPart, message.count)
            .then((partUrls) => this.link.notify(node, 'recording.urls', { recordingId: message.recordingId, partUrls }))
            .catch((error: unknown) => console.error('recording: presigning parts failed', message.recordingId, error)),
        );
        return;
      }
      case 'recording.failed':
        // What was uploaded stays; stop (or the node's loss) completes it.
        console.error(`recording: the node reported a failure of the ${track ? `${track.kind} track` : 'recording'}`, message.recordingId, message.reason);
        if (!track) this.#lastError = `the recorder failed on the media node: ${message.reason}`;
        return;
    }
  }

  /** The routes stop the recording: the node uploads the rest and reports. Answers null when the room does not hold it. */
  async stop(recordingId: string): Promise<RecorderResult | null> {
    this.#stopping = recordingId;
    try {
      return await this.#stop(recordingId);
    } finally {
      if (this.#stopping === recordingId) this.#stopping = undefined;
    }
  }

  async #stop(recordingId: string): Promise<RecorderResult | null> {
    await this.#starting;
    await Promise.all([...this.#trackStarts]);
    const row = this.#row();
    if (!row || row.recording_id !== recordingId) return null;
    const node = this.link.socket();
    const onNode = node && row.node_id !== null && (node.deserializeAttachment() as { nodeId: string }).nodeId === row.node_id ? node : undefined;
    const stopMain = async (): Promise<Omit<RecorderResult, 'tracks'>> => {
      if (row.node_id === null) {
        // Never started on a node (nothing was published): nothing to complete.
        return { parts: [], media: { failure: this.#lastError }, outcome: 'ready' };
      }
      if (!onNode) return { parts: this.#parts(), media: {}, outcome: 'partial' };
      try {
        const report: RecordingReport = await this.link.request(onNode, 'recording.stop', { recordingId }, RECORDING_STOP_TIMEOUT_MS);
        return { parts: report.parts, media: { durationMs: report.durationMs ?? undefined, videoCodec: report.videoCodec ?? undefined, audioCodec: report.audioCodec ?? undefined, poster: report.poster, failure: report.problem ?? this.#lastError }, outcome: 'ready' };
      } catch (error) {
        console.error('recording: the node could not finish the recording; completing what it reported', error);
        return { parts: this.#parts(), media: { failure: this.#lastError }, outcome: 'partial' };
      }
    };
    // Every file of the recording is stopped at once: each is its own ffmpeg on the node.
    const [main, tracks] = await Promise.all([stopMain(), Promise.all(this.#tracks().map((t) => this.#stopTrack(t, onNode)))]);
    if (this.#row()?.recording_id === recordingId) this.#clear();
    return { ...main, tracks };
  }

  async #stopTrack(track: TrackRow, node: WebSocket | undefined): Promise<TrackResult> {
    const reported = (): TrackResult => ({ trackId: track.track_id, parts: this.#parts(track.track_id), media: {}, outcome: 'partial' });
    if (track.node_id === null) return { trackId: track.track_id, parts: [], media: { failure: 'the track never started on the media node' }, outcome: 'ready' };
    if (!node || (node.deserializeAttachment() as { nodeId: string }).nodeId !== track.node_id) return reported();
    try {
      const report: RecordingReport = await this.link.request(node, 'recording.stop', { recordingId: track.track_id }, RECORDING_STOP_TIMEOUT_MS);
      return { trackId: track.track_id, parts: report.parts, media: { durationMs: report.durationMs ?? undefined, videoCodec: report.videoCodec ?? undefined, failure: report.problem }, outcome: 'ready' };
    } catch (error) {
      console.error('recording: the node could not finish a track; completing what it reported', track.track_id, error);
      return reported();
    }
  }

  /**
   * The origin node was lost: a recording it held is completed with the parts it reported, as
   * `partial` (or `failed` when none had landed), right here: no request is waiting on it.
   */
  nodeLost(nodeId: string): void {
    const row = this.#row();
    if (!row || row.node_id !== nodeId) return;
    const parts = this.#parts();
    const tracks = this.#tracks().map((t): TrackResult => ({ trackId: t.track_id, parts: t.node_id === nodeId ? this.#parts(t.track_id) : [], media: {}, outcome: 'partial' }));
    this.#clear();
    this.onEnded();
    this.ctx.waitUntil(
      completePartial(this.config, row, parts, tracks).catch((error: unknown) => console.error('recording: completing after node loss failed', row.recording_id, error)),
    );
  }
}

/** Completes a recording whose node was lost, with the parts it had reported. */
export async function completePartial(config: Config, row: Pick<RecorderRow, 'recording_id' | 'organization_id'>, parts: RecordedPart[], tracks: TrackResult[] = []): Promise<void> {
  if (!config.storage) return;
  const store = new ObjectStore(config.storage);
  const db = new Database(config);
  try {
    await db.scoped({ organizationId: row.organization_id }, async (tx) => {
      const [found] = await tx.select().from(recordings).where(and(eq(recordings.id, row.recording_id), eq(recordings.organizationId, row.organization_id)));
      if (found?.status !== 'recording') return;
      await finalizeRecording(tx, store, found, parts, {}, 'partial', tracks);
    });
    await wakeWebhookDelivery(row.organization_id);
  } finally {
    await db.close();
  }
}
