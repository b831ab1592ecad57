// The room's side of multistream (RTMP out): which destinations its origin node pushes and the
// state each is in, as the node last reported it (rtmp.state), kept in the object's SQLite so the
// GET answers it after eviction. The RoomDO is the one owner of this state. The destination's full
// URL (stream key included) is handed to the node with rtmp.start and never stored here: the
// routes open the sealed key per start. The producers are the room's output (output-producers.ts:
// the studio's program when there is one), the same ones HLS and recordings take, and the node
// feeds every destination and HLS from one encoder.
//
// When the origin node is lost the destinations it pushed are `failed` ("the media node was lost")
// and wait for a start again; ending the room removes them.
import { ProtocolError, type NodeToRoom, type RtmpState } from '@roomcast/schema/protocol';
import type { DestinationKind, RtmpOutputStatus } from '@roomcast/schema/api';
import type { MediaStore } from './media-store.ts';
import type { NodeLink } from './node-link.ts';
import { outputTracks } from './output-producers.ts';

export type RtmpEvent = Extract<NodeToRoom, { type: 'rtmp.state' }>;

/** The node starts its encoder (ffmpeg probing its input) before it answers. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

interface OutputRow {
  destination_id: string;
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

export interface DestinationStartInput {
  destinationId: string;
  name: string;
  kind: DestinationKind;
  url: string;
}

export class RoomMultistream {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly link: NodeLink,
    private readonly store: MediaStore,
  ) {
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS rtmp_outputs (destination_id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, bitrate_kbps REAL NOT NULL DEFAULT 0, live_since INTEGER, node_id TEXT, started_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
    );
  }

  #rows(): OutputRow[] {
    return this.ctx.storage.sql.exec<Record<string, SqlStorageValue>>(`SELECT * FROM rtmp_outputs ORDER BY started_at, destination_id`).toArray() as unknown as OutputRow[];
  }

  #row(destinationId: string): OutputRow | undefined {
    return this.#rows().find((r) => r.destination_id === destinationId);
  }

  #update(destinationId: string, changes: Partial<Pick<OutputRow, 'state' | 'reason' | 'bitrate_kbps' | 'live_since' | 'node_id'>>): void {
    for (const [column, value] of Object.entries(changes)) this.ctx.storage.sql.exec(`UPDATE rtmp_outputs SET ${column} = ? WHERE destination_id = ?`, value, destinationId);
    this.ctx.storage.sql.exec(`UPDATE rtmp_outputs SET updated_at = ? WHERE destination_id = ?`, new Date().toISOString(), destinationId);
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
      `INSERT OR REPLACE INTO rtmp_outputs (destination_id, name, kind, state, reason, bitrate_kbps, live_since, node_id, started_at, updated_at) VALUES (?, ?, ?, 'connecting', NULL, 0, NULL, ?, ?, ?)`,
      input.destinationId,
      input.name,
      input.kind,
      nodeId,
      now,
      now,
    );
    this.ctx.waitUntil(
      this.link.request(node, 'rtmp.start', { destinationId: input.destinationId, producerIds, url: input.url }, START_TIMEOUT_MS).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        console.error('multistream: the node could not start a destination', input.destinationId, reason);
        if (this.#row(input.destinationId)?.node_id === nodeId) this.#update(input.destinationId, { state: 'failed', reason: reason.slice(0, 500), bitrate_kbps: 0, live_since: null });
      }),
    );
    return this.view().find((o) => o.destinationId === input.destinationId)!;
  }

  /** Stops one destination (the others carry on). False when it was not started here. */
  async stop(destinationId: string): Promise<boolean> {
    const row = this.#row(destinationId);
    if (!row) return false;
    this.ctx.storage.sql.exec(`DELETE FROM rtmp_outputs WHERE destination_id = ?`, destinationId);
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

  /** The origin node was lost: what it pushed is gone. */
  nodeLost(nodeId: string): void {
    for (const row of this.#rows()) {
      if (row.node_id === nodeId && row.state !== 'failed') this.#update(row.destination_id, { state: 'failed', reason: 'the media node was lost', bitrate_kbps: 0, live_since: null });
    }
  }

  /** A new origin node (the room was placed again): what another node pushed is gone. */
  nodeReady(nodeId: string): void {
    for (const row of this.#rows()) {
      if (row.node_id !== nodeId && row.state !== 'failed') this.#update(row.destination_id, { state: 'failed', reason: 'the media node changed', bitrate_kbps: 0, live_since: null });
    }
  }

  /** The room ended: the node closed everything with its router. */
  clear(): void {
    this.ctx.storage.sql.exec(`DELETE FROM rtmp_outputs`);
  }
}
