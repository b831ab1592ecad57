// The worker's one UDP socket, shared by all its WebRTC transports (like mediasoup's
// WebRtcServer). STUN is routed by the local ICE username fragment; everything else by the
// remote address that ICE validated. Datagrams that match nothing are dropped and counted.
import dgram from 'node:dgram';
import { classifyDatagram } from './demux.ts';

export interface MuxEndpoint {
  /** A datagram for this transport from `from`. */
  onDatagram(data: Buffer, from: RemoteAddress): void;
}

export interface RemoteAddress {
  address: string;
  port: number;
  /** Set when the peer reached us over ICE-TCP: replies go back on this connection. */
  tcp?: { write(frame: Buffer): void; readonly id: number };
}

export interface UdpMuxStats {
  datagramsReceived: number;
  /** Garbage, STUN for unknown users, media from unknown addresses. */
  datagramsDropped: number;
}

const key = (a: RemoteAddress) => `${a.address}|${a.port}`;

export class UdpMux {
  readonly stats: UdpMuxStats = { datagramsReceived: 0, datagramsDropped: 0 };
  readonly #socket: dgram.Socket;
  readonly #byUfrag = new Map<string, MuxEndpoint>();
  readonly #byRemote = new Map<string, MuxEndpoint>();

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
    socket.on('message', (data, rinfo) => this.#onMessage(data, rinfo));
    // A send to a closed port surfaces here on some systems; it must never take the worker down.
    socket.on('error', () => {});
  }

  static async bind(listenIp: string, port: number): Promise<UdpMux> {
    const socket = dgram.createSocket({ type: listenIp.includes(':') ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, listenIp, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // Many consumers on one socket: deep kernel buffers avoid drops in bursts (keyframes).
    try {
      socket.setRecvBufferSize(4 * 1024 * 1024);
      socket.setSendBufferSize(4 * 1024 * 1024);
    } catch {
      // The kernel may cap these; the defaults still work.
    }
    return new UdpMux(socket);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  get localAddress(): string {
    return this.#socket.address().address;
  }

  send(data: Buffer, to: RemoteAddress): void {
    if (to.tcp) to.tcp.write(data);
    else this.#socket.send(data, to.port, to.address);
  }

  addUfrag(ufrag: string, endpoint: MuxEndpoint): void {
    this.#byUfrag.set(ufrag, endpoint);
  }

  removeUfrag(ufrag: string): void {
    this.#byUfrag.delete(ufrag);
  }

  /** Called once ICE has validated a remote address for the endpoint (TCP peers are bound per connection). */
  addRemote(remote: RemoteAddress, endpoint: MuxEndpoint): void {
    if (!remote.tcp) this.#byRemote.set(key(remote), endpoint);
  }

  removeRemote(remote: RemoteAddress, endpoint: MuxEndpoint): void {
    if (!remote.tcp && this.#byRemote.get(key(remote)) === endpoint) this.#byRemote.delete(key(remote));
  }

  close(): void {
    this.#byUfrag.clear();
    this.#byRemote.clear();
    this.#socket.close();
  }

  #onMessage(data: Buffer, rinfo: dgram.RemoteInfo): void {
    this.stats.datagramsReceived++;
    const from = { address: rinfo.address, port: rinfo.port };
    const kind = classifyDatagram(data);
    let endpoint: MuxEndpoint | undefined;
    if (kind === 'stun') endpoint = this.#endpointForStun(data) ?? this.#byRemote.get(key(from));
    else if (kind !== 'unknown') endpoint = this.#byRemote.get(key(from));
    if (!endpoint) {
      this.stats.datagramsDropped++;
      return;
    }
    endpoint.onDatagram(data, from);
  }

  // The USERNAME attribute is "<our ufrag>:<their ufrag>"; reading it does not need the
  // password, the endpoint then checks MESSAGE-INTEGRITY.
  endpointForStun(data: Buffer): MuxEndpoint | undefined {
    return this.#endpointForStun(data);
  }

  #endpointForStun(data: Buffer): MuxEndpoint | undefined {
    const username = readStunUsername(data);
    if (!username) return undefined;
    const colon = username.indexOf(':');
    return this.#byUfrag.get(colon === -1 ? username : username.slice(0, colon));
  }
}

const STUN_HEADER = 20;
const ATTR_USERNAME = 0x0006;

function readStunUsername(data: Buffer): string | undefined {
  if (data.length < STUN_HEADER) return undefined;
  const end = Math.min(data.length, STUN_HEADER + data.readUInt16BE(2));
  let offset = STUN_HEADER;
  while (offset + 4 <= end) {
    const type = data.readUInt16BE(offset);
    const length = data.readUInt16BE(offset + 2);
    if (offset + 4 + length > end) return undefined;
    if (type === ATTR_USERNAME) return data.toString('utf8', offset + 4, offset + 4 + length);
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return undefined;
}
