// What the embedded engine implements, and nothing more: the router's RTP capabilities are the
// intersection of this with the router's mediaCodecs. No RTX (NACKs are answered by resending the
// original packet), no SVC, no red/ulpfec.
import { isSameProfile } from 'h264-profile-level-id';
import { EngineError } from '../errors.ts';
import type { RtcpFeedback, RtpCapabilities, RtpCodecCapability, RtpHeaderExtension } from '../rtp-parameters.ts';

export const EXT = {
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  rid: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  transportCc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  audioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  videoOrientation: 'urn:3gpp:video-orientation',
} as const;

const videoFeedback: RtcpFeedback[] = [
  { type: 'nack' },
  { type: 'nack', parameter: 'pli' },
  { type: 'ccm', parameter: 'fir' },
  { type: 'goog-remb' },
  { type: 'transport-cc' },
];

interface SupportedCodec {
  kind: 'audio' | 'video';
  mimeType: string;
  clockRate: number;
  channels?: number;
  rtcpFeedback: RtcpFeedback[];
  /** Parameters that must match for two codecs to be the same (H.264 packetization). */
  matchParameters?: string[];
}

export const SUPPORTED_CODECS: SupportedCodec[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, rtcpFeedback: [{ type: 'transport-cc' }] },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: videoFeedback },
  { kind: 'video', mimeType: 'video/H264', clockRate: 90000, rtcpFeedback: videoFeedback, matchParameters: ['packetization-mode'] },
];

/**
 * Received: MID and RID (to learn simulcast SSRCs), transport-wide sequence numbers (for the
 * feedback). Forwarded to consumers: only the extensions the engine copies faithfully.
 * abs-send-time is not offered: nothing here would use it.
 */
export const SUPPORTED_HEADER_EXTENSIONS: RtpHeaderExtension[] = [
  { kind: 'audio', uri: EXT.mid, preferredId: 1, preferredEncrypt: false, direction: 'recvonly' },
  { kind: 'video', uri: EXT.mid, preferredId: 1, preferredEncrypt: false, direction: 'recvonly' },
  { kind: 'video', uri: EXT.rid, preferredId: 2, preferredEncrypt: false, direction: 'recvonly' },
  { kind: 'audio', uri: EXT.transportCc, preferredId: 5, preferredEncrypt: false, direction: 'recvonly' },
  { kind: 'video', uri: EXT.transportCc, preferredId: 5, preferredEncrypt: false, direction: 'recvonly' },
  { kind: 'audio', uri: EXT.audioLevel, preferredId: 10, preferredEncrypt: false, direction: 'sendrecv' },
  { kind: 'video', uri: EXT.videoOrientation, preferredId: 11, preferredEncrypt: false, direction: 'sendrecv' },
];

export const FORWARDED_EXTENSIONS = new Set<string>([EXT.audioLevel, EXT.videoOrientation]);

const DYNAMIC_PAYLOAD_TYPES = [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 96, 97, 98, 99];

export function findSupported(codec: { mimeType: string; clockRate: number }): SupportedCodec | undefined {
  return SUPPORTED_CODECS.find((s) => s.mimeType.toLowerCase() === codec.mimeType.toLowerCase() && s.clockRate === codec.clockRate);
}

/** mediasoup's generateRouterRtpCapabilities, restricted to what the engine implements. */
export function routerCapabilities(mediaCodecs: RtpCodecCapability[]): RtpCapabilities {
  const free = [...DYNAMIC_PAYLOAD_TYPES];
  const taken = new Set(mediaCodecs.map((c) => c.preferredPayloadType).filter((pt) => pt !== undefined));
  const codecs: RtpCodecCapability[] = [];
  for (const codec of mediaCodecs) {
    const supported = findSupported(codec);
    if (!supported || supported.kind !== codec.kind) {
      throw new EngineError('unsupported', `codec ${codec.mimeType}/${codec.clockRate} is not supported by the embedded engine`);
    }
    let pt = codec.preferredPayloadType;
    if (pt === undefined) {
      do pt = free.shift();
      while (pt !== undefined && taken.has(pt));
      if (pt === undefined) throw new EngineError('limit_reached', 'no dynamic payload type left');
      taken.add(pt);
    }
    codecs.push({
      kind: codec.kind,
      mimeType: supported.mimeType,
      preferredPayloadType: pt,
      clockRate: supported.clockRate,
      ...(supported.channels ? { channels: codec.channels ?? supported.channels } : {}),
      parameters: { ...codec.parameters },
      rtcpFeedback: supported.rtcpFeedback,
    });
  }
  return { codecs, headerExtensions: SUPPORTED_HEADER_EXTENSIONS.map((e) => ({ ...e })) };
}

/** mediasoup's codec matching: mime type, clock rate, channels; for H.264 packetization mode and profile. */
export function codecsMatch(
  a: { mimeType: string; clockRate: number; channels?: number; parameters?: Record<string, unknown> },
  b: { mimeType: string; clockRate: number; channels?: number; parameters?: Record<string, unknown> },
): boolean {
  if (a.mimeType.toLowerCase() !== b.mimeType.toLowerCase() || a.clockRate !== b.clockRate) return false;
  if (a.mimeType.toLowerCase() === 'audio/opus' && (a.channels ?? 1) !== (b.channels ?? 1)) return false;
  const supported = findSupported(a);
  for (const p of supported?.matchParameters ?? []) {
    if (String(a.parameters?.[p] ?? '0') !== String(b.parameters?.[p] ?? '0')) return false;
  }
  // Constrained baseline, main and high are different decoders: a stream is only one of them.
  if (a.mimeType.toLowerCase() === 'video/h264' && !isSameProfile(a.parameters ?? {}, b.parameters ?? {})) return false;
  return true;
}
