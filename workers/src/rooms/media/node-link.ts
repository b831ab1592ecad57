// The RoomDO's sockets to its media nodes (the origin, and any edges): the credential check when a
// node dials in, the node.ready handshake, requests with ids and timeouts, and what to do with
// late answers. Each socket's state lives in its attachment, so it survives the object
// hibernating. See schema/src/protocol/fleet.ts.
import { CLOSE_CODES, decodeFrame, FLEET_PROTOCOL_VERSION, MAX_NODE_FRAME_BYTES, MEDIA_REQUEST_TIMEOUT_MS, NODE_KEEPALIVE, NODE_REQUESTS, NodeToRoom, PendingRequests, ROOM_KEEPALIVE, type NodeMethod, type NodeRequestData, type NodeResult, type RoomToNode, ProtocolError } from '@roomcast/schema/protocol';
import { bearerOf, verifyRoomNodeToken, type RoomNodeRole } from '../../fleet/fleet-token.ts';
import { closeSocket } from '../realtime/connection.ts';
import type { MediaStore } from './media-store.ts';
import { NodeLiveness, type WatchedNode } from './node-liveness.ts';

export const MEDIA_NODE_TAG = 'media-node';

/** Node methods that create an object: a late answer (after our timeout) leaves it unowned, so it is closed. */
type Creating = 'transport.create' | 'transport.produce' | 'transport.consume';
const CREATING: ReadonlySet<NodeMethod> = new Set<Creating>(['transport.create', 'transport.produce', 'transport.consume']);
/** Timed-out creating requests remembered for their late answers; the oldest are forgotten first. */
const MAX_ABANDONED = 256;

export interface NodeAttachment {
  media: 'node';
  nodeId: string;
  role: RoomNodeRole;
  ready: boolean;
  /** The room closed it on purpose (room ended, replaced): its close is not a loss. */
  closing: boolean;
  /** When it said node.ready (liveness counts from there until its first keepalive). */
  readyAt?: number;
  /** The keepalive interval it announced; absent for older nodes (no silence check). */
  keepaliveMs?: number;
}

export function isNodeAttachment(att: unknown): att is NodeAttachment {
  return typeof att === 'object' && att !== null && (att as { media?: unknown }).media === 'node';
}

/** What the node tells the room about its objects once the link is up. */
export type NodeEvent = Extract<NodeToRoom, { type: 'producer.closed' | 'consumer.closed' | 'transport.closed' | 'scores' | 'recording.part' | 'recording.urls_wanted' | 'recording.failed' | 'hls.live' | 'hls.urls_wanted' | 'hls.failed' | 'rtmp.state' }>;

export interface NodeLinkHooks {
  /** The node completed node.ready; its socket is marked ready already. */
  ready(ws: WebSocket, att: NodeAttachment, rtpCapabilities: unknown): void;
  event(message: NodeEvent, from: NodeAttachment): void;
}

export class NodeLink {
  /**
   * Requests to the node waiting for answers. Ids carry a per-instance prefix, so a late answer
   * from the node to a request made before this object was evicted cannot match a new request.
   */
  readonly #requests = new PendingRequests(`r-${crypto.randomUUID().slice(0, 8)}-`);
  /** Creating requests that timed out, by request id: their late answers' objects are closed. */
  readonly #abandoned = new Map<string, Creating>();
  /** Node sockets whose loss was handled (their attachment may no longer be writable). */
  readonly #gone = new WeakSet<WebSocket>();
  readonly liveness: NodeLiveness;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly secret: string,
    private readonly store: MediaStore,
    private readonly hooks: NodeLinkHooks,
    nodeSilenceMs: number,
  ) {
    this.liveness = new NodeLiveness(nodeSilenceMs);
    // The object's one auto-response pair: nodes' keepalives are answered (and timestamped) by
    // the runtime without waking the room (node-liveness.ts).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(NODE_KEEPALIVE, ROOM_KEEPALIVE));
  }

  isNodeSocket(ws: WebSocket): boolean {
    return isNodeAttachment(ws.deserializeAttachment());
  }

  /** `GET /api/v1/rooms/{room}/media-node`, credential checked again here. */
  async accept(request: Request, roomId: string): Promise<Response> {
    const token = bearerOf(request);
    let nodeId: string;
    let role: RoomNodeRole;
    try {
      if (!token) throw new Error('no token');
      const verified = await verifyRoomNodeToken(this.secret, token, roomId);
      // Single use: a socket opened with it replaces the room's node below, so a replayed (leaked,
      // logged, or a released node's old) credential must not be able to take the room's media.
      if (!this.store.useCredential(verified.jti, verified.expiresAt, Date.now())) throw new Error('credential already used');
      nodeId = verified.nodeId;
      role = verified.role;
    } catch {
      return Response.json(
        { error: { code: 'invalid_room_node_token', message: 'The room-node credential is invalid, expired, already used or for another room' } },
        { status: 401 },
      );
    }
    // The newest assignment wins: an older origin socket (a previous placement) is let go when a
    // new origin dials in, and the same node's older socket whatever its role.
    for (const old of this.ctx.getWebSockets(MEDIA_NODE_TAG)) {
      const att = old.deserializeAttachment() as NodeAttachment | null;
      if (att?.nodeId !== nodeId && !(role === 'origin' && att?.role !== 'edge')) continue;
      this.markClosing(old);
      closeSocket(old, CLOSE_CODES.replaced, 'another node took the room');
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [MEDIA_NODE_TAG]);
    server.serializeAttachment({ media: 'node', nodeId, role, ready: false, closing: false } satisfies NodeAttachment);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A frame from the node: the handshake and answers are handled here, the rest goes to the hooks. */
  receive(ws: WebSocket, data: string | ArrayBuffer, now: number): void {
    this.liveness.heard(ws, now);
    const att = ws.deserializeAttachment() as NodeAttachment;
    const decoded = decodeFrame(NodeToRoom, data, { binary: 'utf8', maxBytes: MAX_NODE_FRAME_BYTES });
    if (!decoded.ok) return sendToNode(ws, { type: 'error', code: decoded.error.code, message: decoded.error.message });
    const message = decoded.message;
    if (att.closing) return;
    if (!att.ready) {
      if (message.type !== 'node.ready') return sendToNode(ws, { type: 'error', code: 'hello_required', message: 'Send node.ready first' });
      if (message.protocol !== FLEET_PROTOCOL_VERSION || message.nodeId !== att.nodeId) {
        sendToNode(ws, { type: 'error', code: 'unsupported_protocol', message: 'Wrong protocol or node id' });
        this.markClosing(ws);
        return closeSocket(ws, CLOSE_CODES.policy, 'unsupported_protocol');
      }
      const ready = { ...att, ready: true, readyAt: now, ...(message.keepaliveMs ? { keepaliveMs: message.keepaliveMs } : {}) } satisfies NodeAttachment;
      ws.serializeAttachment(ready);
      return this.hooks.ready(ws, ready, message.rtpCapabilities);
    }
    switch (message.type) {
      case 'node.ready':
      case 'node.keepalive':
        return;
      case 'response': {
        const outcome = message.ok
          ? { ok: true as const, data: message.data }
          : { ok: false as const, error: new ProtocolError(message.error?.code ?? 'internal', message.error?.message ?? 'The media node refused') };
        if (!this.#requests.settle(message.id, outcome)) this.#closeAbandoned(ws, message);
        return;
      }
      case 'error':
        console.error('media: node reported', message.code, message.message);
        return;
      default:
        return this.hooks.event(message, att);
    }
  }

  /** The ready origin socket, if there is one. */
  socket(): WebSocket | undefined {
    return this.#ready((att) => att.role !== 'edge')[0];
  }

  /** The ready socket of that edge node, if there is one. */
  edgeSocket(nodeId: string): WebSocket | undefined {
    return this.#ready((att) => att.role === 'edge' && att.nodeId === nodeId)[0];
  }

  /** Every ready edge socket. */
  edgeSockets(): WebSocket[] {
    return this.#ready((att) => att.role === 'edge');
  }

  /** Every ready node socket (origin and edges) with what the runtime knows of its keepalives. */
  watched(): WatchedNode[] {
    return this.#ready(() => true).map((ws) => ({
      ws,
      att: ws.deserializeAttachment() as NodeAttachment,
      keepaliveAt: this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? null,
    }));
  }

  #ready(match: (att: NodeAttachment) => boolean): WebSocket[] {
    return this.ctx.getWebSockets(MEDIA_NODE_TAG).filter((ws) => {
      const att = ws.deserializeAttachment() as NodeAttachment | null;
      return att?.ready && !att.closing && ws.readyState === WebSocket.OPEN && match(att);
    });
  }

  /** Asks the node; the answer is validated against the method's result schema. */
  request<M extends NodeMethod>(node: WebSocket, method: M, data: NodeRequestData<M>, timeoutMs = MEDIA_REQUEST_TIMEOUT_MS): Promise<NodeResult<M>> {
    const id = this.#requests.nextId();
    const answer = this.#requests.track(
      id,
      timeoutMs,
      (result) => {
        const parsed = NODE_REQUESTS[method].result.safeParse(result ?? {});
        if (!parsed.success) throw new ProtocolError('internal', `The media node answered ${method} with an invalid result`);
        return parsed.data as NodeResult<M>;
      },
      () => {
        if (CREATING.has(method)) this.#abandon(id, method as Creating);
        return new ProtocolError('unavailable', `The media node did not answer ${method} in time`);
      },
    );
    sendToNode(node, { type: 'request', id, method, data });
    return answer;
  }

  /** Tells the node without waiting for its answer (closing things nobody waits on). */
  notify<M extends NodeMethod>(node: WebSocket, method: M, data: NodeRequestData<M>): void {
    sendToNode(node, { type: 'request', id: this.#requests.nextId(), method, data });
  }

  failAll(failure: ProtocolError): void {
    this.#requests.failAll(() => failure);
  }

  markClosing(ws: WebSocket): void {
    const att = ws.deserializeAttachment() as NodeAttachment | null;
    if (!att) return;
    try {
      ws.serializeAttachment({ ...att, closing: true } satisfies NodeAttachment);
    } catch {
      // Already closed.
    }
  }

  /**
   * The socket closed or failed; it is closed on our side too. Returns its attachment when this is
   * a loss to handle: the first close of a socket the room did not give up on itself (probe, end).
   */
  lose(ws: WebSocket): NodeAttachment | undefined {
    const att = ws.deserializeAttachment() as NodeAttachment | null;
    const first = att !== null && !att.closing && !this.#gone.has(ws);
    this.#gone.add(ws);
    this.markClosing(ws);
    closeSocket(ws);
    return first ? att : undefined;
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
    if (method === 'transport.create') this.notify(node, 'transport.close', { transportId: id });
    else if (method === 'transport.produce') this.notify(node, 'producer.close', { producerId: id });
    else this.notify(node, 'consumer.close', { consumerId: id });
  }
}

function sendToNode(ws: WebSocket, message: RoomToNode): void {
  try {
    ws.send(JSON.stringify(message));
  } catch {
    // Gone; its close event handles the loss.
  }
}
