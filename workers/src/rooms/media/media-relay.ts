// The room's half of media: it gets the room a media node from FleetDO, accepts that node's
// socket, relays clients' media requests to it (with ids and timeouts, after checking grants and
// ownership), announces the room's producers, and relays the node's events back. When the node
// is lost it asks FleetDO again (excluding the lost node) and tells clients to rebuild
// (`media.reset`); chat and presence never notice. See schema/src/protocol/media.ts and fleet.ts.
import {
  CLOSE_CODES,
  decodeFrame,
  FLEET_PROTOCOL_VERSION,
  MAX_MEDIA_REQUESTS_IN_FLIGHT,
  MAX_NODE_FRAME_BYTES,
  MEDIA_REQUEST_TIMEOUT_MS,
  MediaSlots,
  mediaSlotLimit,
  NODE_REQUESTS,
  PendingRequests,
  NodeToRoom,
  isMediaMethod,
  parseMediaRequest,
  type ErrorCode,
  type MediaObjectKind,
  type MediaRequest,
  type MediaState,
  type NodeMethod,
  type NodeRequestData,
  type NodeResult,
  type RequestFrame,
  type RoomToNode,
  type ServerMessage,
} from '@roomcast/schema/protocol';
import type { FleetConfig } from '../../config.ts';
import { fleetStub } from '../../fleet/fleet-do.ts';
import { bearerOf, verifyRoomNodeToken } from '../../fleet/fleet-token.ts';
import type { Env } from '../../env.ts';
import { closeSocket, send, sendRaw, type Joined } from '../realtime/connection.ts';
import { hasGrant } from '../realtime/moderation.ts';
import { RateWindow } from '../realtime/rate-window.ts';
import type { LiveSession } from './live-session.ts';
import { MediaStore, toProducer } from './media-store.ts';

export const MEDIA_NODE_TAG = 'media-node';

/** Node methods that create an object: a late answer (after our timeout) leaves it unowned, so it is closed. */
type Creating = 'transport.create' | 'transport.produce' | 'transport.consume';
const CREATING: ReadonlySet<NodeMethod> = new Set<Creating>(['transport.create', 'transport.produce', 'transport.consume']);
/** Timed-out creating requests remembered for their late answers; the oldest are forgotten first. */
const MAX_ABANDONED = 256;

export interface NodeAttachment {
  media: 'node';
  nodeId: string;
  ready: boolean;
  /** The room closed it on purpose (room ended, replaced): its close is not a loss. */
  closing: boolean;
}

/** What the relay needs from the RoomDO. */
export interface MediaHost {
  roomId(): string | null;
  /** Joined client sockets. */
  clients(): Iterable<[WebSocket, Joined]>;
  /** Someone is in the room (joined or within a resume window). */
  occupied(): boolean;
  /** Whether the room's session is live: media needs it (live-session.ts). */
  session: LiveSession;
}

class MediaFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

interface Waiter {
  resolve(ws: WebSocket): void;
  reject(error: MediaFailure): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Publishing changes (produce, close a producer, pause or resume one) are announced to every
 * socket: per identity at most this many per window, so a publisher cannot turn the room into an
 * amplifier. A person toggles camera and microphone a few times, not dozens.
 */
export const PUBLISH_CHANGES = { limit: 20, windowMs: 10_000 } as const;

/** The `media.status` error while the room has no live session (live-session.ts). */
const NOT_LIVE = 'room_not_live';

export function isNodeAttachment(att: unknown): att is NodeAttachment {
  return typeof att === 'object' && att !== null && (att as { media?: unknown }).media === 'node';
}

export class MediaRelay {
  readonly #store: MediaStore;
  /**
   * Requests to the node waiting for answers. Ids carry a per-instance prefix, so a late answer
   * from the node to a request made before this object was evicted cannot match a new request.
   */
  readonly #requests = new PendingRequests(`r-${crypto.randomUUID().slice(0, 8)}-`);
  readonly #waiters = new Set<Waiter>();
  /** A placement is in flight (FleetDO asked, node not ready yet). */
  #placing = false;
  #placingTimer: ReturnType<typeof setTimeout> | undefined;
  /** The node lost last, never chosen again by this room's next placement. */
  #lostNode: string | undefined;
  /** A liveness probe of the node is in flight. */
  #probing = false;
  /** Node sockets whose loss was handled (their attachment may no longer be writable). */
  readonly #gone = new WeakSet<WebSocket>();
  /** Per-participant ceilings: objects on the node and requests waiting for answers. */
  /** Creating requests that timed out, by request id: their late answers' objects are closed. */
  readonly #abandoned = new Map<string, Creating>();
  readonly #slots = new MediaSlots();
  readonly #publishChanges = new RateWindow(PUBLISH_CHANGES.limit, PUBLISH_CHANGES.windowMs);

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly config: FleetConfig,
    private readonly host: MediaHost,
  ) {
    this.#store = new MediaStore(ctx.storage.sql);
  }

  // ── Hooks the RoomDO calls ────────────────────────────────────────────────────

  isNodeSocket(ws: WebSocket): boolean {
    return isNodeAttachment(ws.deserializeAttachment());
  }

  /** After `welcome`: where media stands and what is being published; placement starts here. */
  onJoined(ws: WebSocket): void {
    if (!this.host.session.mayBeLive()) {
      send(ws, { type: 'media.status', state: 'unavailable', error: NOT_LIVE });
    } else if (!this.#nodeSocket() && !this.#placing) {
      // Starting a placement broadcasts `placing` (to this client too) before its first await.
      this.ctx.waitUntil(this.#place().catch((e: unknown) => console.error('media: placement failed', e)));
    } else {
      this.#sendStatusTo(ws);
    }
    send(ws, { type: 'media.producers', producers: this.#store.producers() });
  }

  /** The participant left for good: their transports (and with them producers, consumers) close. */
  onLeft(identity: string): void {
    const node = this.#nodeSocket();
    for (const transport of this.#store.transportsOf(identity)) {
      this.#dropTransport(transport.id);
      if (node) this.#fireAndForget(node, 'transport.close', { transportId: transport.id });
    }
  }

  /**
   * The alarm: a room left without a node (no capacity earlier) tries again, and a node that
   * stopped answering (a partition leaves its socket half-open) is treated as lost.
   */
  retry(): void {
    const node = this.#nodeSocket();
    if (node && !this.#probing) {
      this.#probing = true;
      this.ctx.waitUntil(
        this.#call('router.capabilities', {})
          .catch((error: unknown) => {
            if (!(error instanceof MediaFailure) || error.code !== 'unavailable' || this.#nodeSocket() !== node) return;
            console.error('media: node stopped answering; treating it as lost');
            this.onNodeGone(node);
          })
          .finally(() => (this.#probing = false)),
      );
    } else if (!node && this.host.occupied() && !this.#placing && this.host.session.mayBeLive()) {
      this.ctx.waitUntil(this.#place().catch((e: unknown) => console.error('media: placement retry failed', e)));
    }
  }

  /** The room ended: the node closes the room's router, FleetDO forgets the assignment. */
  async endRoom(): Promise<void> {
    const node = this.#nodeSocket();
    if (node) {
      this.#fireAndForget(node, 'router.close', {});
      this.#markClosing(node);
      closeSocket(node, CLOSE_CODES.normal, 'room ended');
    }
    this.#failAll(new MediaFailure('room_ended', 'The room has ended'));
    this.#store.clearNode();
    this.#store.setState('unavailable', null);
    await fleetStub(this.env)
      .releaseRoom(this.host.roomId() ?? '')
      .catch((e: unknown) => console.error('media: release failed', e));
  }

  // ── The node socket ───────────────────────────────────────────────────────────

  /** `GET /api/v1/rooms/{room}/media-node`, credential checked again here. */
  async acceptNode(request: Request, roomId: string): Promise<Response> {
    const token = bearerOf(request);
    let nodeId: string;
    try {
      if (!token) throw new Error('no token');
      const verified = await verifyRoomNodeToken(this.config.secret, token, roomId);
      // Single use: a socket opened with it replaces the room's node below, so a replayed (leaked,
      // logged, or a released node's old) credential must not be able to take the room's media.
      if (!this.#store.useCredential(verified.jti, verified.expiresAt, Date.now())) throw new Error('credential already used');
      nodeId = verified.nodeId;
    } catch {
      return Response.json(
        { error: { code: 'invalid_room_node_token', message: 'The room-node credential is invalid, expired, already used or for another room' } },
        { status: 401 },
      );
    }
    // The newest assignment wins: an older node socket (a previous placement) is let go.
    for (const old of this.ctx.getWebSockets(MEDIA_NODE_TAG)) {
      this.#markClosing(old);
      closeSocket(old, CLOSE_CODES.replaced, 'another node took the room');
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [MEDIA_NODE_TAG]);
    server.serializeAttachment({ media: 'node', nodeId, ready: false, closing: false } satisfies NodeAttachment);
    return new Response(null, { status: 101, webSocket: client });
  }

  onNodeMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    const att = ws.deserializeAttachment() as NodeAttachment;
    const decoded = decodeFrame(NodeToRoom, data, { binary: 'utf8', maxBytes: MAX_NODE_FRAME_BYTES });
    if (!decoded.ok) return sendToNode(ws, { type: 'error', code: decoded.error.code, message: decoded.error.message });
    const message = decoded.message;
    if (att.closing) return;
    if (!att.ready) {
      if (message.type !== 'node.ready') return sendToNode(ws, { type: 'error', code: 'hello_required', message: 'Send node.ready first' });
      if (message.protocol !== FLEET_PROTOCOL_VERSION || message.nodeId !== att.nodeId) {
        sendToNode(ws, { type: 'error', code: 'unsupported_protocol', message: 'Wrong protocol or node id' });
        this.#markClosing(ws);
        return closeSocket(ws, CLOSE_CODES.policy, 'unsupported_protocol');
      }
      return this.#nodeReady(ws, att, message.rtpCapabilities);
    }
    switch (message.type) {
      case 'node.ready':
        return;
      case 'response': {
        const outcome = message.ok
          ? { ok: true as const, data: message.data }
          : { ok: false as const, error: new MediaFailure(message.error?.code ?? 'internal', message.error?.message ?? 'The media node refused') };
        if (!this.#requests.settle(message.id, outcome)) this.#closeAbandoned(ws, message);
        return;
      }
      case 'producer.closed':
        return this.#dropProducer(message.producerId);
      case 'consumer.closed': {
        const row = this.#store.remove(message.consumerId);
        if (row) this.#sendTo(row.identity, { type: 'media.consumer_closed', consumerId: row.id, producerId: message.producerId });
        return;
      }
      case 'transport.closed': {
        const row = this.#store.get(message.transportId);
        this.#dropTransport(message.transportId);
        if (row) this.#sendTo(row.identity, { type: 'media.transport_closed', transportId: row.id });
        return;
      }
      case 'scores':
        return this.#relayScores(message);
      case 'error':
        console.error('media: node reported', message.code, message.message);
        return;
    }
  }

  /** The node socket closed or failed. Unless the room closed it, media is lost: re-place. */
  onNodeGone(ws: WebSocket): void {
    const att = ws.deserializeAttachment() as NodeAttachment | null;
    // Handled once: the close event of a socket the room itself gave up on (probe) changes nothing.
    const first = att !== null && !att.closing && !this.#gone.has(ws);
    this.#gone.add(ws);
    this.#markClosing(ws);
    closeSocket(ws);
    if (!first) return;
    this.#lostNode = att.nodeId;
    this.#failAll(new MediaFailure('unavailable', 'The media node was lost; rebuild after media.reset'));
    const hadMedia = att.ready;
    this.#store.clearNode();
    if (hadMedia) this.#broadcast({ type: 'media.reset', reason: 'node_lost' });
    this.#broadcast({ type: 'media.producers', producers: [] });
    if (this.host.occupied()) {
      this.ctx.waitUntil(this.#place().catch((e: unknown) => console.error('media: re-placement failed', e)));
    } else {
      this.#setState('unavailable', null);
    }
  }

  // ── Client requests ───────────────────────────────────────────────────────────

  /** A `request` frame from a joined client: answered with exactly one `response`. */
  async handleRequest(ws: WebSocket, att: Joined, frame: RequestFrame): Promise<void> {
    // Per participant, not per socket: a reconnect must not open a fresh allowance while the
    // old socket's requests still wait on the node.
    const release = this.#slots.reserve('request', att.identity);
    if (!release) {
      const message = `At most ${MAX_MEDIA_REQUESTS_IN_FLIGHT} media requests may wait for answers at once`;
      return send(ws, { type: 'response', id: frame.id, ok: false, error: { code: 'rate_limited', message } });
    }
    try {
      if (!isMediaMethod(frame.method)) throw new MediaFailure('not_found', `Unknown method "${frame.method}"`);
      const parsed = parseMediaRequest(frame.method, frame.data);
      if (!parsed.ok) throw new MediaFailure('invalid_message', parsed.message);
      const data = await this.#serve(att, parsed.request);
      send(ws, { type: 'response', id: frame.id, ok: true, data });
    } catch (error) {
      const failure = error instanceof MediaFailure ? error : new MediaFailure('internal', 'The media request failed');
      if (!(error instanceof MediaFailure)) console.error('media: request failed', error);
      send(ws, { type: 'response', id: frame.id, ok: false, error: { code: failure.code, message: failure.message } });
    } finally {
      release();
    }
  }

  async #serve(att: Joined, request: MediaRequest): Promise<unknown> {
    const me = att.identity;
    if (request.method === 'media.producers') return { producers: this.#store.producers() };
    const live = await this.host.session.isLive().catch(() => {
      throw new MediaFailure('unavailable', 'Could not check that the room is live; retry');
    });
    if (!live) throw new MediaFailure('room_not_live', 'Media starts when the room goes live');
    switch (request.method) {
      case 'media.capabilities': {
        await this.#ready();
        return { routerRtpCapabilities: JSON.parse(this.#store.node.rtp_capabilities ?? '{}') as unknown };
      }
      case 'media.createTransport': {
        if (request.data.direction === 'send') this.#requirePublish(att);
        return this.#holding('transport', me, async () => {
          const created = await this.#call('transport.create', { direction: request.data.direction, owner: me });
          // Left (or kicked) while the node was creating it: onLeft could not close what the room
          // did not know yet, so it would live on the node until the room ends. Close it now.
          if (![...this.host.clients()].some(([, a]) => a.identity === me)) {
            const node = this.#nodeSocket();
            if (node) this.#fireAndForget(node, 'transport.close', { transportId: created.id });
            throw new MediaFailure('not_found', 'You left the room before the transport was ready');
          }
          this.#store.addTransport(created.id, me, request.data.direction);
          return created;
        });
      }
      case 'media.connectTransport': {
        this.#ownTransport(request.data.transportId, me);
        return this.#call('transport.connect', request.data);
      }
      case 'media.restartIce': {
        this.#ownTransport(request.data.transportId, me);
        return this.#call('transport.restartIce', request.data);
      }
      case 'media.closeTransport': {
        this.#ownTransport(request.data.transportId, me);
        await this.#call('transport.close', request.data);
        this.#dropTransport(request.data.transportId);
        return {};
      }
      case 'media.produce': {
        this.#requirePublish(att);
        const transport = this.#ownTransport(request.data.transportId, me);
        if (transport.direction !== 'send') throw new MediaFailure('invalid_message', 'Produce on a send transport');
        this.#spendPublishChange(me);
        return this.#holding('producer', me, async () => {
          const { transportId, kind, rtpParameters, source, paused } = request.data;
          const produced = await this.#call('transport.produce', { transportId, kind, rtpParameters, paused, identity: me, source });
          this.#store.addProducer(produced.id, me, transportId, kind, source, paused ?? false);
          const row = this.#store.get(produced.id);
          if (row) this.#broadcast({ type: 'media.producer_added', producer: toProducer(row) });
          return produced;
        });
      }
      case 'media.consume': {
        const transport = this.#ownTransport(request.data.transportId, me);
        if (transport.direction !== 'recv') throw new MediaFailure('invalid_message', 'Consume on a recv transport');
        const producer = this.#store.get(request.data.producerId);
        if (producer?.kind !== 'producer') throw new MediaFailure('not_found', `No producer ${request.data.producerId} in this room`);
        return this.#holding('consumer', me, async () => {
          const consumed = await this.#call('transport.consume', request.data);
          this.#store.addConsumer(consumed.id, me, request.data.transportId, producer.id, consumed.kind);
          return consumed;
        });
      }
      case 'media.pause':
      case 'media.resume': {
        const action = request.method === 'media.pause' ? 'pause' : 'resume';
        if ('consumerId' in request.data) {
          this.#own('consumer', request.data.consumerId, me);
          return this.#call(`consumer.${action}`, { consumerId: request.data.consumerId });
        }
        const producerId = request.data.producerId;
        // Muting a muted producer changes nothing: no node call, and no frame to every socket.
        if ((this.#own('producer', producerId, me).paused === 1) === (action === 'pause')) return {};
        this.#spendPublishChange(me);
        await this.#call(`producer.${action}`, { producerId });
        this.#store.setPaused(producerId, action === 'pause');
        const row = this.#store.get(producerId);
        if (row) this.#broadcast({ type: 'media.producer_updated', producer: toProducer(row) });
        return {};
      }
      case 'media.setPreferredLayers': {
        this.#own('consumer', request.data.consumerId, me);
        return this.#call('consumer.setPreferredLayers', request.data);
      }
      case 'media.closeProducer': {
        this.#own('producer', request.data.producerId, me);
        this.#spendPublishChange(me);
        await this.#call('producer.close', request.data);
        this.#dropProducer(request.data.producerId);
        return {};
      }
      case 'media.closeConsumer': {
        this.#own('consumer', request.data.consumerId, me);
        await this.#call('consumer.close', request.data);
        this.#store.remove(request.data.consumerId);
        return {};
      }
    }
  }

  #spendPublishChange(identity: string): void {
    const wait = this.#publishChanges.take(identity, Date.now());
    if (wait > 0) {
      const { limit, windowMs } = PUBLISH_CHANGES;
      throw new MediaFailure('rate_limited', `At most ${limit} publishing changes per ${windowMs / 1000} s; wait ${Math.ceil(wait / 1000)} s`);
    }
  }

  #requirePublish(att: Joined): void {
    if (!hasGrant(att.role, 'publish')) throw new MediaFailure('forbidden', 'Your role may watch but not publish');
  }

  /**
   * Runs `create` holding one slot of `kind` for the participant, taken before the node is asked
   * (refused at the ceiling) and given back once `create` recorded the object or failed.
   */
  async #holding<T>(kind: MediaObjectKind, identity: string, create: () => Promise<T>): Promise<T> {
    const release = this.#slots.reserve(kind, identity, this.#store.countOwned(kind, identity));
    if (!release) throw new MediaFailure('rate_limited', `At most ${mediaSlotLimit(kind)} ${kind}s per participant; close one first`);
    try {
      return await create();
    } finally {
      release();
    }
  }

  #own(kind: 'transport' | 'producer' | 'consumer', id: string, identity: string) {
    const row = this.#store.owned(kind, id, identity);
    // Someone else's object answers exactly like a missing one.
    if (!row) throw new MediaFailure('not_found', `No ${kind} ${id} of yours`);
    return row;
  }

  #ownTransport(id: string, identity: string) {
    return this.#own('transport', id, identity);
  }

  // ── Talking to the node ───────────────────────────────────────────────────────

  async #call<M extends NodeMethod>(method: M, data: NodeRequestData<M>): Promise<NodeResult<M>> {
    const node = await this.#ready();
    const id = this.#requests.nextId();
    const answer = this.#requests.track(
      id,
      MEDIA_REQUEST_TIMEOUT_MS,
      (result) => {
        const parsed = NODE_REQUESTS[method].result.safeParse(result ?? {});
        if (!parsed.success) throw new MediaFailure('internal', `The media node answered ${method} with an invalid result`);
        return parsed.data as NodeResult<M>;
      },
      () => {
        if (CREATING.has(method)) this.#abandon(id, method as Creating);
        return new MediaFailure('unavailable', `The media node did not answer ${method} in time`);
      },
    );
    sendToNode(node, { type: 'request', id, method, data });
    return answer;
  }

  #abandon(id: string, method: Creating): void {
    this.#abandoned.set(id, method);
    if (this.#abandoned.size > MAX_ABANDONED) this.#abandoned.delete(this.#abandoned.keys().next().value!);
  }

  /** A late answer to a request we gave up on: what it created has no owner in the room, so it goes. */
  #closeAbandoned(node: WebSocket, message: Extract<NodeToRoom, { type: 'response' }>): void {
    const method = this.#abandoned.get(message.id);
    if (!method) return;
    this.#abandoned.delete(message.id);
    const id = (message.data as { id?: unknown } | undefined)?.id;
    if (!message.ok || typeof id !== 'string') return;
    if (method === 'transport.create') this.#fireAndForget(node, 'transport.close', { transportId: id });
    else if (method === 'transport.produce') this.#fireAndForget(node, 'producer.close', { producerId: id });
    else this.#fireAndForget(node, 'consumer.close', { consumerId: id });
  }

  #fireAndForget<M extends NodeMethod>(node: WebSocket, method: M, data: NodeRequestData<M>): void {
    sendToNode(node, { type: 'request', id: this.#requests.nextId(), method, data });
  }

  /** The ready node socket; waits while placing, at most MEDIA_REQUEST_TIMEOUT_MS. */
  #ready(): Promise<WebSocket> {
    const node = this.#nodeSocket();
    if (node) return Promise.resolve(node);
    return new Promise<WebSocket>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new MediaFailure('unavailable', 'Media is not available in this room right now; retry after media.status ready'));
        }, MEDIA_REQUEST_TIMEOUT_MS),
      };
      this.#waiters.add(waiter);
      if (!this.#placing) this.ctx.waitUntil(this.#place().catch((e: unknown) => console.error('media: placement failed', e)));
    });
  }

  /** The ready node socket, if there is one. */
  #nodeSocket(): WebSocket | undefined {
    for (const ws of this.ctx.getWebSockets(MEDIA_NODE_TAG)) {
      const att = ws.deserializeAttachment() as NodeAttachment | null;
      if (att?.ready && !att.closing && ws.readyState === WebSocket.OPEN) return ws;
    }
    return undefined;
  }

  async #place(): Promise<void> {
    const roomId = this.host.roomId();
    if (this.#placing || !roomId) return;
    this.#placing = true;
    this.#setState('placing', null);
    const live = await this.host.session.isLive().catch((e: unknown) => (console.error('media: session check failed', e), undefined));
    if (!live) return this.#placementFailed(live === false ? NOT_LIVE : 'session_check_failed');
    let result;
    try {
      result = await fleetStub(this.env).placeRoom(roomId, undefined, this.#lostNode);
    } catch (error) {
      console.error('media: FleetDO unreachable', error);
      result = { error: 'fleet_unreachable' as const };
    }
    if ('error' in result) return this.#placementFailed(result.error);
    // FleetDO told the node; it dials in and says node.ready (#nodeReady ends the placement).
    clearTimeout(this.#placingTimer);
    this.#placingTimer = setTimeout(() => {
      if (this.#placing) this.#placementFailed('node_timeout');
    }, MEDIA_REQUEST_TIMEOUT_MS);
  }

  #placementFailed(error: string): void {
    this.#placing = false;
    clearTimeout(this.#placingTimer);
    this.#setState('unavailable', error);
    const failure =
      error === NOT_LIVE
        ? new MediaFailure('room_not_live', 'Media starts when the room goes live')
        : new MediaFailure('unavailable', error === 'no_media_capacity' ? 'No media node has capacity for this room right now' : `Media placement failed (${error})`);
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.reject(failure);
    }
    this.#waiters.clear();
  }

  #nodeReady(ws: WebSocket, att: NodeAttachment, rtpCapabilities: unknown): void {
    ws.serializeAttachment({ ...att, ready: true } satisfies NodeAttachment);
    this.#placing = false;
    clearTimeout(this.#placingTimer);
    this.#lostNode = undefined;
    // Every node socket comes with a fresh router: whatever the room still lists belonged to a
    // socket that was replaced without being lost (a reassignment), so clients rebuild.
    if (this.#store.hasObjects()) {
      this.#store.clearNode();
      this.#broadcast({ type: 'media.reset', reason: 'node_changed' });
      this.#broadcast({ type: 'media.producers', producers: [] });
    }
    this.#store.setReady(att.nodeId, rtpCapabilities);
    this.#broadcast({ type: 'media.status', state: 'ready' });
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.resolve(ws);
    }
    this.#waiters.clear();
  }

  #failAll(failure: MediaFailure): void {
    this.#requests.failAll(() => failure);
  }

  #markClosing(ws: WebSocket): void {
    const att = ws.deserializeAttachment() as NodeAttachment | null;
    if (!att) return;
    try {
      ws.serializeAttachment({ ...att, closing: true } satisfies NodeAttachment);
    } catch {
      // Already closed.
    }
  }

  // ── Bookkeeping and fan-out ───────────────────────────────────────────────────

  #dropProducer(producerId: string): void {
    const row = this.#store.remove(producerId);
    if (row?.kind === 'producer') this.#broadcast({ type: 'media.producer_closed', producerId });
  }

  /** Forgets a transport and what lived on it; its producers are announced as closed. */
  #dropTransport(transportId: string): void {
    for (const child of this.#store.onTransport(transportId)) {
      if (child.kind === 'producer') this.#dropProducer(child.id);
      else this.#store.remove(child.id);
    }
    this.#store.remove(transportId);
  }

  #relayScores(message: Extract<NodeToRoom, { type: 'scores' }>): void {
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
    const ready = this.#nodeSocket() !== undefined;
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
    for (const [ws, att] of this.host.clients()) if (att.identity === identity) sendRaw(ws, frame);
  }
}

function sendToNode(ws: WebSocket, message: RoomToNode): void {
  try {
    ws.send(JSON.stringify(message));
  } catch {
    // Gone; its close event handles the loss.
  }
}
