// The room's half of media, composed of: the links to the nodes (node-link.ts), getting the room's
// origin node from FleetDO (placement.ts), edge nodes for viewers past the origin's share and the
// pipes that feed them (edges.ts), what a participant may ask (media-gate.ts) and the request
// handlers (media-requests.ts). This class wires them to the RoomDO's hooks, keeps the room's
// media objects in step with the nodes' events, and tells clients. When the origin is lost it
// places again (excluding the lost node) and tells clients to rebuild (`media.reset`); when an
// edge is lost only its viewers rebuild; chat and presence never notice. See
// schema/src/protocol/media.ts and fleet.ts.
import { CLOSE_CODES, type MediaState, type NodeMethod, type NodeRequestData, type NodeResult, type RequestFrame, type ServerMessage, ProtocolError } from '@roomcast/schema/protocol';
import type { Config } from '../../config.ts';
import type { Env } from '../../env.ts';
import { reopenDestination } from '../../egress/destination-url.ts';
import type { EgressFailure } from '../../egress/egress-webhooks.ts';
import { fleetStub } from '../../fleet/fleet-do.ts';
import { closeSocket, send, sendRaw, type Joined } from '../realtime/connection.ts';
import type { LiveSession } from './live-session.ts';
import { NOT_LIVE } from './live-session.ts';
import { MediaGate } from './media-gate.ts';
import { MediaRequests, type MediaServices } from './media-requests.ts';
import { MediaStore, toProducer } from './media-store.ts';
import { Edges } from './edges.ts';
import { IngestPublisher } from './ingest-publisher.ts';
import { IngestSessions } from './ingest-sessions.ts';
import { RtmpPublisher } from './rtmp-publisher.ts';
import { NodeLink, type NodeAttachment, type NodeEvent } from './node-link.ts';
import { Placement } from './placement.ts';
import { RoomHls } from './room-hls.ts';
import { RoomMultistream } from './room-multistream.ts';
import { RoomRecorder, type RecorderResult, type RecorderTarget } from './room-recorder.ts';

/** What the room hears of its egress (webhooks, the room's sockets). */
export interface EgressHooks {
  /** An HLS run failed or a multistream destination was given up (sessionId null: the room's current). */
  failed(failure: Omit<EgressFailure, 'roomId'>): void;
  /** A multistream destination started, stopped or changed state. */
  multistreamChanged(): void;
}

/** What the relay needs from the RoomDO. */
export interface MediaHost {
  roomId(): string | null;
  /** Joined client sockets. */
  clients(): Iterable<[WebSocket, Joined]>;
  /** One participant's joined sockets (an index, not a scan). */
  socketsOf(identity: string): WebSocket[];
  /** Someone is in the room (joined or within a resume window). */
  occupied(): boolean;
  /** Whether the room's session is live: media needs it (live-session.ts). */
  session: LiveSession;
  /** A studio guest is on stage (only then may they produce). */
  onStage(identity: string): boolean;
  /** Brings the room's alarm forward so it checks the nodes' liveness by `at` (checkNodes). */
  checkNodesBy(at: number): void;
}

export class MediaRelay {
  readonly #store: MediaStore;
  readonly #link: NodeLink;
  readonly #placement: Placement;
  readonly #requests: MediaRequests;
  readonly #edges: Edges;
  readonly #ingest: IngestPublisher;
  readonly #rtmp: RtmpPublisher;
  readonly #recorder: RoomRecorder;
  readonly #hls: RoomHls;
  readonly #multistream: RoomMultistream;
  /** Node sockets with a liveness probe in flight. */
  readonly #probing = new WeakSet<WebSocket>();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    roomConfig: Config,
    private readonly host: MediaHost,
    whipOffersPerMinute = 20,
    onIngestEnded: (sessionIds: string[], reason: string, protocol: 'whip' | 'rtmp') => void = () => {},
    /** A server recording ended without the recording routes (its node was lost). */
    onRecordingEnded: () => void = () => {},
    /** The HLS run changed state (starting, live, ended, failed). */
    onHlsChanged: () => void = () => {},
    egress: EgressHooks = { failed: () => {}, multistreamChanged: () => {} },
  ) {
    const config = roomConfig.fleet;
    this.#store = new MediaStore(ctx.storage.sql);
    this.#link = new NodeLink(ctx, config.secret, this.#store, {
      ready: (ws, att, rtpCapabilities) => {
        const bound = this.#link.liveness.boundFor(att);
        if (bound !== undefined) host.checkNodesBy(Date.now() + bound);
        if (att.role === 'edge') this.#edges.ready(att.nodeId);
        else this.#nodeReady(ws, att.nodeId, rtpCapabilities);
      },
      event: (message, from) => this.#nodeEvent(message, from),
    }, roomConfig.room.nodeSilenceMs);
    this.#edges = new Edges(env, config, this.#store, this.#link, {
      roomId: () => host.roomId(),
      originCall: (method, data) => this.#call(method, data, null),
      originNotify: (method, data) => this.#notify(method, data, null),
      sendTo: (identity, message) => this.#sendTo(identity, message),
    });
    this.#placement = new Placement(ctx, env, {
      roomId: () => host.roomId(),
      session: host.session,
      nodeSocket: () => this.#link.socket(),
      setState: (state, error) => this.#setState(state, error),
    });
    const services: MediaServices = {
      store: this.#store,
      gate: new MediaGate(this.#store, host.session, (identity) => host.onStage(identity)),
      ready: () => this.#placement.ready(),
      call: (method, data, nodeId) => this.#call(method, data, nodeId),
      notify: (method, data, nodeId) => this.#notify(method, data, nodeId),
      seatViewer: (identity, mayPublish) => this.#edges.seatViewer(identity, mayPublish),
      ensurePiped: (producerId, edgeNodeId) => this.#edges.ensurePiped(producerId, edgeNodeId),
      producerChanged: (producerId, change) => this.#edges.producerChanged(producerId, change),
      present: (identity) => host.socketsOf(identity).length > 0,
      broadcast: (message) => {
        this.#broadcast(message);
        // A publisher's track appeared (browser or WHIP): a recording waiting for media can start.
        if (message.type === 'media.producer_added') this.#startWaitingOutputs();
      },
      dropTransport: (id) => this.#dropTransport(id),
      dropProducer: (id) => this.#dropProducer(id),
    };
    this.#requests = new MediaRequests(services);
    this.#ingest = new IngestPublisher(services, new IngestSessions(ctx.storage.sql), whipOffersPerMinute, (ids, reason) => onIngestEnded(ids, reason, 'whip'));
    this.#recorder = new RoomRecorder(ctx, roomConfig, this.#link, this.#store, onRecordingEnded);
    this.#hls = new RoomHls(ctx, roomConfig, this.#link, this.#store, onHlsChanged, (run) =>
      egress.failed({ id: run.hlsId, kind: 'hls', sessionId: run.sessionId, destination: null, reason: run.reason }),
    );
    this.#multistream = new RoomMultistream(ctx, this.#link, this.#store, {
      reopen: (organizationId, destinationId) => reopenDestination(roomConfig, organizationId, host.roomId() ?? '', destinationId),
      failed: (output) => egress.failed({ id: output.destinationId, kind: 'rtmp', sessionId: null, destination: { name: output.name, platform: output.kind }, reason: output.reason ?? 'failed' }),
      changed: () => egress.multistreamChanged(),
    });
    this.#rtmp = new RtmpPublisher(ctx.storage.sql, services, (ids, reason) => onIngestEnded(ids, reason, 'rtmp'));
  }

  /** Encoders publishing over RTMP, relayed by a node (rtmp-publisher.ts). */
  get rtmp(): RtmpPublisher {
    return this.#rtmp;
  }

  /** An encoder (WHIP or RTMP) is publishing into the room: it keeps the room open like a host. */
  encoderActive(): boolean {
    return this.#ingest.active() || this.#rtmp.active();
  }

  /** Encoders publishing over WHIP (ingest-publisher.ts). */
  get ingest(): IngestPublisher {
    return this.#ingest;
  }

  /** Someone is in the room, or an encoder is publishing into it. */
  #occupied(): boolean {
    return this.host.occupied() || this.encoderActive();
  }

  // ── Hooks the RoomDO calls ────────────────────────────────────────────────────

  /** A server recording started: the origin node records the room's media (room-recorder.ts). */
  startRecorder(target: RecorderTarget): void {
    this.#recorder.begin(target);
  }

  /** Stops it: the node's report (or the parts it reported before it was lost); null when not held here. */
  stopRecorder(recordingId: string): Promise<RecorderResult | null> {
    return this.#recorder.stop(recordingId);
  }

  /** HLS egress of the room (room-hls.ts). */
  get hls(): RoomHls {
    return this.#hls;
  }

  /** Multistream destinations pushed by the origin node (room-multistream.ts). */
  get multistream(): RoomMultistream {
    return this.#multistream;
  }

  isNodeSocket(ws: WebSocket): boolean {
    return this.#link.isNodeSocket(ws);
  }

  /** `GET /api/v1/rooms/{room}/media-node`: the node placed here dials in. */
  acceptNode(request: Request, roomId: string): Promise<Response> {
    return this.#link.accept(request, roomId);
  }

  onNodeMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    this.#link.receive(ws, data, Date.now());
  }

  /**
   * The alarm, between sweeps too: a node (origin or edge) silent past its bound is lost, like one
   * whose socket closed. Returns when to look again; undefined when no node sends keepalives.
   */
  checkNodes(now: number): number | undefined {
    const { lost, nextCheckAt } = this.#link.liveness.check(this.#link.watched(), now);
    for (const ws of lost) {
      const att = ws.deserializeAttachment() as NodeAttachment | null;
      console.error(`media: ${att?.role ?? 'a'} node ${att?.nodeId ?? ''} went silent on the room socket; treating it as lost`);
      // Other rooms must not be placed on it while its fleet report still looks fresh.
      if (att) this.ctx.waitUntil(fleetStub(this.env).nodeSilent(att.nodeId).catch((e: unknown) => console.error('media: telling FleetDO of a silent node failed', e)));
      this.onNodeGone(ws);
    }
    // A loss may have dropped the only watched node, or an origin's loss every edge.
    return lost.length > 0 ? this.#link.liveness.check(this.#link.watched(), now).nextCheckAt : nextCheckAt;
  }

  /** After `welcome`: where media stands and what is being published; placement starts here. */
  onJoined(ws: WebSocket): void {
    if (!this.host.session.mayBeLive()) {
      send(ws, { type: 'media.status', state: 'unavailable', error: NOT_LIVE });
    } else if (!this.#link.socket() && !this.#placement.placing) {
      // Starting a placement broadcasts `placing` (to this client too) before its first await.
      this.#placement.start('placement');
    } else {
      this.#sendStatusTo(ws);
    }
    send(ws, { type: 'media.producers', producers: this.#store.producers() });
  }

  /** A `request` frame from a joined client: answered with exactly one `response`. */
  handleRequest(ws: WebSocket, att: Joined, frame: RequestFrame): Promise<void> {
    return this.#requests.handle(ws, att, frame);
  }

  /** Sent backstage: everything they publish closes on the node, and every viewer's copy with it. */
  closeProducersOf(identity: string): void {
    for (const producer of this.#store.producers()) {
      if (producer.identity !== identity) continue;
      this.#notify('producer.close', { producerId: producer.producerId }, null);
      this.#dropProducer(producer.producerId);
    }
  }

  /** A host muted a guest: their microphone pauses for everyone (they may unmute themselves). */
  async pauseMicrophoneOf(identity: string): Promise<void> {
    for (const producer of this.#store.producers()) {
      if (producer.identity !== identity || producer.kind !== 'audio' || producer.paused) continue;
      await this.#call('producer.pause', { producerId: producer.producerId }, null);
      this.#edges.producerChanged(producer.producerId, 'pause');
      this.#store.setPaused(producer.producerId, true);
      const row = this.#store.get(producer.producerId);
      if (row) this.#broadcast({ type: 'media.producer_updated', producer: toProducer(row) });
    }
  }

  /** The participant left for good: their transports (and with them producers, consumers) close. */
  onLeft(identity: string): void {
    for (const transport of this.#store.transportsOf(identity)) {
      this.#dropTransport(transport.id);
      this.#notify('transport.close', { transportId: transport.id }, transport.node_id);
    }
  }

  /**
   * The alarm: a room left without a node (no capacity earlier) tries again, and a node (origin
   * or edge) that stopped answering (a partition leaves its socket half-open) is treated as lost.
   */
  retry(): void {
    const origin = this.#link.socket();
    for (const node of [...(origin ? [origin] : []), ...this.#link.edgeSockets()]) this.#probe(node);
    if (!origin && this.#occupied() && !this.#placement.placing && this.host.session.mayBeLive()) {
      this.#placement.start('placement retry');
    }
    // An output's short start wait is an in-memory timer, gone if the object was evicted during
    // it: the sweep picks waiting outputs up again.
    this.#startWaitingOutputs();
  }

  /** Recording, HLS and destinations waiting for a node or a track start if they now can (no-op otherwise). */
  #startWaitingOutputs(): void {
    this.#recorder.maybeStart();
    this.#hls.maybeStart();
    this.#multistream.maybeRestart();
  }

  /** The outputs on that node's router are gone: a recording ends partial, HLS waits for its next leg, destinations for a restart. */
  #outputsLost(nodeId: string): void {
    this.#recorder.nodeLost(nodeId);
    this.#hls.nodeLost(nodeId);
    this.#multistream.nodeLost(nodeId);
  }

  /** Asks a node something cheap; one that does not answer in time is lost (origin or edge). */
  #probe(node: WebSocket): void {
    if (this.#probing.has(node)) return;
    this.#probing.add(node);
    this.ctx.waitUntil(
      this.#link
        .request(node, 'router.capabilities', {})
        .then(
          () => undefined,
          (error: unknown) => {
            if (!(error instanceof ProtocolError) || error.code !== 'unavailable') return;
            console.error('media: a node stopped answering; treating it as lost');
            this.onNodeGone(node);
          },
        )
        .finally(() => this.#probing.delete(node)),
    );
  }

  /** The room ended: the node closes the room's router, FleetDO forgets the assignment. */
  async endRoom(): Promise<void> {
    // First, while the router still has the media: the node ends the playlist and uploads the rest.
    await this.#hls.stop().catch((error: unknown) => console.error('media: stopping HLS at the end failed', error));
    this.#multistream.clear();
    this.#edges.dropAll();
    this.#ingest.dropAll('room_ended');
    this.#rtmp.dropAll('room_ended');
    const node = this.#link.socket();
    if (node) {
      this.#link.notify(node, 'router.close', {});
      this.#link.markClosing(node);
      closeSocket(node, CLOSE_CODES.normal, 'room ended');
    }
    this.#link.failAll(new ProtocolError('room_ended', 'The room has ended'));
    this.#store.clearNode();
    this.#store.setState('unavailable', null);
    await fleetStub(this.env)
      .releaseRoom(this.host.roomId() ?? '')
      .catch((e: unknown) => console.error('media: release failed', e));
  }

  /**
   * A node socket closed or failed. Unless the room closed it: an edge's viewers rebuild
   * elsewhere; the origin's loss is everyone's, and the room is placed again.
   */
  onNodeGone(ws: WebSocket): void {
    const att = this.#link.lose(ws);
    if (!att) return;
    if (att.role === 'edge') return this.#edges.lost(att.nodeId);
    this.#outputsLost(att.nodeId);
    this.#edges.dropAll();
    this.#ingest.dropAll('node_lost');
    this.#rtmp.dropAll('node_lost');
    this.#placement.nodeLost(att.nodeId);
    this.#link.failAll(new ProtocolError('unavailable', 'The media node was lost; rebuild after media.reset'));
    const hadMedia = att.ready;
    this.#store.clearNode();
    if (hadMedia) this.#broadcast({ type: 'media.reset', reason: 'node_lost' });
    this.#broadcast({ type: 'media.producers', producers: [] });
    if (this.#occupied()) this.#placement.start('re-placement');
    else this.#setState('unavailable', null);
  }

  // ── The node ──────────────────────────────────────────────────────────────────

  /** Asks the origin (null; waiting for it while placing) or an edge. */
  async #call<M extends NodeMethod>(method: M, data: NodeRequestData<M>, nodeId: string | null): Promise<NodeResult<M>> {
    if (nodeId !== null) return this.#edges.call(nodeId, method, data);
    return this.#link.request(await this.#placement.ready(), method, data);
  }

  #notify<M extends NodeMethod>(method: M, data: NodeRequestData<M>, nodeId: string | null): void {
    if (nodeId !== null) return this.#edges.notify(nodeId, method, data);
    const node = this.#link.socket();
    if (node) this.#link.notify(node, method, data);
  }

  #nodeReady(ws: WebSocket, nodeId: string, rtpCapabilities: unknown): void {
    // Every node socket comes with a fresh router: whatever the room still lists belonged to a
    // socket that was replaced without being lost (a reassignment), so clients rebuild.
    if (this.#store.hasObjects()) {
      // The outputs ran on the replaced router too: they go on here as after a loss.
      const replaced = this.#store.node.node_id;
      for (const id of new Set([replaced, nodeId])) if (id !== null) this.#outputsLost(id);
      this.#edges.dropAll();
      this.#store.clearNode();
      this.#broadcast({ type: 'media.reset', reason: 'node_changed' });
      this.#broadcast({ type: 'media.producers', producers: [] });
    }
    this.#store.setReady(nodeId, rtpCapabilities);
    this.#broadcast({ type: 'media.status', state: 'ready' });
    this.#placement.nodeReady(ws);
    this.#recorder.maybeStart();
    this.#hls.maybeStart();
    this.#multistream.nodeReady(nodeId);
  }

  #nodeEvent(message: NodeEvent, from: NodeAttachment): void {
    if (message.type === 'recording.part' || message.type === 'recording.urls_wanted' || message.type === 'recording.failed') {
      if (from.role !== 'edge') this.#recorder.event(message);
      return;
    }
    if (message.type === 'hls.live' || message.type === 'hls.urls_wanted' || message.type === 'hls.failed') {
      if (from.role !== 'edge') this.#hls.event(message);
      return;
    }
    if (message.type === 'rtmp.state') {
      if (from.role !== 'edge') this.#multistream.event(message, from.nodeId);
      return;
    }
    const pipes = from.role === 'edge' ? this.#edges.edgeEvent(from.nodeId, message) : this.#edges.originEvent(message);
    if (pipes === 'handled') return;
    switch (message.type) {
      case 'producer.closed':
        return this.#dropProducer(message.producerId);
      case 'consumer.closed': {
        const row = this.#store.remove(message.consumerId);
        if (row) this.#sendTo(row.identity, { type: 'media.consumer_closed', consumerId: row.id, producerId: message.producerId });
        return;
      }
      case 'transport.closed': {
        const row = this.#store.get(message.transportId);
        this.#ingest.transportClosed(message.transportId);
        this.#rtmp.transportClosed(message.transportId);
        this.#dropTransport(message.transportId);
        if (row) this.#sendTo(row.identity, { type: 'media.transport_closed', transportId: row.id });
        return;
      }
      case 'scores':
        return this.#relayScores(message);
    }
  }

  // ── Bookkeeping and fan-out ───────────────────────────────────────────────────

  #dropProducer(producerId: string): void {
    const row = this.#store.remove(producerId);
    if (row?.kind !== 'producer') return;
    this.#edges.producerChanged(producerId, 'close');
    this.#broadcast({ type: 'media.producer_closed', producerId });
  }

  /** Forgets a transport and what lived on it; its producers are announced as closed. */
  #dropTransport(transportId: string): void {
    for (const child of this.#store.onTransport(transportId)) {
      if (child.kind === 'producer') this.#dropProducer(child.id);
      else this.#store.remove(child.id);
    }
    this.#store.remove(transportId);
  }

  #relayScores(message: Extract<NodeEvent, { type: 'scores' }>): void {
    const byIdentity = new Map<string, Extract<ServerMessage, { type: 'media.scores' }>>();
    const entry = (identity: string) => {
      let e = byIdentity.get(identity);
      if (!e) byIdentity.set(identity, (e = { type: 'media.scores' }));
      return e;
    };
    for (const p of message.producers ?? []) {
      const row = this.#store.get(p.producerId);
      if (row?.kind === 'producer') (entry(row.identity).producers ??= []).push(p);
    }
    for (const c of message.consumers ?? []) {
      const row = this.#store.get(c.consumerId);
      if (row?.kind === 'consumer') (entry(row.identity).consumers ??= []).push(c);
    }
    for (const [identity, frame] of byIdentity) this.#sendTo(identity, frame);
  }

  #setState(state: MediaState, error: string | null): void {
    this.#store.setState(state, error);
    this.#broadcast(error ? { type: 'media.status', state, error } : { type: 'media.status', state });
  }

  #sendStatusTo(ws: WebSocket): void {
    const ready = this.#link.socket() !== undefined;
    const { state, error } = this.#store.node;
    const now: MediaState = ready ? 'ready' : state === 'ready' ? 'placing' : state;
    send(ws, error && now === 'unavailable' ? { type: 'media.status', state: now, error } : { type: 'media.status', state: now });
  }

  #broadcast(message: ServerMessage): void {
    const frame = JSON.stringify(message);
    for (const [ws] of this.host.clients()) sendRaw(ws, frame);
  }

  #sendTo(identity: string, message: ServerMessage): void {
    const frame = JSON.stringify(message);
    for (const ws of this.host.socketsOf(identity)) sendRaw(ws, frame);
  }
}
