// The node's line to FleetDO: dialed out (nothing dials in to a node except media), re-dialed
// with backoff when it drops. Registers, reports load every few seconds, and follows FleetDO's
// orders: room.assign (dial that room and create its router), room.release, node.drain.
//
// Draining (SIGTERM through main.ts, or the admin drain through node.drain): the node reports
// state 'draining' at once, so FleetDO places no new room here; the rooms it has are served until
// they end. At the drain deadline what is left is handed back: each remaining room is closed,
// which tells FleetDO (room.released) and closes the room's socket, and the RoomDO re-places the
// room on another node (its node-lost path: clients get media.reset and rebuild there). A node
// draining for SIGTERM then exits; one drained by the operator stays up, idle, until undrained.
import os from 'node:os';
import WebSocket from 'ws';
import { decodeFrame, FLEET_PROTOCOL_VERSION, FleetToNode, MAX_NODE_FRAME_BYTES, NODE_KEEPALIVE, type NodeLoad, type NodeToFleet, type RoomNodeRole } from '@roomcast/schema/protocol';
import type { MediaNodeConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { MediaNode } from '../node.ts';
import type { IngestFleetLink } from '../ingest/rtmp-ingest.ts';
import { PeerSilence } from './peer-silence.ts';
import { RoomSession } from './room-session.ts';

type IngestAnswer = Extract<FleetToNode, { type: 'ingest.rtmp.answer' }>;
/** How long an ingest request waits for the Worker (a key check, the room's producers). */
const INGEST_REQUEST_TIMEOUT_MS = 15_000;

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;
/** Until FleetDO says otherwise in node.registered. */
const DEFAULT_LOAD_EVERY_MS = 3_000;

/** FleetDO's heartbeat, kept sane: 0 means the default, and a negative or tiny one must not make the node report every millisecond. */
const loadEveryMs = (heartbeatMs: number) => (heartbeatMs === 0 ? DEFAULT_LOAD_EVERY_MS : Math.min(Math.max(heartbeatMs, 100), 5_000));

export class FleetClient {
  readonly #rooms = new Map<string, RoomSession>();
  /** Rooms being dialed right now (an assign repeated meanwhile is ignored). */
  readonly #opening = new Set<string>();
  #socket: WebSocket | undefined;
  #loadTimer: NodeJS.Timeout | undefined;
  /** The fleet socket's keepalive (once the fleet said it answers them). */
  #silence: PeerSilence | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #backoff = BACKOFF_MIN_MS;
  #draining = false;
  /** Draining because the process is leaving (SIGTERM): an operator's undrain does not lift it. */
  #leaving = false;
  #drainTimer: NodeJS.Timeout | undefined;
  /** Resolved whenever the node holds no room (draining waits on it). */
  #emptyWaiters: (() => void)[] = [];
  #registered = false;
  #stopped = false;
  #cpu = { at: process.hrtime.bigint(), usage: process.cpuUsage() };
  readonly #ingestRequests = new Map<string, { resolve: (a: IngestAnswer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  #ingestSeq = 0;
  /** The RTMP ingest's hook for ingest.rtmp.close (main.ts sets it). */
  onRtmpClose: (connectionId: string, reason: string) => void = () => {};

  constructor(
    private readonly node: MediaNode,
    private readonly config: MediaNodeConfig,
    private readonly fleet: { url: string; token: string },
    private readonly log: Logger,
  ) {}

  start(): void {
    this.#connect();
  }

  /** The RTMP ingest's requests to the Worker, over this socket (answered by ingest.rtmp.answer). */
  readonly ingestLink: IngestFleetLink = {
    request: (frame) =>
      new Promise<IngestAnswer>((resolve, reject) => {
        if (!this.connected) return reject(new Error('not connected to the fleet'));
        const requestId = `i${++this.#ingestSeq}`;
        const timer = setTimeout(() => {
          this.#ingestRequests.delete(requestId);
          reject(new Error(`${frame.type} timed out`));
        }, INGEST_REQUEST_TIMEOUT_MS);
        this.#ingestRequests.set(requestId, { resolve, reject, timer });
        this.#send({ ...frame, requestId } as NodeToFleet);
      }),
    send: (frame) => this.#send(frame),
  };

  get rooms(): ReadonlyMap<string, RoomSession> {
    return this.#rooms;
  }

  /** Registered with FleetDO right now. */
  get connected(): boolean {
    return this.#registered && this.#socket?.readyState === WebSocket.OPEN;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Stops dialing and closes every room (the process is shutting down). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#drainTimer);
    clearTimeout(this.#retryTimer);
    clearInterval(this.#loadTimer);
    this.#silence?.stop();
    for (const room of this.#rooms.values()) room.close('node stopping');
    this.#socket?.close(1000, 'node stopping');
  }

  /**
   * Draining from this side (SIGTERM on a managed node): keep the rooms, take no new ones, hand
   * back what is left after `deadlineMs`. Resolves once the node holds no room.
   */
  drain(deadlineMs = this.config.drainTimeoutSeconds * 1000): Promise<void> {
    this.#leaving = true;
    this.#startDrain(deadlineMs, 'shutting down');
    return this.whenEmpty();
  }

  /** Resolves once no room is open or being opened here. */
  whenEmpty(): Promise<void> {
    if (this.#rooms.size === 0 && this.#opening.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#emptyWaiters.push(resolve));
  }

  #startDrain(deadlineMs: number, why: string): void {
    const already = this.#draining && this.#drainTimer !== undefined;
    this.#draining = true;
    void this.#reportLoad();
    if (already) return;
    this.log.info('draining: keeping rooms, taking no new ones', { why, rooms: this.#rooms.size, deadlineSeconds: Math.round(deadlineMs / 1000) });
    this.#drainTimer = setTimeout(() => this.#handBack(), deadlineMs);
  }

  #liftDrain(): void {
    if (this.#leaving) {
      this.log.warn('drain lift ignored: the node is shutting down');
      return void this.#reportLoad();
    }
    clearTimeout(this.#drainTimer);
    this.#drainTimer = undefined;
    this.#draining = false;
    this.log.info('drain lifted');
    void this.#reportLoad();
  }

  /** The drain deadline passed: close the rooms left, so their RoomDOs re-place them elsewhere. */
  #handBack(): void {
    if (this.#rooms.size > 0) this.log.warn('drain deadline passed: handing the remaining rooms back to the fleet', { rooms: this.#rooms.size });
    for (const room of [...this.#rooms.values()]) room.close('node drained');
  }

  #checkEmpty(): void {
    if (this.#rooms.size > 0 || this.#opening.size > 0) return;
    const waiters = this.#emptyWaiters;
    this.#emptyWaiters = [];
    for (const w of waiters) w();
  }

  #connect(): void {
    if (this.#stopped) return;
    const socket = new WebSocket(this.fleet.url, { headers: { authorization: `Bearer ${this.fleet.token}` }, handshakeTimeout: 10_000, maxPayload: MAX_NODE_FRAME_BYTES });
    this.#socket = socket;
    socket.on('open', () => {
      this.log.info('fleet connected', { url: this.fleet.url });
      this.#send({
        type: 'node.register',
        protocol: FLEET_PROTOCOL_VERSION,
        nodeId: this.config.nodeId,
        region: this.config.region,
        announcedAddress: this.config.announcedAddress,
        engine: this.node.engine.name,
        workers: this.node.workers.length,
        capacity: {
          maxConsumers: this.node.workers.length * this.config.limits.maxConsumersPerWorker,
          maxRouters: this.node.workers.length * this.config.limits.maxRoutersPerWorker,
        },
        rooms: [...this.#rooms.keys()],
      });
    });
    socket.on('message', (data) => {
      if (this.#socket === socket) this.#silence?.heard();
      this.#onMessage(data.toString());
    });
    socket.on('unexpected-response', (_req, res) => {
      this.log.error('fleet refused the node', { status: res.statusCode });
      socket.terminate();
    });
    socket.on('error', (error) => this.log.warn('fleet socket error', { error: String(error) }));
    socket.on('close', (code, reason) => {
      if (this.#socket === socket) {
        clearInterval(this.#loadTimer);
        this.#silence?.stop();
      }
      for (const [id, pending] of this.#ingestRequests) {
        clearTimeout(pending.timer);
        pending.reject(new Error('the fleet connection closed'));
        this.#ingestRequests.delete(id);
      }
      if (this.#socket === socket) this.#registered = false;
      if (this.#socket !== socket || this.#stopped) return;
      this.log.warn('fleet disconnected; redialing', { code, reason: reason.toString(), inMs: this.#backoff });
      this.#retryTimer = setTimeout(() => this.#connect(), this.#backoff);
      this.#backoff = Math.min(this.#backoff * 2, BACKOFF_MAX_MS);
    });
  }

  /** Keepalives on the fleet socket, and a redial when it goes silent (a fleet that announced it answers them). */
  #watchSilence(keepaliveMs: number | undefined): void {
    this.#silence?.stop();
    this.#silence = undefined;
    const socket = this.#socket;
    if (!keepaliveMs || !socket) return;
    this.#silence = new PeerSilence({
      everyMs: Math.max(keepaliveMs, 100),
      silentAfterMs: this.config.peerSilenceSeconds * 1000,
      sendKeepalive: () => {
        if (socket.readyState === WebSocket.OPEN) socket.send(NODE_KEEPALIVE);
      },
      onSilent: (silentForMs) => {
        this.log.warn('the fleet socket went silent; redialing', { silentForMs });
        // No close handshake with a peer that is not there: 'close' follows at once and redials.
        socket.terminate();
      },
    });
  }

  #onMessage(text: string): void {
    const decoded = decodeFrame(FleetToNode, text, { maxBytes: MAX_NODE_FRAME_BYTES });
    if (!decoded.ok) return this.log.warn('fleet sent an invalid frame', { code: decoded.error.code, issue: decoded.error.message });
    const message = decoded.message;
    switch (message.type) {
      case 'node.registered':
        this.#registered = true;
        this.#backoff = BACKOFF_MIN_MS;
        clearInterval(this.#loadTimer);
        void this.#reportLoad();
        this.#loadTimer = setInterval(() => void this.#reportLoad(), loadEveryMs(message.heartbeatMs));
        this.#watchSilence(message.keepaliveMs);
        this.log.info('registered with the fleet', { nodeId: this.config.nodeId, region: this.config.region });
        return;
      case 'room.assign':
        return void this.#assign(message.roomId, message.roomUrl, message.token, message.role);
      case 'room.release':
        this.#rooms.get(message.roomId)?.close('released by the fleet');
        return;
      case 'node.drain':
        // The operator's drain: the same as SIGTERM's, except that the node stays up afterwards.
        if (message.draining) return this.#startDrain(this.config.drainTimeoutSeconds * 1000, 'drained by the operator');
        return this.#liftDrain();
      case 'ingest.rtmp.answer': {
        const pending = this.#ingestRequests.get(message.requestId);
        if (!pending) return;
        this.#ingestRequests.delete(message.requestId);
        clearTimeout(pending.timer);
        return pending.resolve(message);
      }
      case 'ingest.rtmp.close':
        return this.onRtmpClose(message.connectionId, message.reason);
      case 'fleet.keepalive':
        return;
      case 'error':
        return this.log.error('fleet reported an error', { code: message.code, message: message.message });
    }
  }

  async #assign(roomId: string, roomUrl: string, token: string, role: RoomNodeRole | undefined): Promise<void> {
    const existing = this.#rooms.get(roomId);
    if (existing && !existing.closed) {
      // The room asked again (it lost our socket): start over with a fresh router and socket.
      // Forgotten first, so its close does not tell FleetDO the room was released.
      this.#rooms.delete(roomId);
      existing.close('reassigned');
    }
    if (this.#opening.has(roomId)) return;
    this.#opening.add(roomId);
    try {
      const session = await RoomSession.open({
        roomId,
        roomUrl,
        token,
        nodeId: this.config.nodeId,
        listen: { ip: this.config.listenIp, announcedAddress: this.config.announcedAddress },
        worker: this.#workersByLoad()[0]!,
        spread: { workers: () => this.#workersByLoad(), viewersPerRouter: Math.max(1, Math.floor(this.config.limits.maxConsumersPerWorker / 2)) },
        log: this.log.child('room'),
        ingestDisconnectMs: this.config.ingestDisconnectSeconds * 1000,
        silentAfterMs: this.config.peerSilenceSeconds * 1000,
        recording: this.config.recording,
        onClosed: (s) => {
          if (this.#rooms.get(roomId) !== s) return;
          this.#rooms.delete(roomId);
          this.#send({ type: 'room.released', roomId, ...(role ? { role } : {}) });
          this.#checkEmpty();
        },
      });
      this.#rooms.set(roomId, session);
    } catch (error) {
      this.log.error('could not open the room', { roomId, error: String(error) });
      this.#send({ type: 'room.released', roomId, ...(role ? { role } : {}) });
    } finally {
      this.#opening.delete(roomId);
      this.#checkEmpty();
    }
  }

  /**
   * The engine workers, the one with the fewest routers first: a new room's router goes there, and
   * a big room's extra routers (a viewer's share is half a worker's consumers: audio and video).
   */
  #workersByLoad() {
    const perWorker = new Map(this.node.workers.map((w) => [w, 0]));
    for (const room of this.#rooms.values()) for (const w of room.workersInUse) perWorker.set(w, (perWorker.get(w) ?? 0) + 1);
    return [...perWorker].sort((a, b) => a[1] - b[1]).map(([w]) => w);
  }

  async #reportLoad(): Promise<void> {
    const load = await this.#load();
    this.#send({ type: 'node.load', ...load });
  }

  async #load(): Promise<NodeLoad> {
    let transports = 0;
    let producers = 0;
    let consumers = 0;
    let bps = 0;
    for (const room of this.#rooms.values()) {
      const c = room.counts;
      transports += c.transports;
      producers += c.producers;
      consumers += c.consumers;
      for (const t of room.transports()) {
        const stats = await t.getStats().catch(() => []);
        for (const s of stats) bps += (s.recvBitrate ?? 0) + (s.sendBitrate ?? 0);
      }
    }
    let routers = 0;
    for (const room of this.#rooms.values()) routers += room.workersInUse.length;
    return { routers, transports, producers, consumers, cpu: this.#cpuShare(), bitrateKbps: Math.round(bps / 1000), state: this.#draining ? 'draining' : 'serving' };
  }

  /** Share of all cores this process used since the last report (the embedded engine runs in-process). */
  #cpuShare(): number {
    const now = process.hrtime.bigint();
    const usage = process.cpuUsage();
    const wallUs = Number(now - this.#cpu.at) / 1000;
    const cpuUs = usage.user - this.#cpu.usage.user + (usage.system - this.#cpu.usage.system);
    this.#cpu = { at: now, usage };
    if (wallUs <= 0) return 0;
    return Math.round(Math.min(1, cpuUs / wallUs / os.availableParallelism()) * 1000) / 1000;
  }

  #send(message: NodeToFleet): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }
}
