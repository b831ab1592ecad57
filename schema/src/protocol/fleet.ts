// The media fleet's two sockets, both dialed OUT by the media node:
//
//   node -> FleetDO  (GET /api/v1/fleet/connect, Authorization: Bearer <node JWT>, aud roomcast-fleet)
//     node: node.register (first frame, names the protocol), then node.load every few seconds.
//     fleet: room.assign (dial this room), room.release (close that room's router), node.drain;
//            FLEET_KEEPALIVE answers each NODE_KEEPALIVE (sent by the runtime, see below).
//   node -> RoomDO   (GET /api/v1/rooms/{room}/media-node, Authorization: Bearer <room-node JWT>)
//     node: node.ready (first frame: protocol, router capabilities), then responses and events,
//           and NODE_KEEPALIVE every NODE_KEEPALIVE_INTERVAL_MS from its own timer.
//     room: requests mapped 1:1 onto the engine (NODE_REQUESTS), answered with `response`;
//           ROOM_KEEPALIVE answers each keepalive (sent by the runtime, see below).
// Every frame is validated on arrival; an invalid one gets an error frame, never a crash.
import { z } from 'zod';
import { ErrorFrame, FrameId, ResponseFrame } from './envelope.ts';
import { ConsumerInfo, DtlsParameters, IceParameters, MediaKind, MediaSource, RtpCapabilities, RtpParameters, TransportInfo } from './media.ts';

/** Bumped only for incompatible changes of the fleet and node sockets. */
export const FLEET_PROTOCOL_VERSION = 1;
/** JWT audiences: the node's fleet credential, and the per-room credential FleetDO hands out. */
export const FLEET_AUDIENCE = 'roomcast-fleet';
export const ROOM_NODE_AUDIENCE = 'roomcast-room-node';

const Id = z.string().min(1).max(128);
const frame = <K extends string, T extends z.ZodRawShape>(type: K, shape: T) => z.object({ type: z.literal(type), ...shape });

export const NODE_STATES = ['serving', 'draining'] as const;
export const NodeState = z.enum(NODE_STATES);
export type NodeState = z.infer<typeof NodeState>;

export const NodeCapacity = z.object({
  maxConsumers: z.number().int().min(0),
  maxRouters: z.number().int().min(0),
});
export type NodeCapacity = z.infer<typeof NodeCapacity>;

export const NodeLoad = z.object({
  routers: z.number().int().min(0),
  transports: z.number().int().min(0),
  producers: z.number().int().min(0),
  consumers: z.number().int().min(0),
  /** 0..1 over all cores. */
  cpu: z.number().min(0).max(64),
  bitrateKbps: z.number().min(0),
  state: NodeState,
});
export type NodeLoad = z.infer<typeof NodeLoad>;

// ── node <-> FleetDO ────────────────────────────────────────────────────────────

export const NodeRegister = frame('node.register', {
  protocol: z.number().int(),
  nodeId: Id,
  region: z.string().min(1).max(64),
  announcedAddress: z.string().min(1).max(255),
  engine: z.enum(['mediasoup', 'embedded']),
  workers: z.number().int().min(1).max(1024),
  capacity: NodeCapacity,
  /** Rooms the node still hosts (after a reconnect): FleetDO answers room.release for any it did not assign to this node. */
  rooms: z.array(Id).max(10_000).default([]),
});
export type NodeRegister = z.infer<typeof NodeRegister>;

/** What a node is to a room: its origin (publishers, the first viewers) or an edge (more viewers, fed by pipes). */
export const RoomNodeRole = z.enum(['origin', 'edge']);
export type RoomNodeRole = z.infer<typeof RoomNodeRole>;

const StreamKey = z.string().min(1).max(128);

/** Where the node sends an RTMP encoder's RTP: the room's plain transport on its origin, with the SSRCs and payload types its producers expect. */
export const RtmpIngestTarget = z.object({
  roomId: Id,
  ip: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  video: z.object({ ssrc: z.number().int().min(1).max(0xffffffff), payloadType: z.number().int().min(96).max(127) }),
  audio: z.object({ ssrc: z.number().int().min(1).max(0xffffffff), payloadType: z.number().int().min(96).max(127) }).optional(),
  /** The same producers as the connection before (a republish within the grace period). */
  resumed: z.boolean(),
});
export type RtmpIngestTarget = z.infer<typeof RtmpIngestTarget>;

export const NodeToFleet = z.discriminatedUnion('type', [
  NodeRegister,
  frame('node.load', NodeLoad.shape),
  /** Answered by FleetDO's runtime without waking it; delivered only where that is not set up. */
  frame('node.keepalive', {}),
  /**
   * The node stopped hosting a room on its own (router closed, room socket gone for good), in the
   * role it was assigned: a late release of an edge must not end the same node's newer origin.
   */
  frame('room.released', { roomId: Id, role: RoomNodeRole.optional() }),
  // RTMP ingest (media-node/src/ingest): the node holds the encoder's connection; the Worker owns
  // the key, the room and its producers. Requests carry a requestId answered by ingest.rtmp.answer.
  /** An encoder published with this stream key: may it? (before NetStream.Publish.Start) */
  frame('ingest.rtmp.authorize', { requestId: Id, streamKey: StreamKey }),
  /** Its codecs are known: the room's plain transport and producers to send RTP to (resumed within the grace period). */
  frame('ingest.rtmp.start', { requestId: Id, streamKey: StreamKey, connectionId: Id, h264ProfileLevelId: z.string().regex(/^[0-9a-f]{6}$/), audio: z.boolean() }),
  /** The connection's grace period passed without a republish (or it ended for good): the producers close. */
  frame('ingest.rtmp.ended', { streamKey: StreamKey, connectionId: Id, reason: z.string().max(200) }),
  /** A misconfigured encoder (ingest state lastError). */
  frame('ingest.rtmp.problem', { streamKey: StreamKey, code: z.string().min(1).max(64), message: z.string().max(500) }),
]);
export type NodeToFleet = z.infer<typeof NodeToFleet>;

export const FleetToNode = z.discriminatedUnion('type', [
  /**
   * `keepaliveMs`: the fleet answers NODE_KEEPALIVE with FLEET_KEEPALIVE, so the node sends one
   * that often and redials a fleet socket that stays silent (absent from fleets before that).
   */
  frame('node.registered', { protocol: z.number().int(), heartbeatMs: z.number().int(), keepaliveMs: z.number().int().min(100).optional() }),
  frame('fleet.keepalive', {}),
  /** Dial `roomUrl` (ws/wss) with `Authorization: Bearer <token>` and create the room's router, as its origin or an edge. */
  frame('room.assign', { roomId: Id, roomUrl: z.string().min(1), token: z.string().min(1), role: RoomNodeRole.optional() }),
  /** Close the room's router and its socket. */
  frame('room.release', { roomId: Id }),
  /** Draining: keep the rooms you host, expect no new ones. `draining: false` undoes it. */
  frame('node.drain', { draining: z.boolean() }),
  /** The answer to ingest.rtmp.authorize (target absent) or ingest.rtmp.start. */
  frame('ingest.rtmp.answer', {
    requestId: Id,
    ok: z.boolean(),
    roomId: Id.optional(),
    /** The encoder's bitrate cap (kbps). */
    maxBitrateKbps: z.number().int().min(1).optional(),
    target: RtmpIngestTarget.optional(),
    error: z.object({ code: z.string().max(64), message: z.string().max(500) }).optional(),
  }),
  /** Close that RTMP connection (a newer one took over, or the key was revoked). */
  frame('ingest.rtmp.close', { connectionId: Id, reason: z.string().max(200) }),
  ErrorFrame,
]);
export type FleetToNode = z.infer<typeof FleetToNode>;

// ── RoomDO <-> node ─────────────────────────────────────────────────────────────

/** What RoomDO asks the node, 1:1 onto the engine; `result` is an ok response's `data`. */
const Port = z.number().int().min(1).max(65535);

export const SrtpParameters = z.object({
  cryptoSuite: z.enum(['AEAD_AES_256_GCM', 'AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']),
  keyBase64: z.string().min(1).max(128),
});

/** One end of a pipe: where the other node sends to, and its SRTP key when the pipe is encrypted. */
export const PipeInfo = z.object({ pipeId: Id, ip: z.string(), port: Port, srtpParameters: SrtpParameters.optional() });
export type PipeInfo = z.infer<typeof PipeInfo>;

/** A producer as it crosses a pipe: the far node produces it from exactly this. */
export const PipedProducer = z.object({
  producerId: Id,
  kind: MediaKind,
  rtpParameters: RtpParameters,
  paused: z.boolean(),
  identity: z.string(),
  source: MediaSource,
});

// ── Server recording (media-node/src/recording) ───────────────────────────────
// The room asks its origin node to record producers; the node uploads the recording as parts of a
// multipart upload the Worker opened, through presigned part URLs the room hands it (the node never
// holds the bucket's keys), reports each part as it lands, and reports the whole at stop.
const PartNumber = z.number().int().min(1).max(10_000);
const SignedUrl = z.string().regex(/^https?:\/\//, 'must be an http(s) URL').max(4096);
export const RecordingPartUrl = z.object({ partNumber: PartNumber, url: SignedUrl });
export type RecordingPartUrl = z.infer<typeof RecordingPartUrl>;
export const RecordedPart = z.object({ partNumber: PartNumber, etag: z.string().min(1).max(256), sizeBytes: z.number().int().min(0) });
export type RecordedPart = z.infer<typeof RecordedPart>;
/** WebM for VP8 (+ Opus), fragmented MP4 for H.264 (+ Opus): what Chromium's <video> plays. */
export const RecordingContainer = z.enum(['webm', 'mp4']);
export type RecordingContainer = z.infer<typeof RecordingContainer>;
const CodecName = z.string().min(1).max(32);
export const RecordingReport = z.object({
  parts: z.array(RecordedPart).max(10_000),
  sizeBytes: z.number().int().min(0),
  durationMs: z.number().int().min(0).nullable(),
  videoCodec: CodecName.nullable(),
  audioCodec: CodecName.nullable(),
  container: RecordingContainer,
  /** The poster JPEG reached the store. */
  poster: z.boolean(),
  /** Why nothing was written, when nothing was (what reached ffmpeg, its last words). */
  problem: z.string().max(1000).optional(),
});
export type RecordingReport = z.infer<typeof RecordingReport>;
/** How long the node may take to answer recording.stop: the last part, ffprobe and the poster. */
export const RECORDING_STOP_TIMEOUT_MS = 60_000;

// ── Egress: HLS (media-node/src/egress) ───────────────────────────────────────
// The room asks its origin node for one encoder (top video layer + audio -> H.264 + AAC, copied
// when the producer is H.264 already) feeding an HLS muxer (fMP4, 1 s segments). Every file goes
// to the store through presigned PUTs the room hands the node: the playlist and init segment once
// (reused for every rewrite), segments numbered from 1 in batches the node asks for as it goes.
const SegmentNumber = z.number().int().min(1).max(1_000_000);
export const HlsSegmentUrl = z.object({ segment: SegmentNumber, url: SignedUrl });
export type HlsSegmentUrl = z.infer<typeof HlsSegmentUrl>;
/** How long the node may take to answer hls.stop: the last segment and the ended playlist go up. */
export const HLS_STOP_TIMEOUT_MS = 20_000;

// ── Egress: multistream over RTMP (media-node/src/egress/rtmp-output.ts) ─────────
// Each destination is another `-c copy` output of the room's ONE egress encoder (shared with HLS).
// The destination's full URL, stream key included, travels only here: Worker -> node over the
// node's authenticated room socket. The node reports each change of state (and the bitrate every
// few seconds while live) with rtmp.state; the RoomDO keeps the last one.
export const RTMP_STATES = ['connecting', 'live', 'retrying', 'failed'] as const;
export const RtmpState = z.object({
  destinationId: Id,
  state: z.enum(RTMP_STATES),
  reason: z.string().max(500).nullable(),
  bitrateKbps: z.number().min(0),
  uptimeMs: z.number().int().min(0).nullable(),
});
export type RtmpState = z.infer<typeof RtmpState>;
const RtmpUrl = z.string().regex(/^rtmps?:\/\//).max(1000);

export const NODE_REQUESTS = {
  'router.capabilities': { data: z.object({}), result: z.object({ rtpCapabilities: RtpCapabilities }) },
  'transport.create': { data: z.object({ direction: z.enum(['send', 'recv']), owner: z.string() }), result: TransportInfo },
  /** A plain RTP transport (comedia: the first packet names the sender) for an RTMP encoder's RTP, relayed by the node holding the connection. */
  'plain.create': { data: z.object({ owner: z.string() }), result: z.object({ transportId: Id, ip: z.string(), port: Port }) },
  'transport.connect': { data: z.object({ transportId: Id, dtlsParameters: DtlsParameters }), result: z.object({}) },
  'transport.restartIce': { data: z.object({ transportId: Id }), result: z.object({ iceParameters: IceParameters }) },
  'transport.close': { data: z.object({ transportId: Id }), result: z.object({}) },
  'transport.produce': {
    data: z.object({ transportId: Id, kind: MediaKind, rtpParameters: RtpParameters, paused: z.boolean().optional(), identity: z.string(), source: MediaSource }),
    result: z.object({ id: Id }),
  },
  'transport.consume': {
    data: z.object({ transportId: Id, producerId: Id, rtpCapabilities: RtpCapabilities }),
    result: ConsumerInfo,
  },
  'producer.pause': { data: z.object({ producerId: Id }), result: z.object({}) },
  'producer.resume': { data: z.object({ producerId: Id }), result: z.object({}) },
  'producer.close': { data: z.object({ producerId: Id }), result: z.object({}) },
  'consumer.pause': { data: z.object({ consumerId: Id }), result: z.object({}) },
  'consumer.resume': { data: z.object({ consumerId: Id }), result: z.object({}) },
  'consumer.close': { data: z.object({ consumerId: Id }), result: z.object({}) },
  'consumer.setPreferredLayers': {
    data: z.object({ consumerId: Id, spatialLayer: z.number().int().min(0), temporalLayer: z.number().int().min(0).optional() }),
    result: z.object({}),
  },
  /**
   * Record these producers (one video at its highest simulcast layer, one audio) into one file,
   * uploaded as multipart parts; more part URLs come with recording.urls when the node asks.
   * A recording's further track (a screen share, a late camera) is recorded the same way under the
   * track's own id, video alone and without a poster.
   */
  'recording.start': {
    data: z.object({ recordingId: Id, producerIds: z.array(Id).min(1).max(2), partUrls: z.array(RecordingPartUrl).max(1000), posterUrl: SignedUrl.optional() }),
    result: z.object({ container: RecordingContainer }),
  },
  'recording.urls': { data: z.object({ recordingId: Id, partUrls: z.array(RecordingPartUrl).min(1).max(1000) }), result: z.object({}) },
  /** Stop: the remaining bytes are uploaded as the last part; answers what the file holds. */
  'recording.stop': { data: z.object({ recordingId: Id }), result: RecordingReport },
  /** Start HLS of these producers (one video at its highest simulcast layer, one audio). */
  'hls.start': {
    data: z.object({ hlsId: Id, producerIds: z.array(Id).min(1).max(2), playlistUrl: SignedUrl, initUrl: SignedUrl, segmentUrls: z.array(HlsSegmentUrl).max(1000) }),
    result: z.object({ transcoded: z.boolean() }),
  },
  'hls.urls': { data: z.object({ hlsId: Id, segmentUrls: z.array(HlsSegmentUrl).min(1).max(1000) }), result: z.object({}) },
  /** Stop: the last segment and the playlist with #EXT-X-ENDLIST reach the store before the answer. */
  'hls.stop': { data: z.object({ hlsId: Id }), result: z.object({ segments: z.number().int().min(0) }) },
  /** Push these producers to one RTMP(S) destination (the room's encoder starts with the first output). */
  'rtmp.start': { data: z.object({ destinationId: Id, producerIds: z.array(Id).min(1).max(2), url: RtmpUrl }), result: z.object({ transcoded: z.boolean() }) },
  /** Stop pushing to this destination only (the encoder stops with the room's last output). */
  'rtmp.stop': { data: z.object({ destinationId: Id }), result: z.object({}) },
  /** The room ended: close the router (everything in it) and then the socket. */
  'router.close': { data: z.object({}), result: z.object({}) },
  // Pipes between two nodes' routers of one room (a room larger than one node). The room asks each
  // node for a pipe, gives each the other's address (and SRTP key), then consumes a producer into
  // the pipe on one node and produces it, under the same producer id, on the other. A producer
  // closed at the origin closes its pipe consumer (`consumer.closed`): the room then closes the
  // producer on the far node.
  'pipe.create': { data: z.object({ enableSrtp: z.boolean().optional() }), result: PipeInfo },
  'pipe.connect': { data: z.object({ pipeId: Id, ip: z.string().min(1).max(255), port: Port, srtpParameters: SrtpParameters.optional() }), result: z.object({}) },
  'pipe.consume': { data: z.object({ pipeId: Id, producerId: Id }), result: PipedProducer.extend({ consumerId: Id }) },
  'pipe.produce': { data: PipedProducer.extend({ pipeId: Id }), result: z.object({ id: Id }) },
  'pipe.close': { data: z.object({ pipeId: Id }), result: z.object({}) },
} as const satisfies Record<string, { data: z.ZodType; result: z.ZodType }>;

export type NodeMethod = keyof typeof NODE_REQUESTS;
export type NodeRequestData<M extends NodeMethod> = z.infer<(typeof NODE_REQUESTS)[M]['data']>;
export type NodeResult<M extends NodeMethod> = z.infer<(typeof NODE_REQUESTS)[M]['result']>;

/**
 * Liveness of a node's room socket. A hung node (a stopped process, a partitioned VM) leaves its
 * socket open, so the room cannot wait for a close: the node sends this exact frame every
 * NODE_KEEPALIVE_INTERVAL_MS, RoomDO's runtime answers it with ROOM_KEEPALIVE without waking the
 * object (`setWebSocketAutoResponse` matches the text byte for byte) and records when, and the
 * room's alarm treats a node silent for a few intervals as lost (rooms/media/node-liveness.ts).
 */
export const NODE_KEEPALIVE = '{"type":"node.keepalive"}';
export const ROOM_KEEPALIVE = '{"type":"room.keepalive"}';
/** How often a node sends NODE_KEEPALIVE on each room socket (announced in node.ready). */
export const NODE_KEEPALIVE_INTERVAL_MS = 1_000;
/**
 * The same liveness on the node's fleet socket, seen from the node: it sends NODE_KEEPALIVE this
 * often, FleetDO's runtime answers FLEET_KEEPALIVE, and a silent fleet socket is redialed. (FleetDO
 * judges the node by its load reports.)
 */
export const FLEET_KEEPALIVE = '{"type":"fleet.keepalive"}';
export const FLEET_KEEPALIVE_INTERVAL_MS = 2_000;

export const RoomToNode = z.discriminatedUnion('type', [
  frame('room.keepalive', {}),
  z.object({
    type: z.literal('request'),
    id: FrameId,
    method: z.enum(Object.keys(NODE_REQUESTS) as [NodeMethod, ...NodeMethod[]]),
    data: z.unknown().optional(),
  }),
  ErrorFrame,
]);
export type RoomToNode = z.infer<typeof RoomToNode>;

export const NodeToRoom = z.discriminatedUnion('type', [
  frame('node.ready', {
    protocol: z.number().int(),
    nodeId: Id,
    rtpCapabilities: RtpCapabilities,
    /** The node sends NODE_KEEPALIVE this often; absent: an older node, found lost only by close or probe. */
    keepaliveMs: z.number().int().min(100).max(60_000).optional(),
  }),
  /** Reaches the room's handlers only where the runtime did not answer it itself. */
  frame('node.keepalive', {}),
  ResponseFrame,
  frame('producer.closed', { producerId: Id }),
  frame('transport.closed', { transportId: Id }),
  frame('consumer.closed', { consumerId: Id, producerId: Id }),
  frame('scores', {
    producers: z.array(z.object({ producerId: Id, score: z.number() })).optional(),
    consumers: z.array(z.object({ consumerId: Id, score: z.number(), producerScore: z.number() })).optional(),
  }),
  /** A part of a recording reached the store (a part uploaded again replaces the earlier one). */
  frame('recording.part', { recordingId: Id, part: RecordedPart }),
  /** The node is running out of presigned part URLs: it wants parts fromPart .. fromPart + count - 1. */
  frame('recording.urls_wanted', { recordingId: Id, fromPart: PartNumber, count: z.number().int().min(1).max(100) }),
  /** The recorder stopped on its own (ffmpeg died, uploads failed for good). */
  frame('recording.failed', { recordingId: Id, reason: z.string().max(500) }),
  /** The first HLS playlist reached the store: players can start. */
  frame('hls.live', { hlsId: Id }),
  /** The node is running out of presigned segment URLs: it wants fromSegment .. fromSegment + count - 1. */
  frame('hls.urls_wanted', { hlsId: Id, fromSegment: SegmentNumber, count: z.number().int().min(1).max(100) }),
  /** The HLS encoder stopped on its own (ffmpeg died). */
  frame('hls.failed', { hlsId: Id, reason: z.string().max(500) }),
  /** A multistream destination's state changed (or its bitrate, every few seconds while live). */
  frame('rtmp.state', { status: RtmpState }),
  ErrorFrame,
]);
export type NodeToRoom = z.infer<typeof NodeToRoom>;
