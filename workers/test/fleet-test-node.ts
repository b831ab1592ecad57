// A scripted media node for the workerd tests: real WebSockets into FleetDO and RoomDO, speaking
// the fleet protocol, answering the room's requests with schema-valid results it makes up (no
// engine runs inside workerd; the real node and engine are exercised by the fleet integration
// test in scripts/test/fleet-it).
import { env, exports } from 'cloudflare:workers';
import { FLEET_PROTOCOL_VERSION, NODE_KEEPALIVE, NODE_KEEPALIVE_INTERVAL_MS, type FleetToNode, type NodeToRoom, type RoomToNode } from '@roomcast/schema/protocol';
import type { Env } from '../src/env.ts';
import { fleetStub, type FleetDO } from '../src/fleet/fleet-do.ts';
import { signNodeToken } from '../src/fleet/fleet-token.ts';
import { unique } from './api-client.ts';
import { config, join, liveRoom, RoomSocket, until, withTimeout, type TestRoom } from './room-client.ts';
import type { Tenant } from './api-client.ts';

export const ADMIN = (env as unknown as Env).ADMIN_TOKEN!;

/** A FleetDO of the test's own, so nodes of other tests never take part in its placements. */
export const ownFleet = () => {
  const fleets = (env as unknown as Env).FLEET;
  return fleets.get(fleets.idFromName(unique('fleet'))) as DurableObjectStub<FleetDO>;
};

type Frame = Record<string, any>;

/** A WebSocket with waits that time out, for either direction's frames. */
export class Peer {
  readonly received: Frame[] = [];
  /** Keepalive answers (room.keepalive, fleet.keepalive) received; kept out of `received`. */
  keepalivesAnswered = 0;
  #unread: Frame[] = [];
  #waiters: { match: (m: Frame) => boolean; resolve: (m: Frame) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })));
    ws.addEventListener('message', (e) => {
      const m = JSON.parse(e.data as string) as Frame;
      if (m.type === 'room.keepalive' || m.type === 'fleet.keepalive') return void this.keepalivesAnswered++;
      this.received.push(m);
      const i = this.#waiters.findIndex((w) => w.match(m));
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(m);
      else this.#unread.push(m);
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  next(match: string | ((m: Frame) => boolean), timeoutMs = 5000): Promise<Frame> {
    const fn = typeof match === 'string' ? (m: Frame) => m.type === match : match;
    const i = this.#unread.findIndex(fn);
    if (i >= 0) return Promise.resolve(this.#unread.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = { match: fn, resolve: (m: Frame) => (clearTimeout(timer), resolve(m)) };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`no ${typeof match === 'string' ? match : 'matching'} frame within ${timeoutMs} ms; unread: ${JSON.stringify(this.#unread.slice(-5))}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  close(code = 1000, reason = 'done'): void {
    try {
      this.ws.close(code, reason);
    } catch {
      // already closed
    }
  }
}

export const nodeToken = (nodeId: string, region: string, secret = config.fleet.secret, ttl = 600) => signNodeToken(secret, { nodeId, region }, ttl);

/** Opens `/api/v1/fleet/connect` through the Worker (or straight into one FleetDO instance). */
export async function dialFleet(token: string | undefined, target?: DurableObjectStub): Promise<Response> {
  const headers: Record<string, string> = { Upgrade: 'websocket' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const request = new Request('http://roomcast.test/api/v1/fleet/connect', { headers });
  return target ? target.fetch(request) : exports.default.fetch(request);
}

export function accept(res: Response): Peer {
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade refused: ${res.status}`);
  res.webSocket.accept();
  return new Peer(res.webSocket);
}

export interface TestNodeOptions {
  nodeId: string;
  region?: string;
  maxConsumers?: number;
  /** Dial this FleetDO instance directly instead of the global one through the Worker. */
  target?: DurableObjectStub;
  /** Send keepalives on room sockets, as real nodes do (default); false plays an older node. */
  keepalive?: boolean;
}

/** A registered node. `serveRooms()` makes it dial every assigned room and answer its requests. */
export class TestNode {
  /** Every node still open, so a failed test cannot leave one behind for the next (closeAll). */
  static readonly open = new Set<TestNode>();
  readonly rooms = new Map<string, Peer>();
  #counter = 0;
  /** Requests the rooms sent, in order. */
  readonly requests: RoomToNode[] = [];
  /** What it answers to recording.stop (the test uploaded the parts itself). */
  recordingReport: unknown;
  /** What it answers to recording.stop of one recording id (a recording's further track), before recordingReport. */
  readonly recordingReports = new Map<string, unknown>();
  /** A busy node: requests get no answer until `release()`; its keepalive timer still runs. */
  silent = false;
  /** A hung node (a stopped process): no answers and no keepalives; sockets stay open. */
  #hung = false;
  /** Requests that arrived while silent, for `release()`. */
  readonly #held: { room: Peer; frame: Extract<RoomToNode, { type: 'request' }> }[] = [];
  readonly #keepaliveTimers = new Set<ReturnType<typeof setInterval>>();

  private constructor(
    readonly nodeId: string,
    readonly fleet: Peer,
    readonly keepalive: boolean,
  ) {}

  /** Stops answering and stops its keepalives, sockets left open: what SIGSTOP does to a real node. */
  hang(): void {
    this.#hung = true;
    this.silent = true;
  }

  /** What SIGCONT does: keepalives again on the sockets still open, and the held requests answered. */
  resume(): void {
    this.#hung = false;
    this.release();
  }

  static async register(o: TestNodeOptions): Promise<TestNode> {
    const region = o.region ?? 'local';
    const fleet = accept(await dialFleet(await nodeToken(o.nodeId, region), o.target));
    fleet.send({
      type: 'node.register',
      protocol: FLEET_PROTOCOL_VERSION,
      nodeId: o.nodeId,
      region,
      announcedAddress: '127.0.0.1',
      engine: 'embedded',
      workers: 2,
      capacity: { maxConsumers: o.maxConsumers ?? 800, maxRouters: 100 },
    });
    await fleet.next('node.registered');
    const node = new TestNode(o.nodeId, fleet, o.keepalive ?? true);
    TestNode.open.add(node);
    node.load({});
    return node;
  }

  load(over: Partial<{ routers: number; consumers: number; state: 'serving' | 'draining' }>): void {
    this.fleet.send({ type: 'node.load', routers: 0, transports: 0, producers: 0, consumers: 0, cpu: 0.1, bitrateKbps: 0, state: 'serving', ...over });
  }

  /** Waits for FleetDO's next room.assign and dials that room. */
  async acceptAssignment(roomId: string, timeoutMs = 5000): Promise<{ roomId: string; room: Peer }> {
    const assign = (await this.fleet.next((m) => m.type === 'room.assign' && m.roomId === roomId, timeoutMs)) as Extract<FleetToNode, { type: 'room.assign' }>;
    return { roomId: assign.roomId, room: await this.dialRoom(assign.roomId, assign.token) };
  }

  /** Dials the room's node socket with a room-node credential, says node.ready and serves its requests. */
  async dialRoom(roomId: string, token: string): Promise<Peer> {
    const res = await exports.default.fetch(
      new Request(`http://roomcast.test/api/v1/rooms/${encodeURIComponent(roomId)}/media-node`, { headers: { Upgrade: 'websocket', authorization: `Bearer ${token}` } }),
    );
    const room = accept(res);
    this.rooms.set(roomId, room);
    room.ws.addEventListener('message', (e) => this.#answer(room, JSON.parse(e.data as string)));
    room.send({
      type: 'node.ready',
      protocol: FLEET_PROTOCOL_VERSION,
      nodeId: this.nodeId,
      rtpCapabilities: { codecs: [{ kind: 'video', mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 96 }], headerExtensions: [] },
      ...(this.keepalive ? { keepaliveMs: NODE_KEEPALIVE_INTERVAL_MS } : {}),
    } satisfies NodeToRoom);
    if (this.keepalive) {
      const timer = setInterval(() => {
        if (!this.#hung && room.ws.readyState === WebSocket.OPEN) room.ws.send(NODE_KEEPALIVE);
      }, NODE_KEEPALIVE_INTERVAL_MS);
      this.#keepaliveTimers.add(timer);
      void room.closed.then(() => (clearInterval(timer), this.#keepaliveTimers.delete(timer)));
    }
    return room;
  }

  /** Plays the engine: every request gets an answer shaped like NODE_REQUESTS' result. */
  #answer(room: Peer, frame: RoomToNode): void {
    if (frame.type !== 'request') return;
    this.requests.push(frame);
    if (this.silent) return void this.#held.push({ room, frame });
    this.#reply(room, frame);
  }

  /** Stops being silent and answers every request held meanwhile, in order. */
  release(): void {
    this.silent = false;
    // Sockets the room closed meanwhile (it gave up on the node) get nothing.
    for (const { room, frame } of this.#held.splice(0)) if (room.ws.readyState === WebSocket.OPEN) this.#reply(room, frame);
  }

  #reply(room: Peer, frame: Extract<RoomToNode, { type: 'request' }>): void {
    const id = () => `${this.nodeId}-${frame.method.split('.')[0]}-${++this.#counter}`;
    const data = (frame.data ?? {}) as Record<string, any>;
    let result: unknown = {};
    switch (frame.method) {
      case 'transport.create':
        result = {
          id: id(),
          iceParameters: { usernameFragment: 'u', password: 'p', iceLite: true },
          iceCandidates: [{ foundation: 'udp', priority: 1, ip: '127.0.0.1', address: '127.0.0.1', protocol: 'udp', port: 41000, type: 'host' }],
          dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] },
        };
        break;
      case 'transport.produce':
        result = { id: id() };
        break;
      case 'transport.consume':
        result = { id: id(), producerId: data.producerId, kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }] }, type: 'simple' };
        break;
      case 'transport.restartIce':
        result = { iceParameters: { usernameFragment: 'u2', password: 'p2', iceLite: true } };
        break;
      case 'recording.start':
        result = { container: 'webm' };
        break;
      case 'recording.stop':
        result = this.recordingReports.get(data.recordingId) ?? this.recordingReport ?? { parts: [], sizeBytes: 0, durationMs: null, videoCodec: null, audioCodec: null, container: 'webm', poster: false };
        break;
      case 'hls.start':
        result = { transcoded: true };
        break;
      case 'hls.stop':
        result = { segments: 0 };
        break;
      case 'rtmp.start':
        result = { transcoded: true };
        break;
    }
    room.send({ type: 'response', id: frame.id, ok: true, data: result } satisfies NodeToRoom);
  }

  static closeAll(): void {
    for (const node of TestNode.open) node.close();
  }

  close(): void {
    TestNode.open.delete(this);
    for (const timer of this.#keepaliveTimers) clearInterval(timer);
    this.#keepaliveTimers.clear();
    for (const room of this.rooms.values()) room.close(1000, 'node closing');
    this.fleet.close(1000, 'node closing');
  }
}

/** Waits for an unread frame on a client socket, with a larger default timeout for placement. */
export const nextOf = (socket: RoomSocket, type: string, timeoutMs = 8000) => socket.next(type as never, timeoutMs);

export { withTimeout };

/** A live room of `tenant` placed on `node`, its host joined and told the room's media is ready. */
export async function roomOnNode(tenant: Tenant, node: TestNode): Promise<{ room: TestRoom; host: Awaited<ReturnType<typeof join>>; link: Peer }> {
  const room = await liveRoom(tenant);
  const host = await join(room, { role: 'host', name: 'Hana' });
  const { room: link } = await node.acceptAssignment(room.roomId);
  await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
  return { room, host, link };
}

/**
 * Two nodes on the global fleet, the second loaded so that a room goes to the first (placement:
 * least loaded) and to the second once the first is lost.
 */
export async function twoNodes(name: string): Promise<{ first: TestNode; second: TestNode }> {
  const first = await TestNode.register({ nodeId: unique(`a-${name}-first`) });
  const second = await TestNode.register({ nodeId: unique(`z-${name}-second`) });
  // Twice, as room-media.test.ts does: with one report the room did not reliably go to the first.
  second.load({ consumers: 400 });
  second.load({ consumers: 400 });
  const loadOf = async (nodeId: string) => (await fleetStub(env as unknown as Env).listNodes()).find((n) => n.nodeId === nodeId)?.load?.consumers;
  await until(`${second.nodeId} reported its load`, async () => ((await loadOf(second.nodeId)) === 400 ? true : undefined));
  return { first, second };
}
