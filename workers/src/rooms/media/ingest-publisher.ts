// Encoders publishing into the room over WHIP: the offer becomes a send transport on the origin
// node, connected with the offer's DTLS fingerprint, and one producer per track, exactly the
// objects the studio's mediasoup-client creates, so viewers cannot tell the two apart. The answer
// is built from the transport the node made. The newest encoder session wins: a second offer
// for the room replaces the first (OBS reconnecting must never be refused).
import { ProtocolError, type IceParameters, type RtpCapabilities } from '@roomcast/schema/protocol';
import { buildWhipAnswer, readWhipOffer, SdpError } from '../../ingest/whip-sdp.ts';
import { RateWindow } from '../realtime/rate-window.ts';
import type { IngestSessions } from './ingest-sessions.ts';
import type { MediaServices } from './media-requests.ts';
import { toProducer } from './media-store.ts';

/** The identity an encoder's producers carry: one per room, with the host's publish grant. */
export const ingestIdentity = (roomId: string) => `ingest:${roomId}`;

export type WhipResult =
  | { ok: true; answer: string; etag: string; replaced: string[]; replacedRtmp?: string | null }
  | { ok: false; status: 400 | 406 | 409 | 503; code: string; message: string; retryAfterSeconds?: number };

/** A PATCH: trickled candidates (nothing to do for an ICE-lite node), or an ICE restart's answer. */
export type PatchResult =
  | { ok: true; kind: 'trickle' }
  | { ok: true; kind: 'restart'; iceParameters: IceParameters; mids: string[]; etag: string }
  | { ok: false; status: 404 | 412 | 428 };

const etagOf = (ice: IceParameters) => `"${ice.usernameFragment}"`;

export class IngestPublisher {
  readonly #offers: RateWindow;

  constructor(
    private readonly media: MediaServices,
    private readonly sessions: IngestSessions,
    offersPerMinute: number,
    /** Sessions that ended on the node's side (ICE/DTLS gave up, node lost, room ended). */
    private readonly ended: (sessionIds: string[], reason: string) => void = () => {},
  ) {
    this.#offers = new RateWindow(offersPerMinute, 60_000);
  }

  /** Live encoder sessions keep the room (and its node) from being closed as empty. */
  active(): boolean {
    return this.sessions.count() > 0;
  }

  async offer(roomId: string, sessionId: string, offerSdp: string): Promise<WhipResult> {
    const wait = this.#offers.take(roomId, Date.now());
    if (wait > 0) return { ok: false, status: 503, code: 'overloaded', message: 'Too many WHIP sessions for this room; retry later', retryAfterSeconds: Math.ceil(wait / 1000) };
    try {
      await this.media.gate.requireLive();
      await this.media.ready();
    } catch (error) {
      if (error instanceof ProtocolError && error.code === 'room_not_live') return { ok: false, status: 409, code: 'room_not_live', message: error.message };
      return { ok: false, status: 503, code: 'media_unavailable', message: 'No media node is ready for this room; retry shortly', retryAfterSeconds: 5 };
    }
    const router = JSON.parse(this.media.store.node.rtp_capabilities ?? '{}') as RtpCapabilities;
    let offer;
    try {
      offer = readWhipOffer(offerSdp, router);
    } catch (error) {
      if (error instanceof SdpError) return { ok: false, status: error.status, code: error.code, message: error.message };
      throw error;
    }
    // Newest wins: whatever the room's encoder published before stops now.
    const replaced = this.sessions.all().map((s) => s.id);
    for (const id of replaced) this.end(id);

    const identity = ingestIdentity(roomId);
    const transport = await this.media.call('transport.create', { direction: 'send', owner: identity }, null);
    this.media.store.addTransport(transport.id, identity, 'send', null);
    try {
      await this.media.call('transport.connect', { transportId: transport.id, dtlsParameters: offer.dtlsParameters }, null);
      // Audio and video are produced side by side: the encoder waits for the answer meanwhile.
      await Promise.all(
        offer.tracks.map(async (track) => {
          const source = track.kind === 'audio' ? 'microphone' : 'camera';
          const produced = await this.media.call('transport.produce', { transportId: transport.id, kind: track.kind, rtpParameters: track.rtpParameters, identity, source }, null);
          this.media.store.addProducer(produced.id, identity, transport.id, track.kind, source, false);
          const row = this.media.store.get(produced.id);
          if (row) this.media.broadcast({ type: 'media.producer_added', producer: toProducer(row) });
        }),
      );
    } catch (error) {
      this.#closeTransport(transport.id);
      if (error instanceof ProtocolError && error.code === 'invalid_message') return { ok: false, status: 406, code: 'unsupported_media', message: error.message };
      throw error;
    }
    const etag = etagOf(transport.iceParameters);
    const mids = JSON.stringify(offer.tracks.map((t) => t.mid));
    this.sessions.add({ id: sessionId, identity, transport_id: transport.id, mids, client_ufrag: offer.iceUfrag, etag, created_at: Date.now() });
    return { ok: true, answer: buildWhipAnswer(offer, transport, sessionId), etag, replaced };
  }

  /** DELETE on the session URL, a revoked key, or a newer session: the producers close for viewers. */
  end(sessionId: string): boolean {
    const row = this.sessions.get(sessionId);
    if (!row) return false;
    this.sessions.remove(sessionId);
    this.#closeTransport(row.transport_id);
    return true;
  }

  /** Every encoder session ends (the stream key was rotated or revoked). */
  endAll(): string[] {
    const ids = this.sessions.all().map((s) => s.id);
    for (const id of ids) this.end(id);
    return ids;
  }

  /**
   * PATCH (RFC 9725 4.4): the encoder's ufrag unchanged means trickled candidates (If-Match, when
   * sent, must be the current ETag); a new ufrag is an ICE restart (If-Match: "*" required), and
   * the node's transport restarts ICE and answers its new credentials.
   */
  async patch(sessionId: string, clientUfrag: string, ifMatch: string | undefined): Promise<PatchResult> {
    const row = this.sessions.get(sessionId);
    if (!row) return { ok: false, status: 404 };
    if (clientUfrag === row.client_ufrag) {
      if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== row.etag) return { ok: false, status: 412 };
      return { ok: true, kind: 'trickle' };
    }
    if (ifMatch !== '*') return { ok: false, status: 428 };
    const { iceParameters } = await this.media.call('transport.restartIce', { transportId: row.transport_id }, null);
    const etag = etagOf(iceParameters);
    this.sessions.restarted(sessionId, clientUfrag, etag);
    return { ok: true, kind: 'restart', iceParameters, mids: JSON.parse(row.mids) as string[], etag };
  }

  /** The node closed the transport (ICE or DTLS gave up): the session is over. */
  transportClosed(transportId: string): void {
    const row = this.sessions.byTransport(transportId);
    if (!row) return;
    this.sessions.remove(row.id);
    this.ended([row.id], 'connection_lost');
  }

  /** The origin was lost or the room ended: the sessions are over (encoders must POST again). */
  dropAll(reason: 'node_lost' | 'room_ended'): void {
    const ids = this.sessions.all().map((s) => s.id);
    for (const id of ids) this.sessions.remove(id);
    this.ended(ids, reason);
  }

  #closeTransport(transportId: string): void {
    this.media.dropTransport(transportId);
    this.media.notify('transport.close', { transportId }, null);
  }
}
