// A local stand-in for Neon's WebSocket proxy: @neondatabase/serverless (WebSocket mode) opens
// ws://HOST:PORT/v2?address=DBHOST:DBPORT and speaks the Postgres wire protocol in binary frames;
// this server pipes those frames to a plain TCP Postgres (or embedded PGlite) and back.
//
// Configure the driver with
//   neonConfig.wsProxy = (host, port) => `127.0.0.1:${proxyPort}/v2?address=${host}:${port}`
//   neonConfig.useSecureWebSocket = false; pipelineConnect = false; pipelineTLS = false
//
// Only loopback database addresses are accepted, and requests that carry a browser Origin are
// refused: otherwise any web page open on this machine could reach a trust-auth Postgres.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { BlockList, connect, isIP, type Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

export interface NeonWsProxyOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port; the real one is returned. */
  port: number;
  /** Called for connection-level problems (refused upstream, bad request). Default: silent. */
  log?: (line: string) => void;
}

export interface NeonWsProxy {
  port: number;
  close(): Promise<void>;
}

/** Body of GET /health, so a caller can tell this proxy from another service on the port. */
export const NEON_PROXY_HEALTH = 'roomcast-neon-ws-proxy';

const DEFAULT_PG_PORT = 5432;
// Stop reading from Postgres while this much is queued towards a slow WebSocket client.
const HIGH_WATER = 1 << 20;
const SSL_REQUEST_CODE = 80877103;
const GSSENC_REQUEST_CODE = 80877104;

export async function startNeonWsProxy(opts: NeonWsProxyOptions): Promise<NeonWsProxy> {
  const log = opts.log ?? (() => {});
  const sockets = new Set<Socket>();
  const http: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(NEON_PROXY_HEALTH);
      return;
    }
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket upgrade required\n');
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const target = parseTarget(req);
    if ('error' in target) {
      log(`refused ${req.url ?? ''}: ${target.error}`);
      socket.end(`HTTP/1.1 ${target.status} ${target.error}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => pipe(ws, target.host, target.port, sockets, log));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', (err) => log(`server error: ${err.message}`));
  const address = http.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');

  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        for (const s of sockets) s.destroy();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      });
      return closing;
    },
  };
}

type Target = { host: string; port: number } | { status: number; error: string };

function parseTarget(req: IncomingMessage): Target {
  if (req.headers.origin !== undefined) return { status: 403, error: 'Forbidden' };
  const url = new URL(req.url ?? '/', 'http://proxy.invalid');
  if (url.pathname !== '/v2' && url.pathname !== '/v1' && url.pathname !== '/') {
    return { status: 404, error: 'Not Found' };
  }
  const address = url.searchParams.get('address');
  if (!address) return { status: 400, error: 'Bad Request' };
  const { host, port } = splitHostPort(address);
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    return { status: 400, error: 'Bad Request' };
  }
  if (!isLoopback(host)) return { status: 403, error: 'Forbidden' };
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

function splitHostPort(address: string): { host: string; port: number | undefined } {
  // [::1]:5432, ::1, 127.0.0.1:5432, localhost
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed) {
    return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : DEFAULT_PG_PORT };
  }
  if (isIP(address) === 6) return { host: address, port: DEFAULT_PG_PORT };
  const colon = address.lastIndexOf(':');
  if (colon === -1) return { host: address, port: DEFAULT_PG_PORT };
  const portText = address.slice(colon + 1);
  return { host: address.slice(0, colon), port: /^\d+$/.test(portText) ? Number(portText) : undefined };
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** Literal loopback addresses only: a name other than `localhost` is never resolved. */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  if (family === 0) return false;
  return LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

function pipe(ws: WebSocket, host: string, port: number, sockets: Set<Socket>, log: (l: string) => void): void {
  const tcp = connect({ host, port });
  sockets.add(tcp);
  tcp.setNoDelay(true);
  const terminate = new TerminateWatcher();
  let tcpEnded = false;

  const shutdown = (code: number, reason: string) => {
    tcp.destroy();
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
  };

  ws.on('message', (data: RawData) => {
    const chunk = toBuffer(data);
    if (tcpEnded || tcp.destroyed) return;
    const sawTerminate = terminate.feed(chunk);
    if (!tcp.write(chunk)) {
      ws.pause();
      tcp.once('drain', () => ws.resume());
    }
    // PGlite never hangs up after Terminate; half-closing makes it (and real Postgres) finish.
    if (sawTerminate) {
      tcpEnded = true;
      tcp.end();
    }
  });
  ws.on('close', () => {
    if (!tcpEnded) {
      tcpEnded = true;
      tcp.end();
    }
    // Give the server a moment to flush its goodbye, then free the socket regardless.
    setTimeout(() => tcp.destroy(), 1000).unref();
  });
  ws.on('error', (err) => {
    log(`websocket error (${host}:${port}): ${err.message}`);
    shutdown(1011, 'websocket error');
  });

  tcp.on('data', (chunk) => {
    terminate.serverData(chunk);
    if (ws.readyState !== ws.OPEN) return;
    ws.send(chunk, { binary: true }, () => {
      if (tcp.isPaused() && ws.bufferedAmount < HIGH_WATER) tcp.resume();
    });
    if (ws.bufferedAmount >= HIGH_WATER) tcp.pause();
  });
  tcp.on('end', () => {
    // The database finished the session: close after the queued frames have gone out.
    if (ws.readyState === ws.OPEN) ws.close(1000);
  });
  tcp.on('error', (err) => {
    log(`database connection error (${host}:${port}): ${err.message}`);
    shutdown(1011, 'database connection failed');
  });
  tcp.on('close', () => {
    sockets.delete(tcp);
    if (ws.readyState === ws.OPEN) ws.close(1000);
  });
}

// Text frames are passed on as their UTF-8 bytes; the driver only sends binary ones.
function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? Buffer.from(data) : (data as Buffer);
}

/**
 * Follows frontend message boundaries to spot Terminate ('X', length 4) exactly, rather than
 * matching five bytes that could also occur inside a query's parameters. Gives up (never fires)
 * once the server accepts an SSL/GSS request, since the stream is then opaque.
 */
class TerminateWatcher {
  private startup = true;
  private awaitingEncryptionAnswer = false;
  private opaque = false;
  private pending = Buffer.alloc(0);
  private skip = 0;

  /** The first byte the server sends after an SSLRequest/GSSENCRequest is its answer. */
  serverData(chunk: Buffer): void {
    if (!this.awaitingEncryptionAnswer || chunk.length === 0) return;
    this.awaitingEncryptionAnswer = false;
    if (chunk[0] !== 0x4e /* 'N': declined, plain startup follows */) this.giveUp();
  }

  feed(chunk: Buffer): boolean {
    if (this.opaque) return false;
    // The rest of a long message (a bulk INSERT, COPY data) is skipped without being buffered.
    if (this.skip >= chunk.length) {
      this.skip -= chunk.length;
      return false;
    }
    let buf = chunk.subarray(this.skip);
    this.skip = 0;
    if (this.pending.length) buf = Buffer.concat([this.pending, buf]);
    let saw = false;
    for (;;) {
      if (this.startup) {
        if (buf.length < 8) break;
        const len = buf.readInt32BE(0);
        const code = buf.readInt32BE(4);
        if (len < 8) return this.giveUp();
        if (buf.length < len) break;
        buf = buf.subarray(len);
        if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
          this.awaitingEncryptionAnswer = true;
        } else {
          this.startup = false; // StartupMessage (or CancelRequest, after which nothing follows)
        }
      } else {
        if (buf.length < 5) break;
        const type = buf[0];
        const len = buf.readInt32BE(1);
        if (len < 4) return this.giveUp();
        if (type === 0x58 && len === 4) saw = true;
        if (buf.length < 1 + len) {
          this.skip = 1 + len - buf.length;
          buf = buf.subarray(buf.length);
          break;
        }
        buf = buf.subarray(1 + len);
      }
    }
    // Copy so a small remainder does not pin a large chunk.
    this.pending = Buffer.from(buf);
    return saw;
  }

  private giveUp(): false {
    this.opaque = true;
    this.pending = Buffer.alloc(0);
    return false;
  }
}
