// Encoders publishing into the room over RTMP. The node that holds the encoder's TCP connection
// (any node of the fleet) transcodes its audio, keeps its H.264 as is, and relays the RTP to a
// plain transport on the room's origin node, where the encoder's producers live: the same kinds,
// identity and sources as a WHIP encoder's, so viewers cannot tell. The producers outlive the
// connection: a republish within the node's grace period (10 s) from the same node resumes them
// (same transport, SSRCs and payload types, so viewers are not reset); the newest connection wins.
// Only after the grace period does the node say ingest.rtmp.ended, and the producers close.
import { ProtocolError, type RtmpIngestTarget } from '@roomcast/schema/protocol';
import { ingestIdentity } from './ingest-publisher.ts';
import type { MediaServices } from './media-requests.ts';
import { toProducer } from './media-store.ts';

const VIDEO_PT = 96;
const AUDIO_PT = 111;

export interface RtmpStartInput {
  roomId: string;
  /** The connection (named by the node holding it) and that node. */
  connectionId: string;
  relayNodeId: string;
  /** The router's H.264 profile-level-id for the stream's profile. */
  h264ProfileLevelId: string;
  audio: boolean;
}

export type RtmpStartResult =
  | { ok: true; target: RtmpIngestTarget; replaced: string | null }
  | { ok: false; code: 'room_not_live' | 'media_unavailable' | 'unsupported_media'; message: string };

interface RtmpRow {
  connection_id: string;
  relay_node_id: string;
  transport_id: string;
  ip: string;
  port: number;
  profile: string;
  video_ssrc: number;
  audio_ssrc: number | null;
}

type Row<T> = T & Record<string, SqlStorageValue>;

const randomSsrc = () => (crypto.getRandomValues(new Uint32Array(1))[0]! % 0xfffffff0) + 1;

export class RtmpPublisher {
  constructor(
    private readonly sql: SqlStorage,
    private readonly media: MediaServices,
    /** The connection ended on the room's side (origin lost, room ended, transport closed). */
    private readonly ended: (connectionIds: string[], reason: string) => void = () => {},
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS rtmp_ingest (
      connection_id TEXT NOT NULL, relay_node_id TEXT NOT NULL, transport_id TEXT NOT NULL, ip TEXT NOT NULL,
      port INTEGER NOT NULL, profile TEXT NOT NULL, video_ssrc INTEGER NOT NULL, audio_ssrc INTEGER)`);
  }

  #row(): RtmpRow | undefined {
    return this.sql.exec<Row<RtmpRow>>(`SELECT * FROM rtmp_ingest LIMIT 1`).toArray()[0];
  }

  active(): boolean {
    return this.#row() !== undefined;
  }

  async start(input: RtmpStartInput): Promise<RtmpStartResult> {
    try {
      await this.media.gate.requireLive();
      await this.media.ready();
    } catch (error) {
      if (error instanceof ProtocolError && error.code === 'room_not_live') return { ok: false, code: 'room_not_live', message: error.message };
      return { ok: false, code: 'media_unavailable', message: 'No media node is ready for this room; the encoder should retry shortly' };
    }
    const row = this.#row();
    // Resume: the producers are still there, fed by the same node's relay, with the same codecs.
    if (row && this.media.store.get(row.transport_id) && row.relay_node_id === input.relayNodeId && row.profile === input.h264ProfileLevelId && (row.audio_ssrc !== null) === input.audio) {
      this.sql.exec(`UPDATE rtmp_ingest SET connection_id = ?`, input.connectionId);
      return { ok: true, target: this.#target(input.roomId, row, true), replaced: row.connection_id === input.connectionId ? null : row.connection_id };
    }
    const replaced = row ? row.connection_id : null;
    if (row) this.#close(row);

    const identity = ingestIdentity(input.roomId);
    const plain = await this.media.call('plain.create', { owner: identity }, null);
    this.media.store.addTransport(plain.transportId, identity, 'send', null);
    const fresh: RtmpRow = {
      connection_id: input.connectionId,
      relay_node_id: input.relayNodeId,
      transport_id: plain.transportId,
      ip: plain.ip,
      port: plain.port,
      profile: input.h264ProfileLevelId,
      video_ssrc: randomSsrc(),
      audio_ssrc: input.audio ? randomSsrc() : null,
    };
    const cname = `rtmp-${fresh.video_ssrc.toString(16)}`;
    const tracks = [
      {
        kind: 'video' as const,
        source: 'camera' as const,
        rtpParameters: {
          codecs: [{ mimeType: 'video/H264', payloadType: VIDEO_PT, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': fresh.profile, 'level-asymmetry-allowed': 1 }, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] }],
          encodings: [{ ssrc: fresh.video_ssrc }],
          rtcp: { cname, reducedSize: true },
        },
      },
      ...(fresh.audio_ssrc === null
        ? []
        : [{ kind: 'audio' as const, source: 'microphone' as const, rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO_PT, clockRate: 48000, channels: 2, parameters: {}, rtcpFeedback: [] }], encodings: [{ ssrc: fresh.audio_ssrc }], rtcp: { cname, reducedSize: true } } }]),
    ];
    try {
      for (const track of tracks) {
        const produced = await this.media.call('transport.produce', { transportId: plain.transportId, kind: track.kind, rtpParameters: track.rtpParameters, identity, source: track.source }, null);
        this.media.store.addProducer(produced.id, identity, plain.transportId, track.kind, track.source, false);
        const added = this.media.store.get(produced.id);
        if (added) this.media.broadcast({ type: 'media.producer_added', producer: toProducer(added) });
      }
    } catch (error) {
      this.#closeTransport(plain.transportId);
      if (error instanceof ProtocolError && error.code === 'invalid_message') return { ok: false, code: 'unsupported_media', message: error.message };
      throw error;
    }
    this.sql.exec(
      `INSERT INTO rtmp_ingest (connection_id, relay_node_id, transport_id, ip, port, profile, video_ssrc, audio_ssrc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      fresh.connection_id,
      fresh.relay_node_id,
      fresh.transport_id,
      fresh.ip,
      fresh.port,
      fresh.profile,
      fresh.video_ssrc,
      fresh.audio_ssrc,
    );
    return { ok: true, target: this.#target(input.roomId, fresh, false), replaced };
  }

  /** The node's grace period passed: the producers close, if that connection is still the current one. */
  end(connectionId: string): boolean {
    const row = this.#row();
    if (!row || row.connection_id !== connectionId) return false;
    this.#close(row);
    return true;
  }

  /** The stream key was rotated or revoked (or a WHIP encoder took over): the connection to close, if any. */
  endAll(): string | null {
    const row = this.#row();
    if (!row) return null;
    this.#close(row);
    return row.connection_id;
  }

  /** The node closed the plain transport: the ingest is over. */
  transportClosed(transportId: string): void {
    const row = this.#row();
    if (row?.transport_id !== transportId) return;
    this.sql.exec(`DELETE FROM rtmp_ingest`);
    this.ended([row.connection_id], 'connection_lost');
  }

  /** The origin was lost or the room ended (the producers are gone with the router). */
  dropAll(reason: 'node_lost' | 'room_ended'): void {
    const row = this.#row();
    if (!row) return;
    this.sql.exec(`DELETE FROM rtmp_ingest`);
    this.ended([row.connection_id], reason);
  }

  #target(roomId: string, row: RtmpRow, resumed: boolean): RtmpIngestTarget {
    return {
      roomId,
      ip: row.ip,
      port: row.port,
      video: { ssrc: row.video_ssrc, payloadType: VIDEO_PT },
      ...(row.audio_ssrc === null ? {} : { audio: { ssrc: row.audio_ssrc, payloadType: AUDIO_PT } }),
      resumed,
    };
  }

  #close(row: RtmpRow): void {
    this.sql.exec(`DELETE FROM rtmp_ingest`);
    this.#closeTransport(row.transport_id);
  }

  #closeTransport(transportId: string): void {
    this.media.dropTransport(transportId);
    this.media.notify('transport.close', { transportId }, null);
  }
}
