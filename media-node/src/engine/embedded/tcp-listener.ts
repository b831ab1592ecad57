// ICE-TCP (RFC 6544, passive candidates) on the worker's port: for clients whose networks block
// UDP. Frames are RFC 4571 (a 16-bit length, then the datagram). A connection belongs to the
// transport whose ufrag its first STUN request names; anything else closes it.
import net from 'node:net';
import { classifyDatagram } from './demux.ts';
import type { UdpMux } from './udp-mux.ts';

const FIRST_REQUEST_TIMEOUT_MS = 10_000;

let nextId = 1;

export class TcpListener {
  readonly #server: net.Server;
  rejectedConnections = 0;

  private constructor(
    server: net.Server,
    private readonly mux: UdpMux,
  ) {
    this.#server = server;
    server.on('connection', (socket) => this.#accept(socket));
    server.on('error', () => {});
  }

  /** Listens on the UDP mux's port; undefined when that TCP port is not available. */
  static async listen(listenIp: string, mux: UdpMux): Promise<TcpListener | undefined> {
    const server = net.createServer({ noDelay: true });
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(mux.port, listenIp, () => resolve(true));
    });
    return ok ? new TcpListener(server, mux) : undefined;
  }

  close(): void {
    this.#server.close();
  }

  #accept(socket: net.Socket): void {
    const id = nextId++;
    const remote = {
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      tcp: {
        id,
        write: (frame: Buffer) => {
          if (socket.destroyed || frame.length > 0xffff) return;
          const header = Buffer.allocUnsafe(2);
          header.writeUInt16BE(frame.length, 0);
          socket.write(Buffer.concat([header, frame]));
        },
      },
    };
    let endpoint: ReturnType<UdpMux['endpointForStun']>;
    let pending = Buffer.alloc(0);
    const reject = () => {
      this.rejectedConnections++;
      socket.destroy();
    };
    const timer = setTimeout(() => endpoint || reject(), FIRST_REQUEST_TIMEOUT_MS);
    timer.unref();
    socket.on('error', () => {});
    socket.on('close', () => clearTimeout(timer));
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const frame = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        if (!endpoint) {
          endpoint = classifyDatagram(frame) === 'stun' ? this.mux.endpointForStun(frame) : undefined;
          if (!endpoint) return reject();
        }
        endpoint.onDatagram(Buffer.from(frame), remote);
      }
    });
  }
}
