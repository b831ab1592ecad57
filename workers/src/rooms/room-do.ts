// One RoomDO per room (named by the room id): the live hub for signaling, presence, chat, alerts,
// moderation and the room's media. Sockets are hibernatable (ctx.acceptWebSocket) and carry their
// state in the attachment; chat, alerts, presence, moderation and the usage outbox live in the
// object's SQLite, so eviction loses nothing but short-lived rate-limit windows. This class only
// routes the runtime's entry points to the room's pieces (realtime/live-room.ts).
import { CLOSE_CODES, ProtocolError } from '@roomcast/schema/protocol';
import type { RtmpOutputStatus } from '@roomcast/schema/api';
import { HOST_ROLES, type Role, type RoomRole } from '@roomcast/schema';
import type { ChatFile, ChatMessage } from '@roomcast/schema/protocol';
import type { Env } from '../env.ts';
import type { PatchResult, WhipResult } from './media/ingest-publisher.ts';
import type { RtmpStartInput, RtmpStartResult } from './media/rtmp-publisher.ts';
import { GuardedDurableObject } from '../platform/guarded-durable-object.ts';
import { clientFingerprint } from './client-fingerprint.ts';
import { asWebSocket } from './fanout/shard-sockets.ts';
import { pickShard, ROLE_HEADER, SHARD_HEADER } from './fanout/shard-link.ts';
import { receiveClientFrame } from './realtime/client-messages.ts';
import { mayDownloadChatFile, shareChatFile } from './realtime/chat-files.ts';
import { alarm, closeRoom } from './realtime/housekeeping.ts';
import { socketGone } from './realtime/leaving.ts';
import { LiveRoom } from './realtime/live-room.ts';
import { apiKeyRevoked, memberChanged, visibilityChanged } from './realtime/moderation-handlers.ts';
import { MAX_PENDING_PER_CLIENT, tooManyPending } from './realtime/pending-limit.ts';
import type { RoomVisibility } from './room-stub.ts';
import type { HlsView } from './media/room-hls.ts';
import type { DestinationStartInput } from './media/room-multistream.ts';
import type { RecorderResult, RecorderTarget } from './media/room-recorder.ts';

const SIGNAL_PATH = /^\/api\/v1\/rooms\/([^/]+)\/signal$/;
const MEDIA_NODE_PATH = /^\/api\/v1\/rooms\/([^/]+)\/media-node$/;

export class RoomDO extends GuardedDurableObject<Env> {
  readonly #room: LiveRoom;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#room = new LiveRoom(ctx, env);
    this.alarmRetryMs = this.#room.config.room.heartbeatMs;
  }

  /** The Worker forwards the signaling upgrade (room token checked) and the media node's dial-in here. */
  protected async onFetch(request: Request): Promise<Response> {
    const room = this.#room;
    const path = new URL(request.url).pathname;
    const node = MEDIA_NODE_PATH.exec(path);
    if (node) {
      if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
      const roomId = decodeURIComponent(node[1]!);
      room.state.bindRoom(roomId);
      return room.media.acceptNode(request, roomId);
    }
    const match = SIGNAL_PATH.exec(path);
    if (!match) return new Response('not found', { status: 404 });
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    const clientFp = await clientFingerprint(room.config.roomTokenSecret, request.headers.get('cf-connecting-ip'));
    if (tooManyPending(room.sockets.live().values(), clientFp, room.shards.pendingFrom(clientFp, Date.now()))) {
      const error = { code: 'rate_limited', message: `At most ${MAX_PENDING_PER_CLIENT} connections per client may wait for hello` };
      return Response.json({ error }, { status: 429 });
    }
    room.state.bindRoom(decodeURIComponent(match[1]!));
    // Small rooms keep every socket here, exactly as before; past the threshold new viewers go to
    // fan-out shards, so a room event costs this object one call per shard, not one send per
    // socket. Staff stay here: their sockets carry the room's per-person traffic (presence, media).
    // The Worker set the role header from the verified token and dials the shard we name.
    if (request.headers.get(ROLE_HEADER) === 'viewer' && room.sockets.ownCount() >= room.config.room.shardAfterSockets) {
      const now = Date.now();
      const shard = pickShard(room.shards.counts(now), room.config.room.shardSockets);
      room.shards.reserve(shard, now + room.config.room.heartbeatMs, clientFp);
      return new Response(null, { status: 204, headers: { [SHARD_HEADER]: String(shard) } });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const now = Date.now();
    room.sockets.set(server, { phase: 'pending', connectedAt: now, lastSeen: now, clientFp });
    await room.ensureAlarm(now + room.config.room.heartbeatMs);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Called by the REST `end` route after it closed the room session in Postgres. */
  async endRoom(): Promise<void> {
    await closeRoom(this.#room, 'ended');
  }

  /**
   * The WHIP endpoint (ingest/whip-routes.ts), after it checked the stream key and opened the
   * live session in Postgres: the encoder's offer becomes producers on the room's node.
   */
  async whipOffer(input: { roomId: string; organizationId: string; roomSessionId: string; sessionId: string; offer: string }): Promise<WhipResult> {
    const room = this.#room;
    room.state.bindRoom(input.roomId);
    room.state.bindOrganization(input.organizationId);
    if (room.state.meta.session_id !== input.roomSessionId) room.state.startSession(input.roomSessionId);
    const result = await room.media.ingest.offer(input.roomId, input.sessionId, input.offer);
    // Newest wins across protocols too: an RTMP encoder still publishing stops.
    if (result.ok) result.replacedRtmp = room.media.rtmp.endAll();
    return result;
  }

  /**
   * FleetDO, for the node holding an RTMP encoder's connection (after it checked the stream key and
   * opened the live session): the producers to relay its RTP to, new or resumed.
   */
  async rtmpStart(input: RtmpStartInput & { organizationId: string; roomSessionId: string }): Promise<RtmpStartResult & { replacedWhip?: string[] }> {
    const room = this.#room;
    room.state.bindRoom(input.roomId);
    room.state.bindOrganization(input.organizationId);
    if (room.state.meta.session_id !== input.roomSessionId) room.state.startSession(input.roomSessionId);
    const result = await room.media.rtmp.start(input);
    if (!result.ok || result.target.resumed) return result;
    return { ...result, replacedWhip: room.media.ingest.endAll() };
  }

  /** The RTMP connection's grace period passed without a republish; false when it is not the current one. */
  async rtmpEnded(connectionId: string): Promise<boolean> {
    return this.#room.media.rtmp.end(connectionId);
  }

  /** DELETE on a WHIP session URL; false when the session is not (or no longer) live. */
  async whipEnd(sessionId: string): Promise<boolean> {
    return this.#room.media.ingest.end(sessionId);
  }

  /** PATCH on a WHIP session URL: trickled candidates or an ICE restart. */
  async whipPatch(sessionId: string, clientUfrag: string, ifMatch: string | undefined): Promise<PatchResult> {
    return this.#room.media.ingest.patch(sessionId, clientUfrag, ifMatch);
  }

  /** The room's stream key was rotated or revoked: every encoder session ends now. */
  async ingestRevoked(): Promise<{ whip: string[]; rtmp: string | null }> {
    return { whip: this.#room.media.ingest.endAll(), rtmp: this.#room.media.rtmp.endAll() };
  }

  /** Called by the recording routes: a server recording started (or stopped: null); everyone sees it. */
  async recordingChanged(recording: { id: string; startedAt: string } | null): Promise<void> {
    const room = this.#room;
    room.state.setRecording(recording);
    room.sockets.broadcast({ type: 'room.updated', room: room.state.view() });
  }

  /**
   * Called by the recording routes once a recording's multipart upload is open: everyone sees the
   * REC badge, and the origin node records the room's media as soon as there is some.
   */
  async recordingStarted(recording: RecorderTarget & { startedAt: string; roomId: string }): Promise<void> {
    const room = this.#room;
    room.state.bindRoom(recording.roomId);
    room.state.bindOrganization(recording.organizationId);
    room.media.startRecorder(recording);
    await this.recordingChanged({ id: recording.recordingId, startedAt: recording.startedAt });
  }

  /**
   * Called by the recording routes (stop) and by a room session ending: the node uploads the rest
   * and reports the parts to complete; the REC badge goes. Null when this room does not hold it.
   */
  async stopRecorder(recordingId: string): Promise<RecorderResult | null> {
    const result = await this.#room.media.stopRecorder(recordingId);
    if (this.#room.state.recording?.id === recordingId) await this.recordingChanged(null);
    return result;
  }

  /** Called by the HLS routes: a new run encodes the room's media as soon as there is some. Null when one runs already. */
  async hlsStart(input: { roomId: string; organizationId: string; roomSessionId: string; hlsId: string; keyPrefix: string }): Promise<HlsView | null> {
    const room = this.#room;
    room.state.bindRoom(input.roomId);
    room.state.bindOrganization(input.organizationId);
    if (room.state.meta.session_id !== input.roomSessionId) room.state.startSession(input.roomSessionId);
    if (room.media.hls.running()) return null;
    const view = room.media.hls.begin(input.hlsId, input.keyPrefix, input.roomSessionId);
    room.sockets.broadcast({ type: 'room.updated', room: room.state.view() });
    return view;
  }

  /** Called by the room routes at a session's start and on a settings change while live: HLS starts by itself at `viewers` viewers (null: only on demand). */
  async hlsAuto(input: { roomId: string; organizationId: string; roomSessionId: string; viewers: number | null }): Promise<void> {
    const room = this.#room;
    room.state.bindRoom(input.roomId);
    room.state.bindOrganization(input.organizationId);
    if (room.state.meta.session_id !== input.roomSessionId) room.state.startSession(input.roomSessionId);
    room.media.hls.setAuto(input.roomSessionId, input.viewers);
    room.hlsAudience(room.presence.count() - room.presence.countRoles(HOST_ROLES));
  }

  /** Called by the HLS routes: the playlist ends (#EXT-X-ENDLIST) and the run stays as a VOD. */
  async hlsStop(): Promise<HlsView | null> {
    return this.#room.media.hls.stop();
  }

  /**
   * Called by the multistream routes: the origin node pushes the room's output to this destination
   * (the URL carries the opened stream key; it goes to the node and is not stored). `unavailable`
   * when the room has no node or nothing published yet.
   */
  async multistreamStart(input: DestinationStartInput & { roomId: string; organizationId: string }): Promise<{ ok: true; output: RtmpOutputStatus } | { ok: false; message: string }> {
    const room = this.#room;
    room.state.bindRoom(input.roomId);
    room.state.bindOrganization(input.organizationId);
    try {
      return { ok: true, output: room.media.multistream.start(input) };
    } catch (error) {
      if (error instanceof ProtocolError) return { ok: false, message: error.message };
      throw error;
    }
  }

  /** Called by the multistream routes: stops this destination only. False when it was not started here. */
  async multistreamStop(destinationId: string): Promise<boolean> {
    return this.#room.media.multistream.stop(destinationId);
  }

  /** Called by the multistream routes: every destination started in the room and its state. */
  async multistreamView(): Promise<RtmpOutputStatus[]> {
    return this.#room.media.multistream.view();
  }

  /** Called by the /hls serving route: which run's files to serve. */
  async hlsInfo(): Promise<{ hls: HlsView; keyPrefix: string; legs: number } | null> {
    const hls = this.#room.media.hls.view();
    const files = this.#room.media.hls.files();
    return hls && files ? { hls, ...files } : null;
  }

  /** Called by the room file routes (file and author already checked): the chat message, or null when the author is not in the room. */
  async shareFile(author: { identity: string; name: string; role: RoomRole }, file: ChatFile, text: string): Promise<ChatMessage | null> {
    return shareChatFile(this.#room, author, file, text, Date.now());
  }

  /** Called by the room file routes: may this participant download this file now. */
  async mayDownloadFile(identity: string, fileId: string): Promise<boolean> {
    return mayDownloadChatFile(this.#room, identity, fileId);
  }

  /** Called by the API key routes: the participants a revoked key minted leave. */
  async apiKeyRevoked(apiKeyId: string): Promise<void> {
    apiKeyRevoked(this.#room, apiKeyId);
  }

  /** Called by the room update: a room that is no longer public lets no guest stay or join. */
  async visibilityChanged(visibility: RoomVisibility): Promise<void> {
    visibilityChanged(this.#room, visibility);
  }

  /** The operator metrics (GET /api/v1/admin/metrics): who is in the room, by role; no names or ids. */
  async operatorStats(): Promise<{ participants: number; viewers: number }> {
    const participants = this.#room.presence.count();
    return { participants, viewers: this.#room.presence.countRoles(['viewer']) };
  }

  /** Called by the member routes: a member's role changed (null: removed); they join again. */
  async memberChanged(userId: string, role: Role | null): Promise<void> {
    memberChanged(this.#room, userId, role);
  }

  /**
   * A frame from a viewer's socket on fan-out shard `shard` (already decoded once there, and not a
   * ping). It goes through the same handlers as frames on this object's own sockets; a socket the
   * room does not know yet is registered when its first frame (its hello) arrives.
   */
  async shardFrame(shard: number, socketId: string, clientFp: string | undefined, frame: string, pending: boolean): Promise<void> {
    const room = this.#room;
    const socket = asWebSocket(room.shards.socket(socketId, shard));
    if (!room.sockets.live().has(socket)) {
      // A frame that was on its way while the room closed the socket: the shard closes it anyway.
      if (!pending) return;
      const now = Date.now();
      room.shards.arrived(shard, clientFp);
      room.sockets.set(socket, { phase: 'pending', connectedAt: now, lastSeen: now, clientFp });
    }
    await receiveClientFrame(room, socket, frame);
  }

  /** A shard's socket closed (by its client, or reaped by the shard). */
  async shardSocketGone(shard: number, socketId: string, code: number, reason: string): Promise<void> {
    const room = this.#room;
    const socket = asWebSocket(room.shards.socket(socketId, shard));
    if (!room.sockets.live().has(socket)) return;
    await socketGone(room, socket, code === CLOSE_CODES.normal && reason === 'leave' ? 'left' : 'dropped');
  }

  protected async onMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    // A client's socket is in the registry: only other frames pay for reading the attachment.
    if (!this.#room.sockets.live().has(ws) && this.#room.media.isNodeSocket(ws)) return this.#room.media.onNodeMessage(ws, data);
    await receiveClientFrame(this.#room, ws, data);
  }

  protected async onClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (this.#room.media.isNodeSocket(ws)) return this.#room.media.onNodeGone(ws);
    await socketGone(this.#room, ws, code === CLOSE_CODES.normal && reason === 'leave' ? 'left' : 'dropped');
  }

  /** Checks the media nodes' liveness; reaps silent sockets, ends expired resume windows, closes a room left empty, retries usage. */
  protected async onAlarm(): Promise<void> {
    await alarm(this.#room, Date.now());
  }
}
