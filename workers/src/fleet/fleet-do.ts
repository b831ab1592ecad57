// FleetDO: the media fleet's registry and placement. One global instance to start
// (`idFromName('global')`); the design allows one per region later. Media nodes dial in over a
// hibernatable WebSocket (tagged with the node id), register, report load every few seconds and
// receive `room.assign` / `room.release` / `node.drain`. RoomDOs call placeRoom / placeEdge /
// releaseEdge / releaseRoom over RPC; the admin API calls listNodes / setDrained. Node state
// lives in SQLite (node-store.ts).
import {
  CLOSE_CODES,
  decodeFrame,
  FLEET_KEEPALIVE,
  FLEET_KEEPALIVE_INTERVAL_MS,
  FLEET_PROTOCOL_VERSION,
  MAX_NODE_FRAME_BYTES,
  NODE_KEEPALIVE,
  NodeToFleet,
  type FleetToNode,
  type NodeLoad,
} from '@roomcast/schema/protocol';
import { loadConfig, type Config } from '../config.ts';
import type { Env } from '../env.ts';
import { GuardedDurableObject } from '../platform/guarded-durable-object.ts';
import { bearerOf, signRoomNodeToken, verifyNodeToken, type RoomNodeRole } from './fleet-token.ts';
import { NodeStore, type NodeRow, type NodeView } from './node-store.ts';
import { isHealthy, placeRoom, type Placement } from './placement.ts';
import type { LiveRooms } from '../platform/operator-metrics.ts';
import { RtmpBroker } from '../ingest/rtmp-broker.ts';

/** The one FleetDO instance's name until the fleet is split per region. */
export const GLOBAL_FLEET = 'global';

interface NodeAttachment {
  nodeId: string;
  region: string;
  /** ws(s)://host of the Worker as the node reached it: rooms are dialed at the same origin. */
  origin: string;
  registered: boolean;
}

/** How node frames are decoded: JSON text or UTF-8 binary, up to MAX_NODE_FRAME_BYTES. */
const NODE_LINK = { binary: 'utf8', maxBytes: MAX_NODE_FRAME_BYTES } as const;

/** Nodes silent this long are forgotten entirely (the admin list stops showing them). */
const FORGET_AFTER_MS = 24 * 3600_000;

export interface FleetApi {
  /** The room's origin node: where it is while that node is healthy, else a new one (never `excludeNodeId`, the origin it lost). */
  placeRoom(roomId: string, region?: string, excludeNodeId?: string): Promise<Placement>;
  /** One more node for the room's viewers, never one already serving the room or in `exclude`. */
  placeEdge(roomId: string, region?: string, exclude?: readonly string[]): Promise<Placement>;
  /** The room no longer uses that edge node. */
  releaseEdge(roomId: string, nodeId: string): Promise<void>;
  /** The room ended: its origin and every edge let go of it. */
  releaseRoom(roomId: string): Promise<void>;
  /** A room found this node silent on its room socket (hung): no new rooms for it until it reports again. */
  nodeSilent(nodeId: string): Promise<void>;
  listNodes(): Promise<NodeView[]>;
  setDrained(nodeId: string, drained: boolean): Promise<NodeView | null>;
  liveRooms(limit: number): Promise<LiveRooms>;
  /** Closes an RTMP encoder connection wherever a node holds it (key rotated or revoked, a WHIP encoder took over). */
  closeRtmp(connectionId: string, reason: string): Promise<void>;
}


/** The global FleetDO as a typed RPC stub. */
export function fleetStub(env: Env): FleetApi {
  return env.FLEET.get(env.FLEET.idFromName(GLOBAL_FLEET)) as unknown as FleetApi;
}

export class FleetDO extends GuardedDurableObject<Env> implements FleetApi {
  readonly #config: Config;
  readonly #nodes: NodeStore;
  readonly #rtmp: RtmpBroker;
  /**
   * Nodes a room found hung, with the load report they were last seen at then. A hung node's
   * fleet socket stays open and its last report stays fresh for FLEET_NODE_STALE_SECONDS, in which
   * other rooms would still be placed on it; its next report (it was only slow) clears the mark.
   * In memory: an eviction forgets it, and staleness takes over as before.
   */
  readonly #silent = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = loadConfig(env);
    this.#rtmp = new RtmpBroker(env, this.#config, (connectionId, reason) => void this.closeRtmp(connectionId, reason));
    this.alarmRetryMs = this.#config.fleet.staleAfterMs / 2;
    this.#nodes = new NodeStore(ctx.storage.sql);
    // Nodes' keepalives are answered by the runtime without waking the fleet: a node that hears
    // nothing on its fleet socket for a while redials it (media-node/src/fleet/peer-silence.ts).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(NODE_KEEPALIVE, FLEET_KEEPALIVE));
  }

  /** The Worker forwards `GET /api/v1/fleet/connect` here; the credential is checked again. */
  protected async onFetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response('expected a WebSocket upgrade', { status: 426 });
    const token = bearerOf(request);
    let claims;
    try {
      claims = token ? await verifyNodeToken(this.#config.fleet.secret, token) : undefined;
    } catch {
      claims = undefined;
    }
    if (!claims) return new Response('invalid node credential', { status: 401 });
    const url = new URL(request.url);
    const origin = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`;
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [nodeTag(claims.nodeId)]);
    server.serializeAttachment({ nodeId: claims.nodeId, region: claims.region, origin, registered: false } satisfies NodeAttachment);
    await this.#ensureAlarm();
    return new Response(null, { status: 101, webSocket: client });
  }

  protected async onMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const att = ws.deserializeAttachment() as NodeAttachment;
    const decoded = decodeFrame(NodeToFleet, data, NODE_LINK);
    if (!decoded.ok) return sendTo(ws, { type: 'error', code: decoded.error.code, message: decoded.error.message });
    const message = decoded.message;
    const now = Date.now();
    if (!att.registered) {
      if (message.type !== 'node.register') return refuse(ws, 'hello_required', 'Send node.register first');
      if (message.protocol !== FLEET_PROTOCOL_VERSION) {
        return refuse(ws, 'unsupported_protocol', `Fleet protocol ${message.protocol} is not supported; this fleet speaks ${FLEET_PROTOCOL_VERSION}`);
      }
      if (message.nodeId !== att.nodeId || message.region !== att.region) {
        return refuse(ws, 'forbidden', 'node.register must name the node id and region of the credential');
      }
      // A node that reconnects replaces its older socket (a half-open connection).
      for (const other of this.ctx.getWebSockets(nodeTag(att.nodeId))) {
        if (other !== ws) closeQuietly(other, CLOSE_CODES.replaced, 'replaced by a newer connection');
      }
      this.#nodes.register(message, now);
      ws.serializeAttachment({ ...att, registered: true } satisfies NodeAttachment);
      sendTo(ws, { type: 'node.registered', protocol: FLEET_PROTOCOL_VERSION, heartbeatMs: this.#config.fleet.heartbeatMs, keepaliveMs: FLEET_KEEPALIVE_INTERVAL_MS });
      if (this.#nodes.get(att.nodeId)?.drained === 1) sendTo(ws, { type: 'node.drain', draining: true });
      for (const roomId of this.#nodes.foreignRooms(att.nodeId, message.rooms)) sendTo(ws, { type: 'room.release', roomId });
      return;
    }
    switch (message.type) {
      case 'node.register':
        return sendTo(ws, { type: 'error', code: 'already_joined', message: 'This connection has already registered' });
      case 'node.keepalive':
        // Only where the runtime did not answer it itself.
        return ws.send(FLEET_KEEPALIVE);
      case 'node.load': {
        const { type: _type, ...load } = message;
        return this.#nodes.reportLoad(att.nodeId, load, now);
      }
      case 'room.released':
        // By role: the node may have been an edge of the room just before becoming its origin.
        if (message.role !== 'edge') this.#nodes.releaseRoom(message.roomId, att.nodeId);
        if (message.role !== 'origin') this.#nodes.releaseEdge(message.roomId, att.nodeId);
        return;
      case 'ingest.rtmp.authorize':
      case 'ingest.rtmp.start':
      case 'ingest.rtmp.ended':
      case 'ingest.rtmp.problem': {
        const answer = await this.#rtmp.handle(att.nodeId, message);
        if (answer) sendTo(ws, answer);
        return;
      }
    }
  }

  protected async onClose(ws: WebSocket): Promise<void> {
    this.#onGone(ws);
  }

  /** Drops the sockets of nodes that stopped reporting, so they reconnect or count as dead. */
  protected async onAlarm(): Promise<void> {
    const now = Date.now();
    const { staleAfterMs } = this.#config.fleet;
    for (const row of this.#nodes.all()) {
      if (row.connected === 1 && now - row.last_seen > staleAfterMs) {
        this.#nodes.setConnected(row.node_id, false);
        for (const ws of this.ctx.getWebSockets(nodeTag(row.node_id))) closeQuietly(ws, CLOSE_CODES.stale, 'no load report');
      }
    }
    this.#nodes.forgetSilentSince(now - FORGET_AFTER_MS);
    if (this.ctx.getWebSockets().length > 0) await this.ctx.storage.setAlarm(now + staleAfterMs / 2);
  }

  // ── RPC (RoomDO, admin API) ─────────────────────────────────────────────────────

  async placeRoom(roomId: string, region?: string, excludeNodeId?: string): Promise<Placement> {
    const now = Date.now();
    // The room lost its origin: its edges were fed by it and are let go (the room makes new ones
    // as viewers come back), so they are free to become the new origin.
    if (excludeNodeId) for (const edge of this.#nodes.roomEdges(roomId)) await this.releaseEdge(roomId, edge);
    const current = this.#nodes.roomNode(roomId);
    // The origin never lands on one of the room's edges (a node serves a room once).
    const exclude = [...this.#nodes.roomEdges(roomId), ...(excludeNodeId ? [excludeNodeId] : [])];
    const placement = placeRoom({ roomId, region, nodes: this.#placementNodes(), current, exclude, now, staleAfterMs: this.#config.fleet.staleAfterMs });
    if ('error' in placement) return placement;
    if (!(await this.#assign(roomId, placement.nodeId, 'origin'))) return { error: 'no_media_capacity' };
    this.#nodes.assignRoom(roomId, placement.nodeId, region, now);
    // When the room moves, its old node (if it is still around) lets go of it.
    if (current && current !== placement.nodeId) this.#send(current, { type: 'room.release', roomId });
    return placement;
  }

  async placeEdge(roomId: string, region?: string, exclude: readonly string[] = []): Promise<Placement> {
    const now = Date.now();
    const origin = this.#nodes.roomNode(roomId);
    if (!origin) return { error: 'no_media_capacity' };
    const serving = [origin, ...this.#nodes.roomEdges(roomId), ...exclude];
    const placement = placeRoom({ roomId, region, nodes: this.#placementNodes(), exclude: serving, now, staleAfterMs: this.#config.fleet.staleAfterMs });
    if ('error' in placement) return placement;
    if (!(await this.#assign(roomId, placement.nodeId, 'edge'))) return { error: 'no_media_capacity' };
    this.#nodes.assignEdge(roomId, placement.nodeId, now);
    return placement;
  }

  async releaseEdge(roomId: string, nodeId: string): Promise<void> {
    if (this.#nodes.releaseEdge(roomId, nodeId)) this.#send(nodeId, { type: 'room.release', roomId });
  }

  async releaseRoom(roomId: string): Promise<void> {
    const nodeId = this.#nodes.releaseRoom(roomId);
    if (nodeId) this.#send(nodeId, { type: 'room.release', roomId });
    for (const edge of this.#nodes.roomEdges(roomId)) await this.releaseEdge(roomId, edge);
  }

  async nodeSilent(nodeId: string): Promise<void> {
    const row = this.#nodes.all().find((r) => r.node_id === nodeId);
    if (row) this.#silent.set(nodeId, row.last_seen);
  }

  /** Found hung by a room and not heard from since. */
  #isSilent(row: NodeRow): boolean {
    const at = this.#silent.get(row.node_id);
    if (at === undefined) return false;
    if (row.last_seen === at) return true;
    this.#silent.delete(row.node_id);
    return false;
  }

  async listNodes(): Promise<NodeView[]> {
    const now = Date.now();
    const rooms = this.#nodes.roomCounts();
    return this.#nodeRows().map((row) => {
      const p = NodeStore.toPlacement(row);
      return {
        nodeId: row.node_id,
        region: row.region,
        announcedAddress: row.announced_address,
        engine: row.engine,
        workers: row.workers,
        capacity: p.capacity,
        load: p.load ? (p.load as NodeLoad) : null,
        drained: p.drained,
        connected: p.connected,
        healthy: isHealthy(p, now, this.#config.fleet.staleAfterMs) && !this.#isSilent(row),
        lastSeen: new Date(row.last_seen).toISOString(),
        rooms: rooms.get(row.node_id) ?? 0,
      };
    });
  }

  async setDrained(nodeId: string, drained: boolean): Promise<NodeView | null> {
    if (!this.#nodes.setDrained(nodeId, drained)) return null;
    this.#send(nodeId, { type: 'node.drain', draining: drained });
    return (await this.listNodes()).find((n) => n.nodeId === nodeId) ?? null;
  }

  async liveRooms(limit: number): Promise<LiveRooms> {
    return {
      total: this.#nodes.roomTotal(),
      rooms: this.#nodes.rooms(limit).map((r) => ({ roomId: r.room_id, nodeId: r.node_id, assignedAt: r.assigned_at })),
    };
  }

  async closeRtmp(connectionId: string, reason: string): Promise<void> {
    // Connection ids are the node's own: every registered node hears it, the holder acts.
    for (const ws of this.ctx.getWebSockets()) {
      const att = ws.deserializeAttachment() as NodeAttachment | null;
      if (att?.registered) sendTo(ws, { type: 'ingest.rtmp.close', connectionId, reason });
    }
  }

  #placementNodes() {
    const unreported = this.#nodes.unreportedAssignments();
    // A node found hung counts as disconnected for placement (never placed on) until it reports again.
    return this.#nodeRows().map((row) => ({ ...NodeStore.toPlacement(row, unreported.get(row.node_id)), ...(this.#isSilent(row) ? { connected: false } : {}) }));
  }

  /**
   * The stored nodes, with `connected` true only for a node whose registered socket is open here.
   * The column alone can be stale: a close that lands while the object restarts (a deploy, an
   * eviction) is never delivered, and the node would look alive, and be given rooms, until the
   * alarm found it silent. The sockets are the truth; the column is corrected from them.
   */
  #nodeRows(): NodeRow[] {
    const live = new Set<string>();
    for (const ws of this.ctx.getWebSockets()) {
      const att = ws.deserializeAttachment() as NodeAttachment | null;
      if (att?.registered && ws.readyState === WebSocket.OPEN) live.add(att.nodeId);
    }
    return this.#nodes.all().map((row) => {
      if (row.connected !== 1 || live.has(row.node_id)) return row;
      this.#nodes.setConnected(row.node_id, false);
      return { ...row, connected: 0 };
    });
  }

  /** Tells the node to dial the room with a fresh room-node credential; false when its socket is gone. */
  async #assign(roomId: string, nodeId: string, role: RoomNodeRole): Promise<boolean> {
    const socket = this.#registeredSocket(nodeId);
    if (!socket) return false;
    const token = await signRoomNodeToken(this.#config.fleet.secret, { nodeId, roomId, role });
    const roomUrl = `${socket.att.origin}/api/v1/rooms/${encodeURIComponent(roomId)}/media-node`;
    sendTo(socket.ws, { type: 'room.assign', roomId, roomUrl, token, role });
    return true;
  }

  // ── Sockets ───────────────────────────────────────────────────────────────────

  #registeredSocket(nodeId: string): { ws: WebSocket; att: NodeAttachment } | undefined {
    for (const ws of this.ctx.getWebSockets(nodeTag(nodeId))) {
      const att = ws.deserializeAttachment() as NodeAttachment | null;
      if (att?.registered && ws.readyState === WebSocket.OPEN) return { ws, att };
    }
    return undefined;
  }

  #send(nodeId: string, message: FleetToNode): void {
    const socket = this.#registeredSocket(nodeId);
    if (socket) sendTo(socket.ws, message);
  }

  #onGone(ws: WebSocket): void {
    const att = ws.deserializeAttachment() as NodeAttachment | null;
    closeQuietly(ws);
    if (!att?.registered) return;
    // Another (newer) socket of the same node keeps it connected.
    const others = this.ctx.getWebSockets(nodeTag(att.nodeId)).filter((o) => o !== ws && o.readyState === WebSocket.OPEN);
    if (others.length === 0) this.#nodes.setConnected(att.nodeId, false);
  }

  async #ensureAlarm(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + this.#config.fleet.staleAfterMs / 2);
  }
}

const nodeTag = (nodeId: string) => `node:${nodeId}`;

function sendTo(ws: WebSocket, message: FleetToNode): void {
  try {
    ws.send(JSON.stringify(message));
  } catch {
    // Gone; the close event cleans up.
  }
}

function refuse(ws: WebSocket, code: 'hello_required' | 'unsupported_protocol' | 'forbidden', message: string): void {
  sendTo(ws, { type: 'error', code, message });
  closeQuietly(ws, CLOSE_CODES.policy, code);
}

function closeQuietly(ws: WebSocket, code: number = CLOSE_CODES.normal, reason = ''): void {
  try {
    ws.close(code, reason.slice(0, 120));
  } catch {
    // Already closed.
  }
}
