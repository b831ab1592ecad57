// Local WebSocket servers standing in for FleetDO and a RoomDO in the node's fleet tests: each
// accepted connection with a queue of frames and waits that time out; and a real node wired to them.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { FLEET_KEEPALIVE, NODE_KEEPALIVE, ROOM_KEEPALIVE } from '@roomcast/schema/protocol';
import { loadConfig } from '../../src/config.ts';
import { FleetClient } from '../../src/fleet/fleet-client.ts';
import { type Logger, silentLogger } from '../../src/log.ts';
import { MediaNode } from '../../src/node.ts';

export type Frame = Record<string, any>;

/** One accepted socket with a queue of frames and waits that time out. */
export class Conn {
  readonly #unread: Frame[] = [];
  readonly #waiters: { match: (m: Frame) => boolean; resolve: (m: Frame) => void }[] = [];
  /** Whether NODE_KEEPALIVE gets the server's answer, as the Durable Object's runtime gives it (false: a peer gone silent). */
  answersKeepalives = true;
  constructor(
    readonly ws: WebSocket,
    readonly authorization: string | undefined,
    keepaliveAnswer?: string,
  ) {
    ws.on('message', (d) => {
      const text = d.toString();
      if (keepaliveAnswer && this.answersKeepalives && text === NODE_KEEPALIVE) ws.send(keepaliveAnswer);
      const m = JSON.parse(text) as Frame;
      const i = this.#waiters.findIndex((w) => w.match(m));
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(m);
      else this.#unread.push(m);
    });
  }
  send(m: Frame) {
    this.ws.send(JSON.stringify(m));
  }
  next(match: string | ((m: Frame) => boolean), timeoutMs = 5000): Promise<Frame> {
    const fn = typeof match === 'string' ? (m: Frame) => m.type === match : match;
    const i = this.#unread.findIndex(fn);
    if (i >= 0) return Promise.resolve(this.#unread.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${String(match)} within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({ match: fn, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }
}

/**
 * A WebSocket server handing out each accepted connection in order; with `keepaliveAnswer`, its
 * connections answer the node's keepalives with it (ROOM_KEEPALIVE, FLEET_KEEPALIVE).
 */
export class Server {
  readonly wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  readonly #accepted: Conn[] = [];
  readonly #waiting: ((c: Conn) => void)[] = [];
  constructor(keepaliveAnswer?: string) {
    this.wss.on('connection', (ws, req) => {
      const conn = new Conn(ws, req.headers.authorization, keepaliveAnswer);
      const w = this.#waiting.shift();
      if (w) w(conn);
      else this.#accepted.push(conn);
    });
  }
  get url() {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }
  accept(timeoutMs = 5000): Promise<Conn> {
    const c = this.#accepted.shift();
    if (c) return Promise.resolve(c);
    return new Promise((resolve, reject) => {
      const waiter = (conn: Conn) => (clearTimeout(timer), resolve(conn));
      // A wait that timed out leaves the queue: the next connection goes to the next accept().
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        reject(new Error('no connection'));
      }, timeoutMs);
      this.#waiting.push(waiter);
    });
  }
}

/** A real media node (embedded engine, one worker) whose FleetDO and RoomDOs are stand-in servers. */
export interface NodeWithStandIns {
  fleet: Server;
  rooms: Server;
  node: MediaNode;
  client: FleetClient;
  close(): void;
}

export async function startNodeWithStandIns(options: { nodeId: string; rtcMinPort: number; logger?: Logger; env?: Record<string, string> }): Promise<NodeWithStandIns> {
  const fleet = new Server(FLEET_KEEPALIVE);
  const rooms = new Server(ROOM_KEEPALIVE);
  await Promise.all([once(fleet.wss, 'listening'), once(rooms.wss, 'listening')]);
  const config = loadConfig({
    MEDIA_NODE_ID: options.nodeId,
    MEDIA_REGION: 'eu',
    MEDIA_ENGINE: 'embedded',
    MEDIA_WORKERS: '1',
    MEDIA_LISTEN_IP: '127.0.0.1',
    MEDIA_RTC_MIN_PORT: String(options.rtcMinPort),
    MEDIA_RTC_MAX_PORT: String(options.rtcMinPort + 9),
    MEDIA_FLEET_URL: `${fleet.url}/api/v1/fleet/connect`,
    MEDIA_FLEET_TOKEN: 'node-credential',
    ...options.env,
  });
  const logger = options.logger ?? silentLogger;
  const node = await MediaNode.start(config, logger);
  const client = new FleetClient(node, config, config.fleet!, logger);
  client.start();
  return {
    fleet,
    rooms,
    node,
    client,
    close() {
      client.stop();
      node.close();
      fleet.wss.close();
      rooms.wss.close();
    },
  };
}

/** Plays FleetDO's side of registration (heartbeats every 200 ms) and returns the node's fleet socket. */
export async function registerNode(fleet: Server): Promise<Conn> {
  const conn = await fleet.accept();
  await conn.next('node.register');
  conn.send({ type: 'node.registered', protocol: 1, heartbeatMs: 200 });
  return conn;
}
