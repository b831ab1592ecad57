// A plain RTP transport: bare UDP (optionally SRTP with keys exchanged out of band) to a peer that
// is not a browser: ffmpeg publishing a file or a stream, a recorder reading a room, an RTMP or
// HLS bridge. Its own port (two without rtcpMux), released on close. The peer's address comes
// from connect() or, with comedia, from its first packet; anything from another address is
// counted and dropped, so a stranger cannot inject media or steal the stream by sending first.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { RtpPacket, SrtcpSession, SrtpSession, type RtpHeader } from 'werift';
import { EngineError, unsupported } from '../errors.ts';
import type { PlainTransport, PlainTransportOptions, PlainTuple, RtpCapabilities, SrtpCryptoSuite, SrtpParameters, TransportStat } from '../types.ts';
import { EXT } from './capabilities.ts';
import { classifyDatagram } from './demux.ts';
import type { RouterContext } from './router.ts';
import { EmbeddedRtpTransport } from './rtp-transport.ts';
import { PROFILE_AEAD_AES_128_GCM, PROFILE_AES_CM_128_HMAC_SHA1_80, SrtpSender } from './srtp-sender.ts';

/** The SRTP suites the embedded engine implements, with werift's profile id and key sizes. */
const SRTP_SUITES: Partial<Record<SrtpCryptoSuite, { profile: number; keyLength: number; saltLength: number }>> = {
  AES_CM_128_HMAC_SHA1_80: { profile: PROFILE_AES_CM_128_HMAC_SHA1_80, keyLength: 16, saltLength: 14 },
  AEAD_AES_128_GCM: { profile: PROFILE_AEAD_AES_128_GCM, keyLength: 16, saltLength: 12 },
};

interface Remote {
  address: string;
  port: number;
}

interface SrtpState {
  srtp: SrtpSession;
  srtcp: SrtcpSession;
  sender: SrtpSender;
}

export interface PlainListen {
  ip: string;
  announcedAddress: string;
  port: number;
}

/** mediasoup accepts `listenInfo` or the older `listenIp`; both become one address and port. */
export function plainListen(options: Pick<PlainTransportOptions, 'listenInfo' | 'listenIp'>): PlainListen {
  const info = options.listenInfo;
  if (info) {
    if (info.protocol !== undefined && info.protocol !== 'udp') throw unsupported(`a plain transport over ${String(info.protocol)}`, 'embedded');
    if (typeof info.ip !== 'string' || info.ip === '') throw new EngineError('invalid_parameters', 'listenInfo.ip is required');
    return { ip: info.ip, announcedAddress: info.announcedAddress ?? info.ip, port: info.port ?? 0 };
  }
  const ip = typeof options.listenIp === 'string' ? options.listenIp : options.listenIp?.ip;
  if (typeof ip !== 'string' || ip === '') throw new EngineError('invalid_parameters', 'listenInfo or listenIp is required');
  const announced = typeof options.listenIp === 'object' ? options.listenIp.announcedIp : undefined;
  return { ip, announcedAddress: announced ?? ip, port: 0 };
}

/** A UDP socket bound to ip:port, or 'in-use' when the port is taken; other failures throw. */
function tryBind(ip: string, port: number): Promise<dgram.Socket | 'in-use'> {
  const socket = dgram.createSocket({ type: ip.includes(':') ? 'udp6' : 'udp4' });
  return new Promise((resolve, reject) => {
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') return resolve('in-use');
      reject(new EngineError('invalid_parameters', `cannot listen on ${ip}:${port}: ${error.message}`));
    });
    socket.bind(port, ip, () => resolve(socket));
  });
}

/** The given port, or a free one of the worker's RTC range (from a random start), or any free one. */
export async function bindInRange(ip: string, port: number, range: { min: number; max: number } | undefined): Promise<dgram.Socket> {
  if (port !== 0 || !range) {
    const socket = await tryBind(ip, port);
    if (socket === 'in-use') throw new EngineError('invalid_parameters', `port ${port} is in use`);
    return socket;
  }
  const size = range.max - range.min + 1;
  if (size <= 0) throw new EngineError('limit_reached', 'the RTC port range has no port left for plain and pipe transports');
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const socket = await tryBind(ip, range.min + ((start + i) % size));
    if (socket !== 'in-use') return socket;
  }
  throw new EngineError('limit_reached', `no free port in ${range.min}-${range.max}`);
}

export class EmbeddedPlainTransport extends EmbeddedRtpTransport implements PlainTransport {
  readonly rtcpMux: boolean;
  readonly comedia: boolean;
  readonly srtpParameters: SrtpParameters | undefined;
  #remote: Remote | undefined;
  #rtcpRemote: Remote | undefined;
  #connectCalled = false;
  #srtp: SrtpState | undefined;
  /** Read once: a closed socket no longer knows its port, and the tuple outlives it. */
  readonly #ports: { rtp: number; rtcp: number | undefined };

  protected constructor(
    ctx: RouterContext,
    private readonly listen: PlainListen,
    private readonly rtpSocket: dgram.Socket,
    private readonly rtcpSocket: dgram.Socket | undefined,
    options: PlainTransportOptions,
  ) {
    super(ctx, options.appData ?? {});
    this.rtcpMux = rtcpSocket === undefined;
    this.#ports = { rtp: rtpSocket.address().port, rtcp: rtcpSocket?.address().port };
    this.comedia = options.comedia ?? false;
    if (options.enableSrtp) {
      const suite = options.srtpCryptoSuite ?? 'AES_CM_128_HMAC_SHA1_80';
      const sizes = SRTP_SUITES[suite];
      if (!sizes) throw unsupported(`SRTP suite ${suite}`, 'embedded');
      this.srtpParameters = { cryptoSuite: suite, keyBase64: randomBytes(sizes.keyLength + sizes.saltLength).toString('base64') };
    }
    rtpSocket.on('message', (data, from) => this.#onDatagram(data, from, false));
    rtcpSocket?.on('message', (data, from) => this.#onDatagram(data, from, true));
    // A send to a closed port can surface as a socket error; it must not take the node down.
    rtpSocket.on('error', () => this.counters.dropped++);
    rtcpSocket?.on('error', () => this.counters.dropped++);
  }

  static async create(ctx: RouterContext, options: PlainTransportOptions): Promise<EmbeddedPlainTransport> {
    const listen = plainListen(options);
    if (options.enableSrtp && !SRTP_SUITES[options.srtpCryptoSuite ?? 'AES_CM_128_HMAC_SHA1_80']) {
      throw unsupported(`SRTP suite ${String(options.srtpCryptoSuite)}`, 'embedded');
    }
    const rtpSocket = await bindInRange(listen.ip, listen.port, ctx.rtcPortRange);
    let rtcpSocket: dgram.Socket | undefined;
    try {
      if (options.rtcpMux === false) rtcpSocket = await bindInRange(listen.ip, 0, ctx.rtcPortRange);
    } catch (error) {
      rtpSocket.close();
      throw error;
    }
    return new EmbeddedPlainTransport(ctx, listen, rtpSocket, rtcpSocket, options);
  }

  get tuple(): PlainTuple {
    return this.#tuple(this.#ports.rtp, this.#remote);
  }

  get rtcpTuple(): PlainTuple | undefined {
    return this.#ports.rtcp === undefined ? undefined : this.#tuple(this.#ports.rtcp, this.#rtcpRemote);
  }

  async connect(options: { ip?: string; port?: number; rtcpPort?: number; srtpParameters?: SrtpParameters } = {}): Promise<void> {
    this.assertOpen();
    if (this.#connectCalled) throw new EngineError('invalid_state', 'connect() already called');
    const { ip, port, rtcpPort, srtpParameters } = options;
    if (this.srtpParameters) {
      if (!srtpParameters) throw new EngineError('invalid_parameters', 'srtpParameters are required: SRTP is enabled on this transport');
      this.#srtp = this.#srtpSessions(srtpParameters);
    } else if (srtpParameters) {
      throw new EngineError('invalid_parameters', 'srtpParameters given but SRTP is not enabled on this transport');
    }
    if (!this.comedia) {
      if (typeof ip !== 'string' || ip === '') throw new EngineError('invalid_parameters', 'ip is required without comedia');
      if (!validPort(port)) throw new EngineError('invalid_parameters', 'port must be 1-65535');
      if (!this.rtcpMux && !validPort(rtcpPort)) throw new EngineError('invalid_parameters', 'rtcpPort must be 1-65535 without rtcpMux');
      this.#remote = { address: ip, port: port! };
      if (!this.rtcpMux) this.#rtcpRemote = { address: ip, port: rtcpPort! };
    }
    this.#connectCalled = true;
    if (this.ready) this.wireReady();
  }

  get ready(): boolean {
    return !this.closed && this.#remote !== undefined && (this.#srtp !== undefined || !this.srtpParameters);
  }

  protected get rtcpReady(): boolean {
    return this.ready && (this.rtcpMux || this.#rtcpRemote !== undefined);
  }

  sendRtp(header: RtpHeader, payload: Buffer): number {
    if (!this.ready) return 0;
    const packet = this.#srtp ? this.#srtp.sender.protect(header, payload) : new RtpPacket(header, payload).serialize();
    this.#send(this.rtpSocket, packet, this.#remote!);
    return packet.length;
  }

  sendRtcp(data: Buffer): void {
    if (!this.rtcpReady) return;
    const packet = this.#srtp ? this.#srtp.srtcp.encrypt(data) : data;
    if (this.rtcpMux) this.#send(this.rtpSocket, packet, this.#remote!);
    else this.#send(this.rtcpSocket!, packet, this.#rtcpRemote!);
  }

  async getStats(): Promise<TransportStat[]> {
    return [{ ...this.statBase(), type: 'plain-rtp-transport', tuple: this.tuple, ...(this.rtcpTuple ? { rtcpTuple: this.rtcpTuple } : {}) }];
  }

  /** Non-browser peers: no video-orientation extension (ffmpeg would rotate the picture by it). */
  protected override consumerCapabilities(rtpCapabilities: RtpCapabilities): RtpCapabilities {
    const headerExtensions = (rtpCapabilities?.headerExtensions ?? []).filter((e) => e.uri !== EXT.videoOrientation);
    return { ...rtpCapabilities, headerExtensions };
  }

  protected closeWire(): void {
    this.rtpSocket.close();
    this.rtcpSocket?.close();
  }

  #onDatagram(data: Buffer, from: dgram.RemoteInfo, onRtcpPort: boolean): void {
    if (this.closed) return;
    this.countReceived(data.length);
    const kind = classifyDatagram(data);
    const known = onRtcpPort ? this.#rtcpRemote : this.#remote;
    const acceptable =
      (kind === 'rtp' || kind === 'rtcp') &&
      (!onRtcpPort || kind === 'rtcp') &&
      (known ? known.address === from.address && known.port === from.port : this.#mayLearnFrom(kind, onRtcpPort)) &&
      (this.#srtp !== undefined || !this.srtpParameters);
    if (!acceptable) {
      this.counters.dropped++;
      return;
    }
    let plain: Buffer;
    try {
      plain = !this.#srtp ? data : kind === 'rtp' ? this.#srtp.srtp.decrypt(data) : this.#srtp.srtcp.decrypt(data);
    } catch {
      this.counters.srtpErrors++;
      return;
    }
    // Only a packet that decrypted names the peer: garbage sent first cannot take the stream.
    if (!known) this.#learn(from, onRtcpPort);
    try {
      if (kind === 'rtp') this.receiveRtp(plain);
      else this.receiveRtcp(plain);
    } catch {
      this.counters.dropped++;
    }
  }

  /**
   * With comedia the first RTP packet names the peer (the first RTCP packet on the RTCP port,
   * without rtcpMux), as mediasoup does: ffmpeg sends RTCP from a port of its own, so learning
   * from RTCP would lock out its RTP. Without comedia only connect() names it.
   */
  #mayLearnFrom(kind: 'rtp' | 'rtcp', onRtcpPort: boolean): boolean {
    return this.comedia && (onRtcpPort || kind === 'rtp');
  }

  #learn(from: dgram.RemoteInfo, onRtcpPort: boolean): void {
    const learned = { address: from.address, port: from.port };
    if (onRtcpPort) {
      this.#rtcpRemote = learned;
      this.emit('rtcptuple', this.rtcpTuple!);
    } else {
      this.#remote = learned;
      this.emit('tuple', this.tuple);
      if (this.ready) this.wireReady();
    }
  }

  #srtpSessions(remote: SrtpParameters): SrtpState {
    const local = this.srtpParameters!;
    if (remote.cryptoSuite !== local.cryptoSuite) throw new EngineError('invalid_parameters', `the peer's SRTP suite must be ${local.cryptoSuite}`);
    const sizes = SRTP_SUITES[local.cryptoSuite]!;
    const localKey = Buffer.from(local.keyBase64, 'base64');
    const remoteKey = typeof remote.keyBase64 === 'string' ? Buffer.from(remote.keyBase64, 'base64') : Buffer.alloc(0);
    if (remoteKey.length !== sizes.keyLength + sizes.saltLength) {
      throw new EngineError('invalid_parameters', `srtpParameters.keyBase64 must hold ${sizes.keyLength + sizes.saltLength} bytes`);
    }
    const keys = {
      localMasterKey: localKey.subarray(0, sizes.keyLength),
      localMasterSalt: localKey.subarray(sizes.keyLength),
      remoteMasterKey: remoteKey.subarray(0, sizes.keyLength),
      remoteMasterSalt: remoteKey.subarray(sizes.keyLength),
    };
    const config = { profile: sizes.profile, keys };
    return { srtp: new SrtpSession(config), srtcp: new SrtcpSession(config), sender: new SrtpSender(sizes.profile, keys.localMasterKey, keys.localMasterSalt) };
  }

  #tuple(localPort: number, remote: Remote | undefined): PlainTuple {
    return {
      localAddress: this.listen.announcedAddress,
      localPort,
      protocol: 'udp',
      ...(remote ? { remoteIp: remote.address, remotePort: remote.port } : {}),
    };
  }

  #send(socket: dgram.Socket, packet: Buffer, to: Remote): void {
    this.countSent(packet.length);
    socket.send(packet, to.port, to.address);
  }
}

const validPort = (port: unknown): port is number => Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536;
