// One room on this node: the socket this node dialed to the room's RoomDO, and the room's router.
// RoomDO's requests map 1:1 onto the engine (NODE_REQUESTS in @roomcast/schema/protocol fleet.ts);
// closes of producers, consumers and transports go back as events, whatever caused them.
import WebSocket from 'ws';
import { decodeFrame, FLEET_PROTOCOL_VERSION, ProtocolError, MAX_NODE_FRAME_BYTES, MediaSlots, NODE_KEEPALIVE, NODE_KEEPALIVE_INTERVAL_MS, NODE_REQUESTS, RoomToNode, type MediaObjectKind, type NodeMethod, type NodeToRoom, type RtpCapabilities as RtpCapabilitiesWire } from '@roomcast/schema/protocol';
import { EngineError } from '../engine/errors.ts';
import type { Consumer, EngineWorker, PipeTransport, PlainTransport, Producer, Router, RtpCodecCapability, Transport, WebRtcTransport } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import { RoomEgress } from '../egress/room-egress.ts';
import { RoomRecordings, type RecordingSettings } from '../recording/room-recordings.ts';
import { PeerSilence } from './peer-silence.ts';
import { RouterSpread } from './router-spread.ts';

/**
 * What every room's router offers: Opus and VP8 (what every browser sends, VP8 first so browsers
 * keep choosing it), and H.264 packetization-mode 1 in the profiles browsers, OBS and ffmpeg send
 * (constrained baseline, main, high), so an H.264 source is forwarded without transcoding.
 */
export const ROOM_MEDIA_CODECS: RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: {} },
  ...['42e01f', '4d0032', '640032'].map((profileLevelId) => ({
    kind: 'video' as const,
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': profileLevelId, 'level-asymmetry-allowed': 1 },
  })),
];

/** Scores are batched and sent at most this often. */
const SCORES_EVERY_MS = 2_000;
const OPEN_TIMEOUT_MS = 10_000;

/** Who a transport (and everything on it) belongs to: the identity the room named when creating it. */
function ownerOf(transport: Transport): string {
  return String(transport.appData.owner ?? '');
}

/** Engine failures as the room protocol's error codes. */
function engineErrorCode(error: EngineError): 'not_found' | 'invalid_message' | 'unavailable' | 'internal' {
  switch (error.code) {
    case 'not_found':
      return 'not_found';
    case 'invalid_parameters':
    case 'cannot_consume':
    case 'unsupported':
    case 'invalid_state':
      return 'invalid_message';
    case 'limit_reached':
    case 'engine_unavailable':
      return 'unavailable';
  }
}

export interface RoomCounts {
  transports: number;
  producers: number;
  consumers: number;
}

export class RoomSession {
  readonly #transports = new Map<string, WebRtcTransport>();
  readonly #producers = new Map<string, Producer>();
  readonly #consumers = new Map<string, Consumer>();
  /** The router each WebRTC transport lives on (viewers may be on the room's other routers). */
  readonly #routerOf = new Map<string, Router>();
  readonly #spread: RouterSpread;
  /** Pipes to other nodes' routers of this room, and the pipe consumers feeding them. */
  readonly #pipes = new Map<string, PipeTransport>();
  /** Plain transports taking RTMP encoders' RTP (relayed by whichever node holds the connection). */
  readonly #plains = new Map<string, PlainTransport>();
  readonly #producerScores = new Map<string, number>();
  readonly #consumerScores = new Map<string, { score: number; producerScore: number }>();
  /** The node's own ceilings, by the owner the room names on each object: defence in depth behind the RoomDO's. */
  readonly #owners = new MediaSlots();
  /** Server recordings in progress. */
  readonly #recordings: RoomRecordings;
  /** HLS and multistream destinations (and their one encoder) of this room, when the room asked for them. */
  readonly #egress: RoomEgress;
  #scoreTimer: NodeJS.Timeout | undefined;
  /**
   * Tells the room this node is alive (a timer of its own, so only a stalled process goes quiet),
   * and closes the room when its socket carries nothing back for the peer-silence bound.
   */
  #silence: PeerSilence | undefined;
  #closed = false;

  private constructor(
    readonly roomId: string,
    /** The engine worker the room's router lives on. */
    readonly worker: EngineWorker,
    readonly router: Router,
    /** Where pipes to other nodes listen, and the address they announce. */
    private readonly listen: { ip: string; announcedAddress: string },
    private readonly socket: WebSocket,
    private readonly log: Logger,
    private readonly onClosed: (session: RoomSession) => void,
    spread: { workers: () => EngineWorker[]; viewersPerRouter: number },
    private readonly ingestDisconnectMs: number,
    recording: RecordingSettings,
  ) {
    this.#spread = new RouterSpread(router, worker, spread.workers, spread.viewersPerRouter, ROOM_MEDIA_CODECS, { roomId });
    this.#recordings = new RoomRecordings(router, recording, (frame) => this.#send(frame), log.child('recording'));
    this.#egress = new RoomEgress(router, recording.dir, (frame) => this.#send(frame), log.child('egress'));
  }

  /** Dials the room with its credential, creates the router, says node.ready. */
  static async open(options: {
    roomId: string;
    roomUrl: string;
    token: string;
    nodeId: string;
    listen: { ip: string; announcedAddress: string };
    worker: EngineWorker;
    /** The node's workers, least busy first, and how many viewers one router of the room takes before the room spreads to another worker. */
    spread: { workers: () => EngineWorker[]; viewersPerRouter: number };
    log: Logger;
    /** A WHIP encoder's transport not connected for this long is closed (default 15 s). */
    ingestDisconnectMs?: number;
    /** The room socket carried nothing for this long: the room is closed (default 10 s). */
    silentAfterMs?: number;
    onClosed: (session: RoomSession) => void;
    recording: RecordingSettings;
  }): Promise<RoomSession> {
    const { roomId, roomUrl, token, nodeId, worker, log } = options;
    const socket = new WebSocket(roomUrl, { headers: { authorization: `Bearer ${token}` }, handshakeTimeout: OPEN_TIMEOUT_MS, maxPayload: MAX_NODE_FRAME_BYTES });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`room refused the node: HTTP ${res.statusCode}`)));
    });
    let router: Router;
    try {
      router = await worker.createRouter({ mediaCodecs: ROOM_MEDIA_CODECS, appData: { roomId } });
    } catch (error) {
      socket.close(1011, 'router failed');
      throw error;
    }
    const session = new RoomSession(roomId, worker, router, options.listen, socket, log, options.onClosed, options.spread, options.ingestDisconnectMs ?? 15_000, options.recording);
    socket.on('message', (data) => {
      session.#silence?.heard();
      void session.#onMessage(data.toString());
    });
    socket.on('close', () => session.close('room socket closed'));
    socket.on('error', (error) => log.warn('room socket error', { roomId, error: String(error) }));
    router.on('workerclose', () => session.close('engine worker closed'));
    session.#send({ type: 'node.ready', protocol: FLEET_PROTOCOL_VERSION, nodeId, rtpCapabilities: router.rtpCapabilities as RtpCapabilitiesWire, keepaliveMs: NODE_KEEPALIVE_INTERVAL_MS });
    session.#silence = new PeerSilence({
      everyMs: NODE_KEEPALIVE_INTERVAL_MS,
      silentAfterMs: options.silentAfterMs ?? 10_000,
      sendKeepalive: () => session.#sendKeepalive(),
      onSilent: (silentForMs) => {
        log.warn('the room socket went silent; closing the room', { roomId, silentForMs });
        socket.terminate();
        session.close('room socket silent');
      },
    });
    session.#scoreTimer = setInterval(() => session.#flushScores(), SCORES_EVERY_MS);
    log.info('room opened', { roomId, routerId: router.id });
    return session;
  }

  /** The workers the room's routers run on (more than one when its viewers spread over workers). */
  get workersInUse(): EngineWorker[] {
    return this.#spread.workersInUse;
  }

  get counts(): RoomCounts {
    return { transports: this.#transports.size, producers: this.#producers.size, consumers: this.#consumers.size };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Transports, for bitrate totals. */
  transports(): WebRtcTransport[] {
    return [...this.#transports.values()];
  }

  /** Closes the router (and everything in it) and the room socket. Idempotent. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#scoreTimer);
    this.#silence?.stop();
    // The room is gone (or the node is leaving): what was uploaded stays in the store, and the
    // Worker completes it as a partial recording when it sees the node go.
    this.#recordings.close();
    this.#egress.close();
    this.#spread.close();
    this.router.close();
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000, reason.slice(0, 120));
    this.log.info('room closed', { roomId: this.roomId, reason });
    this.onClosed(this);
  }

  // ── Requests from the RoomDO ──────────────────────────────────────────────────

  async #onMessage(text: string): Promise<void> {
    const decoded = decodeFrame(RoomToNode, text, { maxBytes: MAX_NODE_FRAME_BYTES });
    if (!decoded.ok) return this.#send({ type: 'error', code: decoded.error.code, message: decoded.error.message });
    const message = decoded.message;
    if (message.type === 'error') return this.log.warn('room reported an error', { roomId: this.roomId, code: message.code, message: message.message });
    if (message.type === 'room.keepalive') return;
    const spec = NODE_REQUESTS[message.method];
    const data = spec.data.safeParse(message.data ?? {});
    if (!data.success) {
      return this.#send({ type: 'response', id: message.id, ok: false, error: { code: 'invalid_message', message: `${message.method}: ${data.error.issues[0]?.message ?? 'invalid'}` } });
    }
    try {
      const result = await this.#handle(message.method, data.data as never);
      this.#send({ type: 'response', id: message.id, ok: true, data: result ?? {} });
    } catch (error) {
      const code = error instanceof ProtocolError ? error.code : error instanceof EngineError ? engineErrorCode(error) : 'internal';
      const text = error instanceof Error ? error.message : String(error);
      if (!(error instanceof ProtocolError || error instanceof EngineError)) this.log.warn('request failed', { roomId: this.roomId, method: message.method, error: text });
      this.#send({ type: 'response', id: message.id, ok: false, error: { code, message: text } });
    }
  }

  async #handle(method: NodeMethod, data: Record<string, any>): Promise<unknown> {
    switch (method) {
      case 'router.capabilities':
        return { rtpCapabilities: this.router.rtpCapabilities };
      case 'transport.create': {
        // Sending goes to the main router; receiving to whichever of the room's routers has room.
        const seat = data.direction === 'recv' ? await this.#spread.routerForViewer() : { router: this.router, left: () => {} };
        let transport: WebRtcTransport;
        try {
          transport = await this.#owned('transport', data.owner, () =>
            seat.router.createWebRtcTransport({ enableUdp: true, enableTcp: true, preferUdp: true, appData: { owner: data.owner, direction: data.direction } }),
          );
        } catch (error) {
          seat.left();
          throw error;
        }
        this.#routerOf.set(transport.id, seat.router);
        transport.once('close', () => {
          seat.left();
          this.#routerOf.delete(transport.id);
        });
        this.#track(this.#transports, transport, () => this.#send({ type: 'transport.closed', transportId: transport.id }));
        if (String(data.owner).startsWith('ingest:')) this.#closeWhenGone(transport);
        return { id: transport.id, iceParameters: transport.iceParameters, iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters };
      }
      case 'transport.connect':
        await this.#transport(data.transportId).connect({ dtlsParameters: data.dtlsParameters });
        return {};
      case 'transport.restartIce':
        return { iceParameters: await this.#transport(data.transportId).restartIce() };
      case 'transport.close':
        this.#sendingTransport(data.transportId).close();
        return {};
      case 'plain.create': {
        const plain = await this.#owned('transport', data.owner, () =>
          this.router.createPlainTransport({
            listenInfo: { ip: this.listen.ip, announcedAddress: this.listen.announcedAddress },
            rtcpMux: true,
            comedia: true,
            appData: { owner: data.owner, direction: 'send', plain: true },
          }),
        );
        this.#track(this.#plains, plain, () => this.#send({ type: 'transport.closed', transportId: plain.id }));
        return { transportId: plain.id, ip: this.listen.announcedAddress, port: plain.tuple.localPort };
      }
      case 'transport.produce': {
        const transport = this.#sendingTransport(data.transportId);
        const producer = await this.#owned('producer', ownerOf(transport), () =>
          transport.produce({ kind: data.kind, rtpParameters: data.rtpParameters, paused: data.paused, appData: { identity: data.identity, source: data.source } }),
        );
        this.#track(this.#producers, producer, () => {
          this.#producerScores.delete(producer.id);
          this.#send({ type: 'producer.closed', producerId: producer.id });
        });
        producer.on('score', (scores) => this.#producerScores.set(producer.id, Math.min(...scores.map((s) => s.score), 10)));
        return { id: producer.id };
      }
      case 'transport.consume': {
        if (!this.router.canConsume({ producerId: data.producerId, rtpCapabilities: data.rtpCapabilities })) {
          throw new ProtocolError('invalid_message', 'These capabilities cannot receive that producer');
        }
        const transport = this.#transport(data.transportId);
        await this.#spread.ensureProducer(this.#routerOf.get(transport.id) ?? this.router, data.producerId);
        const consumer = await this.#owned('consumer', ownerOf(transport), () =>
          transport.consume({ producerId: data.producerId, rtpCapabilities: data.rtpCapabilities, paused: true }),
        );
        this.#track(this.#consumers, consumer, () => {
          this.#consumerScores.delete(consumer.id);
          this.#send({ type: 'consumer.closed', consumerId: consumer.id, producerId: consumer.producerId });
        });
        consumer.on('score', (s) => this.#consumerScores.set(consumer.id, { score: s.score, producerScore: s.producerScore }));
        return { id: consumer.id, producerId: consumer.producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters, type: consumer.type, producerPaused: consumer.producerPaused };
      }
      case 'producer.pause':
        return this.#producer(data.producerId).pause().then(() => ({}));
      case 'producer.resume':
        return this.#producer(data.producerId).resume().then(() => ({}));
      case 'producer.close':
        this.#producer(data.producerId).close();
        return {};
      case 'consumer.pause':
        return this.#consumer(data.consumerId).pause().then(() => ({}));
      case 'consumer.resume':
        return this.#consumer(data.consumerId).resume().then(() => ({}));
      case 'consumer.close':
        this.#consumer(data.consumerId).close();
        return {};
      case 'consumer.setPreferredLayers':
        return this.#consumer(data.consumerId)
          .setPreferredLayers({ spatialLayer: data.spatialLayer, temporalLayer: data.temporalLayer })
          .then(() => ({}));
      case 'pipe.create': {
        const pipe = await this.router.createPipeTransport({
          listenInfo: { ip: this.listen.ip, announcedAddress: this.listen.announcedAddress },
          enableSrtp: data.enableSrtp ?? false,
          appData: { pipe: true },
        });
        this.#track(this.#pipes, pipe, () => this.#send({ type: 'transport.closed', transportId: pipe.id }));
        const { srtpParameters } = pipe;
        return { pipeId: pipe.id, ip: pipe.tuple.localAddress, port: pipe.tuple.localPort, ...(srtpParameters ? { srtpParameters } : {}) };
      }
      case 'pipe.connect':
        await this.#pipe(data.pipeId).connect({ ip: data.ip, port: data.port, ...(data.srtpParameters ? { srtpParameters: data.srtpParameters } : {}) });
        return {};
      case 'pipe.consume': {
        const producer = this.#producer(data.producerId);
        const consumer = await this.#pipe(data.pipeId).consume({ producerId: producer.id, rtpCapabilities: {}, appData: { pipe: true } });
        // Pipe consumers are the room's, not a participant's: no owner slot, no scores.
        this.#track(this.#consumers, consumer, () => this.#send({ type: 'consumer.closed', consumerId: consumer.id, producerId: consumer.producerId }));
        const { identity, source } = producer.appData as { identity: string; source: string };
        return { consumerId: consumer.id, producerId: producer.id, kind: producer.kind, rtpParameters: consumer.rtpParameters, paused: producer.paused, identity, source };
      }
      case 'pipe.produce': {
        const producer = await this.#pipe(data.pipeId).produce({
          id: data.producerId,
          kind: data.kind,
          rtpParameters: data.rtpParameters,
          paused: data.paused,
          appData: { identity: data.identity, source: data.source, piped: true },
        });
        this.#track(this.#producers, producer, () => {
          this.#producerScores.delete(producer.id);
          this.#send({ type: 'producer.closed', producerId: producer.id });
        });
        return { id: producer.id };
      }
      case 'pipe.close':
        this.#pipe(data.pipeId).close();
        return {};
      case 'recording.start':
        return this.#recordings.start({ recordingId: data.recordingId, producers: (data.producerIds as string[]).map((id) => this.#producer(id)), partUrls: data.partUrls, posterUrl: data.posterUrl });
      case 'recording.urls':
        this.#recordings.addUrls(data.recordingId, data.partUrls);
        return {};
      case 'recording.stop':
        return this.#recordings.stop(data.recordingId);
      case 'hls.start':
        return this.#egress.startHls({
          hlsId: data.hlsId,
          producers: (data.producerIds as string[]).map((id) => this.#producer(id)),
          playlistUrl: data.playlistUrl,
          initUrl: data.initUrl,
          segmentUrls: data.segmentUrls,
        });
      case 'hls.urls':
        await this.#egress.addHlsUrls(data.hlsId, data.segmentUrls);
        return {};
      case 'hls.stop':
        return this.#egress.stopHls(data.hlsId);
      case 'rtmp.start':
        return this.#egress.startRtmp({ destinationId: data.destinationId, producers: (data.producerIds as string[]).map((id) => this.#producer(id)), url: data.url });
      case 'rtmp.stop':
        await this.#egress.stopRtmp(data.destinationId);
        return {};
      case 'router.close':
        // Answer first: closing also closes the socket the answer travels on.
        setImmediate(() => this.close('room ended'));
        return {};
    }
  }

  /**
   * An encoder's WebRTC transport that is not connected (not yet, or no longer: the engine marks
   * ICE disconnected after 30 s without consent checks) for ingestDisconnectMs is closed; the room
   * hears transport.closed and ends the WHIP session. DTLS failing closes it at once.
   */
  #closeWhenGone(transport: WebRtcTransport): void {
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (transport.closed) return;
        this.log.info('encoder transport gone: closing it', { roomId: this.roomId, transportId: transport.id, iceState: transport.iceState });
        transport.close();
      }, this.ingestDisconnectMs);
      timer.unref?.();
    };
    arm();
    transport.on('icestatechange', (state) => {
      if (state === 'connected' || state === 'completed') clearTimeout(timer);
      else arm();
    });
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' || state === 'closed') transport.close();
    });
    transport.once('close', () => clearTimeout(timer));
  }

  /** Creates an object holding one of its owner's slots until it closes; refused at the ceiling. */
  async #owned<T extends Transport | Producer | Consumer>(kind: MediaObjectKind, owner: string, create: () => Promise<T>): Promise<T> {
    const release = this.#owners.reserve(kind, owner);
    if (!release) throw new ProtocolError('rate_limited', `${owner} holds the most ${kind}s one participant may`);
    let object: T;
    try {
      object = await create();
    } catch (error) {
      release();
      throw error;
    }
    (object as unknown as { once(e: 'close', l: () => void): void }).once('close', release);
    return object;
  }

  #track<T extends Transport | Producer | Consumer>(map: Map<string, T>, object: T, onClose: () => void): void {
    map.set(object.id, object);
    (object as unknown as { once(e: 'close', l: () => void): void }).once('close', () => {
      map.delete(object.id);
      if (!this.#closed) onClose();
    });
  }

  #pipe(id: string): PipeTransport {
    const pipe = this.#pipes.get(id);
    if (!pipe) throw new ProtocolError('not_found', `No pipe ${id}`);
    return pipe;
  }

  /** A WebRTC transport or an RTMP encoder's plain transport: what producers are made on. */
  #sendingTransport(id: string): Transport {
    return this.#plains.get(id) ?? this.#transport(id);
  }

  #transport(id: string): WebRtcTransport {
    const t = this.#transports.get(id);
    if (!t) throw new ProtocolError('not_found', `No transport ${id}`);
    return t;
  }

  #producer(id: string): Producer {
    const p = this.#producers.get(id);
    if (!p) throw new ProtocolError('not_found', `No producer ${id}`);
    return p;
  }

  #consumer(id: string): Consumer {
    const c = this.#consumers.get(id);
    if (!c) throw new ProtocolError('not_found', `No consumer ${id}`);
    return c;
  }

  #flushScores(): void {
    if (this.#producerScores.size === 0 && this.#consumerScores.size === 0) return;
    const producers = [...this.#producerScores].map(([producerId, score]) => ({ producerId, score }));
    const consumers = [...this.#consumerScores].map(([consumerId, s]) => ({ consumerId, ...s }));
    this.#producerScores.clear();
    this.#consumerScores.clear();
    this.#send({ type: 'scores', ...(producers.length ? { producers } : {}), ...(consumers.length ? { consumers } : {}) });
  }

  #send(message: NodeToRoom): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** The exact text the room's runtime answers without waking the room (see NODE_KEEPALIVE). */
  #sendKeepalive(): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(NODE_KEEPALIVE);
  }
}
