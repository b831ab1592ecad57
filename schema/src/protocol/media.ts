// Media signaling between a client (browser, bot) and its room, over the room socket.
//
// Requests use the envelope in envelope.ts: `{type:'request', id, method, data}`; the room answers
// `{type:'response', id, ok:true, data}` or `{..., ok:false, error:{code, message}}`. `data` is
// validated per method with MEDIA_REQUESTS below; `result` is what `data` holds in an ok response.
// The room relays each request to the media node that hosts the room's router.
//
// The client call sequence (mediasoup-client):
//   1. After `welcome`, the room sends `media.status` (placing | ready | unavailable) and
//      `media.producers` (what is being published now).
//   2. `media.capabilities` -> {routerRtpCapabilities}; `device.load({routerRtpCapabilities})`.
//      While the room is still placing its media node the request waits (up to ~10 s) and then
//      fails with `unavailable`; retry after the next `media.status` {state:'ready'}.
//   3. `media.createTransport` {direction:'send'} (publishers) and/or {direction:'recv'} ->
//      {id, iceParameters, iceCandidates, dtlsParameters}; `device.createSendTransport(...)` /
//      `device.createRecvTransport(...)` with those.
//   4. On the transport's `connect` event (first produce / consume): `media.connectTransport`
//      {transportId, dtlsParameters}.
//   5. Publish: on the send transport's `produce` event, `media.produce` {transportId, kind,
//      rtpParameters, source} -> {id}. Only roles with the `publish` grant may; others get
//      `forbidden`. Everyone then receives `media.producer_added`.
//   6. Watch: for each producer in `media.producers` / `media.producer_added`, `media.consume`
//      {transportId, producerId, rtpCapabilities: device.rtpCapabilities} -> {id, producerId,
//      kind, rtpParameters}; the consumer is created PAUSED: call `recvTransport.consume(...)`,
//      attach the track, then `media.resume` {consumerId}.
//   7. `media.setPreferredLayers` {consumerId, spatialLayer} picks a simulcast layer (player size).
//      `media.pause`/`media.resume` with {producerId} mute/unmute one's own producer.
//   8. On a transport's ICE `disconnected`/`failed`: `media.restartIce` {transportId} ->
//      {iceParameters}; `transport.restartIce({iceParameters})`.
//   9. `media.producer_closed` / `media.consumer_closed`: close the matching local object.
//  10. `media.reset` {reason}: the media node was lost or replaced. Close every transport, producer
//      and consumer, wait for `media.status` {state:'ready'}, and start again from step 2 (a new
//      Device: the router capabilities may differ). Chat and presence are untouched.
// Ids (transports, producers, consumers) are the node's; a client may only touch its own
// transports, producers and consumers (others answer `not_found`), but may consume any producer.
import { z } from 'zod';

const Id = z.string().min(1).max(128);

export const MEDIA_KINDS = ['audio', 'video'] as const;
export const MediaKind = z.enum(MEDIA_KINDS);
export type MediaKind = z.infer<typeof MediaKind>;

/**
 * 'video' / 'video_audio': a pre-recorded clip the host plays into the show (a <video> captured in
 * the studio) and its sound; viewers receive both like a camera and a microphone.
 * 'program' / 'program_audio': the studio's composed picture and its audio mix (one source per
 * kind: a page publishes one track per source). Recording (and egress) carry them; viewers do not
 * receive them, they lay out the individual tracks themselves.
 */
export const MEDIA_SOURCES = ['camera', 'microphone', 'screen', 'video', 'video_audio', 'program', 'program_audio'] as const;
export const MediaSource = z.enum(MEDIA_SOURCES);
export type MediaSource = z.infer<typeof MediaSource>;

/** The one kind of track each source carries: the room refuses a producer whose kind does not match. */
export const SOURCE_KINDS: Readonly<Record<MediaSource, MediaKind>> = {
  camera: 'video',
  microphone: 'audio',
  screen: 'video',
  video: 'video',
  video_audio: 'audio',
  program: 'video',
  program_audio: 'audio',
};

export const PROGRAM_SOURCES: readonly MediaSource[] = ['program', 'program_audio'];
export const isProgramSource = (source: MediaSource): boolean => PROGRAM_SOURCES.includes(source);

// RTP/ICE/DTLS objects are mediasoup's shapes. The room checks their outline and passes them on;
// the engine on the node validates the details (it owns the codec rules).
export const RtpCapabilities = z.looseObject({
  codecs: z.array(z.looseObject({ kind: MediaKind, mimeType: z.string(), clockRate: z.number() })).max(64).optional(),
  headerExtensions: z.array(z.looseObject({ uri: z.string() })).max(64).optional(),
});
export type RtpCapabilities = z.infer<typeof RtpCapabilities>;

export const RtpParameters = z.looseObject({
  mid: z.string().max(32).optional(),
  codecs: z.array(z.looseObject({ mimeType: z.string(), payloadType: z.number().int(), clockRate: z.number() })).min(1).max(32),
  headerExtensions: z.array(z.looseObject({ uri: z.string(), id: z.number().int() })).max(32).optional(),
  encodings: z.array(z.looseObject({})).max(8).optional(),
  rtcp: z.looseObject({}).optional(),
});
export type RtpParameters = z.infer<typeof RtpParameters>;

export const DtlsParameters = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(z.object({ algorithm: z.string().max(32), value: z.string().max(256) })).min(1).max(8),
});
export type DtlsParameters = z.infer<typeof DtlsParameters>;

export const IceParameters = z.looseObject({ usernameFragment: z.string(), password: z.string(), iceLite: z.boolean().optional() });
export type IceParameters = z.infer<typeof IceParameters>;

export const IceCandidate = z.looseObject({
  foundation: z.string(),
  priority: z.number(),
  ip: z.string().optional(),
  address: z.string().optional(),
  protocol: z.enum(['udp', 'tcp']),
  port: z.number().int(),
  type: z.string(),
});
export type IceCandidate = z.infer<typeof IceCandidate>;

/** A transport as the client needs it to build its mediasoup-client transport. */
export const TransportInfo = z.object({
  id: Id,
  iceParameters: IceParameters,
  iceCandidates: z.array(IceCandidate),
  dtlsParameters: DtlsParameters,
});
export type TransportInfo = z.infer<typeof TransportInfo>;

export const ConsumerInfo = z.object({
  id: Id,
  producerId: Id,
  kind: MediaKind,
  rtpParameters: RtpParameters,
  /** simple | simulcast | svc: simulcast consumers accept setPreferredLayers. */
  type: z.string().optional(),
  /** The producer is paused (its publisher muted it): no media until producer resumes. */
  producerPaused: z.boolean().optional(),
});
export type ConsumerInfo = z.infer<typeof ConsumerInfo>;

/** One published track in the room. */
export const MediaProducer = z.object({
  producerId: Id,
  identity: z.string(),
  kind: MediaKind,
  source: MediaSource,
  paused: z.boolean(),
});
export type MediaProducer = z.infer<typeof MediaProducer>;

const none = z.object({}).strict();
const ok = z.object({});
const consumerOrProducer = z.union([z.object({ consumerId: Id }).strict(), z.object({ producerId: Id }).strict()]);

/** Every media request: what `data` must be, and what an ok response's `data` holds. */
export const MEDIA_REQUESTS = {
  'media.capabilities': { data: none, result: z.object({ routerRtpCapabilities: RtpCapabilities }) },
  /** The room's current producers (also pushed as a `media.producers` event after welcome). */
  'media.producers': { data: none, result: z.object({ producers: z.array(MediaProducer) }) },
  'media.createTransport': { data: z.object({ direction: z.enum(['send', 'recv']) }).strict(), result: TransportInfo },
  'media.connectTransport': { data: z.object({ transportId: Id, dtlsParameters: DtlsParameters }).strict(), result: ok },
  'media.produce': {
    data: z.object({ transportId: Id, kind: MediaKind, rtpParameters: RtpParameters, source: MediaSource, paused: z.boolean().optional() }).strict(),
    result: z.object({ id: Id }),
  },
  'media.consume': {
    data: z.object({ transportId: Id, producerId: Id, rtpCapabilities: RtpCapabilities }).strict(),
    result: ConsumerInfo,
  },
  /** {consumerId}: start/stop receiving; {producerId}: mute/unmute one's own producer. */
  'media.resume': { data: consumerOrProducer, result: ok },
  'media.pause': { data: consumerOrProducer, result: ok },
  'media.setPreferredLayers': {
    data: z
      .object({ consumerId: Id, spatialLayer: z.number().int().min(0).max(3), temporalLayer: z.number().int().min(0).max(3).optional() })
      .strict(),
    result: ok,
  },
  'media.restartIce': { data: z.object({ transportId: Id }).strict(), result: z.object({ iceParameters: IceParameters }) },
  'media.closeProducer': { data: z.object({ producerId: Id }).strict(), result: ok },
  'media.closeConsumer': { data: z.object({ consumerId: Id }).strict(), result: ok },
  'media.closeTransport': { data: z.object({ transportId: Id }).strict(), result: ok },
} as const satisfies Record<string, { data: z.ZodType; result: z.ZodType }>;

export type MediaMethod = keyof typeof MEDIA_REQUESTS;
export const MEDIA_METHODS = Object.keys(MEDIA_REQUESTS) as MediaMethod[];
export type MediaRequestData<M extends MediaMethod> = z.infer<(typeof MEDIA_REQUESTS)[M]['data']>;
export type MediaRequestInput<M extends MediaMethod> = z.input<(typeof MEDIA_REQUESTS)[M]['data']>;
export type MediaResult<M extends MediaMethod> = z.infer<(typeof MEDIA_REQUESTS)[M]['result']>;
/** A validated media request, discriminated on `method`. */
export type MediaRequest = { [M in MediaMethod]: { method: M; data: MediaRequestData<M> } }[MediaMethod];

export function isMediaMethod(method: string): method is MediaMethod {
  return Object.hasOwn(MEDIA_REQUESTS, method);
}

/** Validates a request's `data` for its method; a missing `data` counts as `{}`. */
export function parseMediaRequest(method: MediaMethod, data: unknown): { ok: true; request: MediaRequest } | { ok: false; message: string } {
  const parsed = MEDIA_REQUESTS[method].data.safeParse(data ?? {});
  if (parsed.success) return { ok: true, request: { method, data: parsed.data } as MediaRequest };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'data';
  return { ok: false, message: `${method}: ${where}: ${issue?.message ?? 'invalid'}` };
}

/** Where the room's media stands, sent after welcome and on every change. */
export const MEDIA_STATES = ['placing', 'ready', 'unavailable'] as const;
export const MediaState = z.enum(MEDIA_STATES);
export type MediaState = z.infer<typeof MediaState>;

/** Why the room told clients to rebuild their media. */
export const MEDIA_RESET_REASONS = ['node_lost', 'node_changed', 'room_ended'] as const;
export const MediaResetReason = z.enum(MEDIA_RESET_REASONS);

/**
 * Per-participant ceilings on what they may hold on the node (the room refuses past them before
 * asking; the node refuses too, by the owner it records). Every transport is ports and ICE/DTLS
 * state on a shared node: without a ceiling one viewer could create transports (or consume the
 * same producer) in a loop and exhaust the node for every room on it. A browser needs one send
 * and one recv transport (two tabs of one member share an identity), a consumer per producer.
 */
export const MAX_MEDIA_OBJECTS = { transport: 8, producer: 8, consumer: 64 } as const;
/** Media requests one participant may have waiting at once (a viewer consumes every producer in parallel). */
export const MAX_MEDIA_REQUESTS_IN_FLIGHT = 32;

/** How long the room waits for a node (placement or one relayed request) before answering `unavailable`. */
export const MEDIA_REQUEST_TIMEOUT_MS = 10_000;
