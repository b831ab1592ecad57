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
  createPipeTransport(options: PipeTransportOptions): Promise<Transport>;
  /** Plain RTP, for recording. */
  createPlainTransport(options: PlainTransportOptions): Promise<Transport>;
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
  listenIp: string;
  enableRtx?: boolean;
  enableSrtp?: boolean;
  appData?: Record<string, unknown>;
}

export interface PlainTransportOptions {
  listenIp: string;
  rtcpMux?: boolean;
  comedia?: boolean;
  appData?: Record<string, unknown>;
}

export type TransportEvents = {
  routerclose: [];
  close: [];
  icestatechange: [IceState];
  dtlsstatechange: [DtlsState];
  iceselectedtuplechange: [TransportTuple];
};

export interface TransportTuple {
  localAddress: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  protocol: 'udp' | 'tcp';
}

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

export interface ProducerOptions {
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
  dtlsState?: DtlsState;
  bytesReceived: number;
  recvBitrate: number;
  bytesSent: number;
  sendBitrate: number;
  rtpPacketLossReceived?: number;
  availableOutgoingBitrate?: number;
}
