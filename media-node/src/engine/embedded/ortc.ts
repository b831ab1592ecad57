// mediasoup's ORTC rules, for what the embedded engine implements: map a producer's payload types
// and header extension ids onto the router's, decide whether a client can consume, and build the
// consumer's RTP parameters.
import { randomInt } from 'node:crypto';
import { EngineError } from '../errors.ts';
import type {
  MediaKind,
  RtcpFeedback,
  RtpCapabilities,
  RtpCodecCapability,
  RtpCodecParameters,
  RtpParameters,
} from '../rtp-parameters.ts';
import { FORWARDED_EXTENSIONS, codecsMatch } from './capabilities.ts';

export interface ProducerMapping {
  /** Producer payload type -> router payload type, for the media codec(s). */
  payloadTypes: Map<number, number>;
  /** The router codec every consumer receives. */
  routerCodec: RtpCodecCapability;
  /** Producer header extension id -> URI. */
  extensionUris: Map<number, string>;
  encodings: { ssrc?: number; rid?: string }[];
}

const isAuxiliary = (c: RtpCodecParameters) => /\/(rtx|red|ulpfec|flexfec)$/i.test(c.mimeType);

export function mapProducer(kind: MediaKind, parameters: RtpParameters, routerCaps: RtpCapabilities): ProducerMapping {
  if (!Array.isArray(parameters?.codecs) || parameters.codecs.length === 0) {
    throw new EngineError('invalid_parameters', 'rtpParameters.codecs is empty');
  }
  const payloadTypes = new Map<number, number>();
  let routerCodec: RtpCodecCapability | undefined;
  for (const codec of parameters.codecs) {
    if (isAuxiliary(codec)) continue;
    const match = routerCaps.codecs?.find((rc) => rc.kind === kind && codecsMatch(codec, rc));
    if (!match) continue;
    payloadTypes.set(codec.payloadType, match.preferredPayloadType!);
    routerCodec ??= match;
  }
  if (!routerCodec) {
    throw new EngineError('unsupported', `no producer codec is supported by the router (${parameters.codecs.map((c) => c.mimeType).join(', ')})`);
  }
  const encodings = (parameters.encodings ?? []).map((e) => ({ ssrc: e.ssrc, rid: e.rid }));
  if (encodings.length === 0) throw new EngineError('invalid_parameters', 'rtpParameters.encodings is empty');
  if (encodings.some((e) => e.ssrc === undefined && e.rid === undefined)) {
    throw new EngineError('invalid_parameters', 'every encoding needs an ssrc or a rid');
  }
  const extensionUris = new Map<number, string>();
  for (const ext of parameters.headerExtensions ?? []) extensionUris.set(ext.id, ext.uri);
  return { payloadTypes, routerCodec, extensionUris, encodings };
}

export function canConsume(routerCodec: RtpCodecCapability, rtpCapabilities: RtpCapabilities): boolean {
  return (rtpCapabilities?.codecs ?? []).some(
    (c) => c.kind === routerCodec.kind && c.preferredPayloadType === routerCodec.preferredPayloadType && codecsMatch(c, routerCodec),
  );
}

// What the embedded consumer acts on; transport-cc / goog-remb need send-side estimation.
const CONSUMER_FEEDBACK = (f: RtcpFeedback) => f.type === 'nack' || (f.type === 'ccm' && f.parameter === 'fir');

/** A router codec as RTP parameters: what the engine sends it as (its preferred payload type). */
export function routerCodecParameters(rc: RtpCodecCapability, rtcpFeedback: RtcpFeedback[]): RtpCodecParameters {
  return {
    mimeType: rc.mimeType,
    payloadType: rc.preferredPayloadType!,
    clockRate: rc.clockRate,
    ...(rc.channels ? { channels: rc.channels } : {}),
    parameters: { ...rc.parameters },
    rtcpFeedback,
  };
}

export function consumerParameters(
  mapping: ProducerMapping,
  rtpCapabilities: RtpCapabilities,
  options: { cname: string; layers: number },
): RtpParameters {
  const rc = mapping.routerCodec;
  const capCodec = rtpCapabilities.codecs!.find((c) => c.kind === rc.kind && codecsMatch(c, rc))!;
  const headerExtensions = (rtpCapabilities.headerExtensions ?? [])
    .filter((e) => e.kind === rc.kind && FORWARDED_EXTENSIONS.has(e.uri))
    .map((e) => ({ uri: e.uri, id: e.preferredId, encrypt: false, parameters: {} }));
  const encoding: { ssrc: number; scalabilityMode?: string } = { ssrc: randomInt(1, 0xffffffff) };
  if (options.layers > 1) encoding.scalabilityMode = `S${options.layers}T1`;
  return {
    mid: undefined,
    codecs: [routerCodecParameters(rc, (capCodec.rtcpFeedback ?? []).filter(CONSUMER_FEEDBACK))],
    headerExtensions,
    encodings: [encoding],
    rtcp: { cname: options.cname, reducedSize: true },
  };
}
