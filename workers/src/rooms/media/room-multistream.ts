// The room's side of multistream (RTMP out): which destinations its origin node pushes and the
// state each is in, as the node last reported it (rtmp.state), kept in the object's SQLite so the
// GET answers it after eviction. The RoomDO is the one owner of this state. The destination's full
// URL (stream key included) is handed to the node with rtmp.start and never stored here: the start
// route opens the sealed key, and a restart opens it again from Postgres (egress/destination-url.ts).
// The producers are the room's output (output-producers.ts: the studio's program when there is
// one), the same ones HLS and recordings take, and the node feeds every destination and HLS from
// one encoder.
//
// When the origin node is lost (or the room moves to another node) the destinations it pushed
// are `retrying` ("the media node was lost") and start again on the room's next origin node once
// it has something published, each re-read from Postgres: one deleted or disabled meanwhile, or
// of an organization whose plan no longer includes multistream, is `failed` instead. A destination given up (`failed`) tells the organization's webhooks
// (egress.failed) once. Ending the room removes them all.
import { ProtocolError, type NodeToRoom, type RtmpState } from '@roomcast/schema/protocol';
import type { DestinationKind, RtmpOutputStatus } from '@roomcast/schema/api';
import type { ReopenedDestination } from '../../egress/destination-url.ts';
import type { MediaStore } from './media-store.ts';
import type { NodeLink } from './node-link.ts';
import { chooseOutputProducers, outputTracks } from './output-producers.ts';

export type RtmpEvent = Extract<NodeToRoom, { type: 'rtmp.state' }>;

/** The node starts its encoder (ffmpeg probing its input) before it answers. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

interface OutputRow {
  destination_id: string;
  /** Null on rows written before restarts existed: those are not restarted. */
  organization_id: string | null;
  name: string;
  kind: DestinationKind;
  state: RtmpOutputStatus['state'];
  reason: string | null;
  bitrate_kbps: number;
  /** When the current connection went live (ms since epoch), from the node's uptime. */
  live_since: number | null;
  node_id: string | null;
  started_at: string;
  updated_at: string;
}

/** What a destination waiting for the room's next node says. */
const RESTART_REASON = 'the media node was lost; restarting on the next node';

export interface MultistreamHooks {
  /** The destination as it is now in Postgres, its key opened; null when deleted or disabled. */
  reopen(organizationId: string, destinationId: string): Promise<ReopenedDestination>;
  /** A destination was given up (state `failed`, once per failure). */
  failed(output: RtmpOutputStatus): void;
  /** A destination started, stopped or changed (the hosts' sockets hear it). */
  changed(): void;
}

export interface DestinationStartInput {
  organizationId: string;
  destinationId: string;
  name: string;
  kind: DestinationKind;
  url: string;
}

export class RoomMultistream {
  /** When a restart first saw one output track without its partner. */
  #waitingSince: number | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly link: NodeLink,
    private readonly store: MediaStore,
    private readonly hooks: MultistreamHooks,
  ) {
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS rtmp_outputs (destination_id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, bitrate_kbps REAL NOT NULL DEFAULT 0, live_since INTEGER, node_id TEXT, started_at TEXT NOT NULL, updated_at TEXT NOT NULL, organization_id TEXT)`,
    );
    // Objects created before destinations were restarted on a new node.
    const columns = ctx.storage.sql.exec<{ name: string }>(`PRAGMA table_info(rtmp_outputs)`).toArray();
    if (!columns.some((c) => c.name === 'organization_id')) ctx.storage.sql.exec(`ALTER TABLE rtmp_outputs ADD COLUMN organization_id TEXT`);
  }

  #rows(): OutputRow[] {
    return this.ctx.storage.sql.exec<Record<string, SqlStorageValue>>(`SELECT * FROM rtmp_outputs ORDER BY started_at, destination_id`).toArray() as unknown as OutputRow[];
  }

  #row(destinationId: string): OutputRow | undefined {
    return this.#rows().find((r) => r.destination_id === destinationId);
  }

  #update(destinationId: string, changes: Partial<Pick<OutputRow, 'state' | 'reason' | 'bitrate_kbps' | 'live_since' | 'node_id'>>): void {
    const before = this.#row(destinationId);
    for (const [column, value] of Object.entries(changes)) this.ctx.storage.sql.exec(`UPDATE rtmp_outputs SET ${column} = ? WHERE destination_id = ?`, value, destinationId);
    this.ctx.storage.sql.exec(`UPDATE rtmp_outputs SET updated_at = ? WHERE destination_id = ?`, new Date().toISOString(), destinationId);
    const output = this.view().find((o) => o.destinationId === destinationId);
    if (!output) return;
    if (output.state === 'failed' && before?.state !== 'failed') this.hooks.failed(output);
    // Every change, bitrate reports included (every 5 s per live destination, to hosts only).
    this.hooks.changed();
  }

  /** Every destination started in this room (and not stopped), with its last state. */
  view(now = Date.now()): RtmpOutputStatus[] {
    return this.#rows().map((r) => ({
      destinationId: r.destination_id,
      name: r.name,
      kind: r.kind,
      state: r.state,
      reason: r.reason,
      bitrateKbps: r.state === 'live' ? r.bitrate_kbps : 0,
      uptimeMs: r.state === 'live' && r.live_since !== null ? Math.max(0, now - r.live_since) : null,
      startedAt: r.started_at,
      updatedAt: r.updated_at,
    }));
  }

  /**
   * Starts one destination on the origin node: `connecting` at once, then whatever the node
   * reports. Throws `unavailable` when there is no node or nothing published to send; a
   * destination already pushing answers as it is.
   */
  start(input: DestinationStartInput): RtmpOutputStatus {
    const existing = this.#row(input.destinationId);
    if (existing && existing.state !== 'failed') return this.view().find((o) => o.destinationId === input.destinationId)!;
    const node = this.link.socket();
    if (!node) throw new ProtocolError('unavailable', 'The room has no media node yet');
    const producerIds = outputTracks(this.store.producers()).map((p) => p.producerId);
    if (producerIds.length === 0) throw new ProtocolError('unavailable', 'Nothing is published in the room yet');
    const now = new Date().toISOString();
    const nodeId = (node.deserializeAttachment() as { nodeId: string }).nodeId;
    this.ctx.storage.sql.exec(
      `INSERT OR REPLACE INTO rtmp_outputs (destination_id, organization_id, name, kind, state, reason, bitrate_kbps, live_since, node_id, started_at, updated_at) VALUES (?, ?, ?, ?, 'connecting', NULL, 0, NULL, ?, ?, ?)`,
      input.destinationId,
      input.organizationId,
      input.name,
      input.kind,
      nodeId,
      now,
      now,
    );
    this.hooks.changed();
    this.ctx.waitUntil(this.#push(node, nodeId, input.destinationId, producerIds, input.url));
    return this.view().find((o) => o.destinationId === input.destinationId)!;
  }

  /** rtmp.start on `node`; a refusal fails the destination (unless it moved on meanwhile). */
  async #push(node: WebSocket, nodeId: string, destinationId: string, producerIds: string[], url: string): Promise<void> {
    try {
      await this.link.request(node, 'rtmp.start', { destinationId, producerIds, url }, START_TIMEOUT_MS);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      console.error('multistream: the node could not start a destination', destinationId, reason);
      if (this.#row(destinationId)?.node_id === nodeId) this.#update(destinationId, { state: 'failed', reason: reason.slice(0, 500), bitrate_kbps: 0, live_since: null });
    }
  }

  /** Stops one destination (the others carry on). False when it was not started here. */
  async stop(destinationId: string): Promise<boolean> {
    const row = this.#row(destinationId);
    if (!row) return false;
    this.ctx.storage.sql.exec(`DELETE FROM rtmp_outputs WHERE destination_id = ?`, destinationId);
    this.hooks.changed();
    const node = this.link.socket();
    if (node && row.state !== 'failed' && (node.deserializeAttachment() as { nodeId: string }).nodeId === row.node_id) {
      await this.link.request(node, 'rtmp.stop', { destinationId }, STOP_TIMEOUT_MS).catch((error: unknown) => console.error('multistream: the node could not stop a destination', error));
    }
    return true;
  }

  event(message: RtmpEvent, fromNodeId: string): void {
    const status: RtmpState = message.status;
    const row = this.#row(status.destinationId);
    // A destination stopped meanwhile (or started on a node since lost) keeps what it has.
    if (!row || row.node_id !== fromNodeId) return;
    this.#update(status.destinationId, {
      state: status.state,
      reason: status.reason,
      bitrate_kbps: status.bitrateKbps,
      live_since: status.state === 'live' && status.uptimeMs !== null ? Date.now() - status.uptimeMs : null,
    });
  }

  /** The origin node was lost: what it pushed waits for the room's next node. */
  nodeLost(nodeId: string): void {
    for (const row of this.#rows()) if (row.node_id === nodeId && row.state !== 'failed') this.#awaitRestart(row);
  }

  /** A new origin node (the room was placed again): what another node pushed starts again here. */
  nodeReady(nodeId: string): void {
    for (const row of this.#rows()) if (row.node_id !== null && row.node_id !== nodeId && row.state !== 'failed') this.#awaitRestart(row);
    this.#waitingSince = null;
    this.maybeRestart();
  }

  #awaitRestart(row: OutputRow): void {
    // Rows from before restarts existed do not know their organization: given up, as they were.
    if (row.organization_id === null) return this.#update(row.destination_id, { state: 'failed', reason: 'the media node was lost', bitrate_kbps: 0, live_since: null });
    this.#update(row.destination_id, { state: 'retrying', reason: RESTART_REASON, bitrate_kbps: 0, live_since: null, node_id: null });
  }

  /**
   * Destinations waiting for a node (node_id NULL, not failed) start on the origin node once it
   * has the room's output: called when the node is ready and when a producer appears.
   */
  maybeRestart(): void {
    const waiting = this.#rows().filter((r) => r.node_id === null && r.state !== 'failed' && r.organization_id !== null);
    if (waiting.length === 0) return;
    const node = this.link.socket();
    if (!node) return;
    const choice = chooseOutputProducers(this.store.producers(), this.#waitingSince, Date.now());
    if (choice.kind === 'none') return;
    if (choice.kind === 'wait') {
      this.#waitingSince = choice.since;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.maybeRestart(), choice.waitMs);
      return;
    }
    const nodeId = (node.deserializeAttachment() as { nodeId: string }).nodeId;
    for (const row of waiting) {
      // Claimed for this node at once: a second call does not start it twice.
      this.#update(row.destination_id, { state: 'connecting', reason: null, node_id: nodeId });
      this.ctx.waitUntil(this.#restart(node, nodeId, row, choice.producerIds));
    }
  }

  async #restart(node: WebSocket, nodeId: string, row: OutputRow, producerIds: string[]): Promise<void> {
    let reopened: ReopenedDestination;
    try {
      reopened = await this.hooks.reopen(row.organization_id!, row.destination_id);
    } catch (error) {
      console.error('multistream: reading the destination for a restart failed', row.destination_id, error);
      if (this.#row(row.destination_id)?.node_id === nodeId) this.#update(row.destination_id, { state: 'failed', reason: 'the destination could not be read to restart it', bitrate_kbps: 0, live_since: null });
      return;
    }
    if (this.#row(row.destination_id)?.node_id !== nodeId) return; // stopped or moved on meanwhile
    if (!reopened.ok) return this.#update(row.destination_id, { state: 'failed', reason: reopened.reason, bitrate_kbps: 0, live_since: null });
    await this.#push(node, nodeId, row.destination_id, producerIds, reopened.destination.url);
  }

  /** The room ended: the node closed everything with its router. */
  clear(): void {
    clearTimeout(this.#timer);
    this.ctx.storage.sql.exec(`DELETE FROM rtmp_outputs`);
    this.hooks.changed();
  }
}
