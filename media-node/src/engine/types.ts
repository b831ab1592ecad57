// The one engine interface. It is the part of mediasoup's API the product uses, with the same
// names and shapes, so the mediasoup adapter is thin and the embedded engine is a drop-in.
import type {
  DtlsParameters,
  DtlsState,
  IceCandidate,
  IceParameters,
  IceState,
  MediaKind,
  RtpCapabilities,
  RtpCodecCapability,
  RtpParameters,
} from './rtp-parameters.ts';

export type * from './rtp-parameters.ts';

export type EngineName = 'mediasoup' | 'embedded';

/** Typed subset of an EventEmitter; `close` is emitted once, whatever closed the object. */
export interface Events<M extends Record<string, unknown[]>> {
  on<K extends keyof M & string>(event: K, listener: (...args: M[K]) => void): this;
  once<K extends keyof M & string>(event: K, listener: (...args: M[K]) => void): this;
  off<K extends keyof M & string>(event: K, listener: (...args: M[K]) => void): this;
}

export interface Engine {
  readonly name: EngineName;
  createWorker(options: WorkerOptions): Promise<EngineWorker>;
}

export interface WorkerOptions {
  /** Local address the worker's sockets bind to. */
  listenIp: string;
  /** Address put in ICE candidates. */
  announcedAddress: string;
  /** The worker's one UDP (and, where the engine can, TCP) port; 0 picks a free one. */
  port: number;
  /**
   * Ports plain and pipe transports take when their listen info names none (what the firewall
   * opens for recorders and other nodes); without it they take any free port.
   */
  rtcPortRange?: { min: number; max: number };
  /** Worker-level cap on what each publisher may send (bps). */
  maxIncomingBitrate?: number;
  initialAvailableOutgoingBitrate?: number;
  /** Past these, createRouter / createWebRtcTransport fail with `limit_reached`. */
  maxRouters?: number;
  maxTransports?: number;
  appData?: Record<string, unknown>;
}

export interface WorkerResourceUsage {
  /** CPU time in ms (user + system) spent by the worker since it started. */
  ru_utime: number;
  ru_stime: number;
}

export type WorkerEvents = { died: [Error]; close: [] };

export interface EngineWorker extends Events<WorkerEvents> {
  readonly pid: number;
  readonly closed: boolean;
  /** The UDP port the worker's WebRTC traffic uses. */
  readonly port: number;
  createRouter(options: { mediaCodecs: RtpCodecCapability[]; appData?: Record<string, unknown> }): Promise<Router>;
  getResourceUsage(): Promise<WorkerResourceUsage>;
  close(): void;
}

export type RouterEvents = { workerclose: []; close: [] };

export interface Router extends Events<RouterEvents> {
  readonly id: string;
  readonly closed: boolean;
  /** What the router can receive and send; advertises only what the engine implements. */
  readonly rtpCapabilities: RtpCapabilities;
  canConsume(options: { producerId: string; rtpCapabilities: RtpCapabilities }): boolean;
  createWebRtcTransport(options?: WebRtcTransportOptions): Promise<WebRtcTransport>;
  /** Router-to-router and node-to-node forwarding. */
  createPipeTransport(options: PipeTransportOptions): Promise<PipeTransport>;
  /**
   * Makes a producer of this router consumable on another router of this process: a pipe
   * transport pair between the two (made once per pair), a pipe consumer here and a pipe
   * producer there carrying every layer. Closing the producer here closes the one there.
   */
  pipeToRouter(options: PipeToRouterOptions): Promise<PipeToRouterResult>;
  /** Plain RTP (optionally SRTP) to a non-WebRTC peer: ffmpeg, a recorder, an RTMP bridge. */
  createPlainTransport(options: PlainTransportOptions): Promise<PlainTransport>;
  close(): void;
}

export interface WebRtcTransportOptions {
  enableUdp?: boolean;
  enableTcp?: boolean;
  preferUdp?: boolean;
  initialAvailableOutgoingBitrate?: number;
  appData?: Record<string, unknown>;
}

export interface PipeTransportOptions {
  /** Where to listen (mediasoup 3.13+); `listenIp` is the older spelling. One is required. */
  listenInfo?: TransportListenInfo;
  listenIp?: string | { ip: string; announcedIp?: string };
  /** RTX retransmission streams; engines without RTX answer NACKs by resending the packet. */
  enableRtx?: boolean;
  enableSrtp?: boolean;
  appData?: Record<string, unknown>;
}

export interface PipeToRouterOptions {
  producerId: string;
  /** A router of the same engine in this process (another worker's, typically). */
  router: Router;
  listenIp?: string;
  enableSrtp?: boolean;
}

export interface PipeToRouterResult {
  pipeConsumer: Consumer;
  pipeProducer: Producer;
}

/** mediasoup's TransportListenInfo (UDP only here). */
export interface TransportListenInfo {
  protocol?: 'udp';
  ip: string;
  announcedAddress?: string;
  /** 0 or absent: a free port. */
  port?: number;
}

export type SrtpCryptoSuite = 'AEAD_AES_256_GCM' | 'AEAD_AES_128_GCM' | 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

export interface SrtpParameters {
  cryptoSuite: SrtpCryptoSuite;
  /** Master key and salt, concatenated, base64. */
  keyBase64: string;
}

export interface PlainTransportOptions {
  /** Where to listen (mediasoup 3.13+); `listenIp` is the older spelling. One is required. */
  listenInfo?: TransportListenInfo;
  listenIp?: string | { ip: string; announcedIp?: string };
  /** RTP and RTCP on one port (default true); false opens a second port for RTCP. */
  rtcpMux?: boolean;
  /** Learn the peer's address from the first packet it sends (default false: `connect()` sets it). */
  comedia?: boolean;
  enableSrtp?: boolean;
  srtpCryptoSuite?: SrtpCryptoSuite;
  appData?: Record<string, unknown>;
}

export type TransportEvents = {
  routerclose: [];
  close: [];
  icestatechange: [IceState];
  dtlsstatechange: [DtlsState];
  iceselectedtuplechange: [TransportTuple];
  /** Plain transport: the peer's RTP (or RTCP, without rtcpMux) address became known. */
  tuple: [PlainTuple];
  rtcptuple: [PlainTuple];
};

export interface TransportTuple {
  localAddress: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  protocol: 'udp' | 'tcp';
}

/** A plain transport's tuple: the remote side is absent until connect() or, with comedia, the first packet. */
export type PlainTuple = Omit<TransportTuple, 'remoteIp' | 'remotePort'> & { remoteIp?: string; remotePort?: number };

/** What every transport kind shares. */
export interface Transport extends Events<TransportEvents> {
  readonly id: string;
  readonly closed: boolean;
  readonly appData: Record<string, unknown>;
  connect(options: Record<string, unknown>): Promise<void>;
  produce(options: ProducerOptions): Promise<Producer>;
  consume(options: ConsumerOptions): Promise<Consumer>;
  getStats(): Promise<TransportStat[]>;
  close(): void;
}

export interface WebRtcTransport extends Transport {
  readonly iceRole: 'controlled';
  readonly iceParameters: IceParameters;
  readonly iceCandidates: IceCandidate[];
  readonly iceState: IceState;
  readonly iceSelectedTuple: TransportTuple | undefined;
  readonly dtlsParameters: DtlsParameters;
  readonly dtlsState: DtlsState;
  connect(options: { dtlsParameters: DtlsParameters }): Promise<void>;
  restartIce(): Promise<IceParameters>;
  setMaxIncomingBitrate(bitrate: number): Promise<void>;
}

export interface PlainTransport extends Transport {
  readonly tuple: PlainTuple;
  /** The RTCP tuple when rtcpMux is false. */
  readonly rtcpTuple: PlainTuple | undefined;
  /** This side's SRTP key, when SRTP is enabled: give it to the peer. */
  readonly srtpParameters: SrtpParameters | undefined;
  /** The peer's address (not with comedia) and, with SRTP, the peer's key. */
  connect(options: { ip?: string; port?: number; rtcpPort?: number; srtpParameters?: SrtpParameters }): Promise<void>;
}

export interface PipeTransport extends Transport {
  readonly tuple: PlainTuple;
  readonly srtpParameters: SrtpParameters | undefined;
  /** The other end of the pipe and, with SRTP, its key. */
  connect(options: { ip: string; port: number; srtpParameters?: SrtpParameters }): Promise<void>;
}

export interface ProducerOptions {
  /** Pipe transports only: the id the producer has on the router it comes from (mediasoup's rule). */
  id?: string;
  kind: MediaKind;
  rtpParameters: RtpParameters;
  paused?: boolean;
  appData?: Record<string, unknown>;
}

export interface ConsumerOptions {
  producerId: string;
  rtpCapabilities: RtpCapabilities;
  /** Consumers start paused unless told otherwise; resume once the client is ready. */
  paused?: boolean;
  preferredLayers?: ConsumerLayers;
  appData?: Record<string, unknown>;
}

export interface ConsumerLayers {
  spatialLayer: number;
  temporalLayer?: number;
}

export interface ProducerScore {
  encodingIdx: number;
  ssrc: number;
  rid?: string;
  score: number;
}

export interface ConsumerScore {
  score: number;
  producerScore: number;
  producerScores: number[];
}

export type ProducerEvents = { transportclose: []; close: []; score: [ProducerScore[]] };

export interface Producer extends Events<ProducerEvents> {
  readonly id: string;
  readonly kind: MediaKind;
  readonly type: 'simple' | 'simulcast' | 'svc';
  readonly rtpParameters: RtpParameters;
  readonly paused: boolean;
  readonly closed: boolean;
  readonly score: ProducerScore[];
  readonly appData: Record<string, unknown>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  getStats(): Promise<RtpStreamStat[]>;
  close(): void;
}

export type ConsumerEvents = {
  transportclose: [];
  producerclose: [];
  producerpause: [];
  producerresume: [];
  close: [];
  score: [ConsumerScore];
  layerschange: [ConsumerLayers | undefined];
};

export interface Consumer extends Events<ConsumerEvents> {
  readonly id: string;
  readonly producerId: string;
  readonly kind: MediaKind;
  readonly type: 'simple' | 'simulcast' | 'svc';
  readonly rtpParameters: RtpParameters;
  readonly paused: boolean;
  readonly producerPaused: boolean;
  readonly priority: number;
  readonly score: ConsumerScore;
  readonly preferredLayers: ConsumerLayers | undefined;
  readonly currentLayers: ConsumerLayers | undefined;
  readonly closed: boolean;
  readonly appData: Record<string, unknown>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  setPreferredLayers(layers: ConsumerLayers): Promise<void>;
  setPriority(priority: number): Promise<void>;
  requestKeyFrame(): Promise<void>;
  getStats(): Promise<RtpStreamStat[]>;
  close(): void;
}

/** mediasoup's RtpStreamRecvStats / RtpStreamSendStats. */
export interface RtpStreamStat {
  type: 'inbound-rtp' | 'outbound-rtp';
  timestamp: number;
  ssrc: number;
  rtxSsrc?: number;
  rid?: string;
  kind: MediaKind;
  mimeType: string;
  packetsLost: number;
  fractionLost: number;
  packetsDiscarded: number;
  packetsRetransmitted: number;
  packetsRepaired: number;
  nackCount: number;
  nackPacketCount: number;
  pliCount: number;
  firCount: number;
  score: number;
  packetCount: number;
  byteCount: number;
  bitrate: number;
  roundTripTime?: number;
  jitter?: number;
}

/** mediasoup's WebRtcTransportStat (the fields both engines fill). */
export interface TransportStat {
  type: 'webrtc-transport' | 'pipe-transport' | 'plain-rtp-transport';
  transportId: string;
  timestamp: number;
  iceRole?: string;
  iceState?: IceState;
  iceSelectedTuple?: TransportTuple;
  tuple?: PlainTuple;
  rtcpTuple?: PlainTuple;
  dtlsState?: DtlsState;
  bytesReceived: number;
  recvBitrate: number;
  bytesSent: number;
  sendBitrate: number;
  rtpPacketLossReceived?: number;
  availableOutgoingBitrate?: number;
}
