// FLV: the tags an RTMP publisher sends (audio = 8, video = 9, script data = 18) written as an FLV
// file for ffmpeg's stdin, and what the tags say about the encoder: its codecs, the H.264 profile
// (from the AVC sequence header), composition time offsets (B-frames), keyframe spacing and the
// bitrate. The checks are the typed errors the ingest state shows (EncoderCheck).

export const TAG_AUDIO = 8;
export const TAG_VIDEO = 9;
export const TAG_SCRIPT = 18;

/** The FLV file header (audio and video flagged) and PreviousTagSize0. */
export function flvHeader(): Buffer {
  return Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00]);
}

export function flvTag(type: number, timestamp: number, data: Buffer): Buffer {
  const head = Buffer.alloc(11);
  head[0] = type;
  head.writeUIntBE(data.length, 1, 3);
  head.writeUIntBE(timestamp & 0xffffff, 4, 3);
  head[7] = (timestamp >>> 24) & 0xff;
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(11 + data.length);
  return Buffer.concat([head, data, tail]);
}

/** FLV video codec ids (the low nibble of a video tag's first byte), by the name encoders show. */
const VIDEO_CODECS: Record<number, string> = { 1: 'JPEG', 2: 'Sorenson H.263 (FLV1)', 3: 'Screen Video', 4: 'On2 VP6', 5: 'On2 VP6 with alpha', 6: 'Screen Video 2', 7: 'H.264', 12: 'HEVC' };
const AUDIO_CODECS: Record<number, string> = { 0: 'PCM', 1: 'ADPCM', 2: 'MP3', 3: 'PCM', 4: 'Nellymoser', 5: 'Nellymoser', 6: 'Nellymoser', 7: 'G.711 A-law', 8: 'G.711 mu-law', 10: 'AAC', 11: 'Speex', 14: 'MP3 8 kHz' };
const AVC = 7;
const AAC = 10;

export interface VideoTagInfo {
  codec: string;
  isH264: boolean;
  keyframe: boolean;
  /** H.264 only: 0 sequence header, 1 NAL units, 2 end of sequence. */
  avcPacketType?: number;
  /** H.264 NAL units: the composition time offset (non-zero means B-frames). */
  compositionTime?: number;
  /** The AVC sequence header's profile_idc, constraint flags and level_idc as profile-level-id hex. */
  profileLevelId?: string;
}

export function readVideoTag(data: Buffer): VideoTagInfo | undefined {
  if (data.length < 1) return undefined;
  const b0 = data[0]!;
  // Enhanced RTMP (HEVC, AV1, VP9 from newer OBS): IsExHeader bit, then a FourCC.
  if (b0 & 0x80) {
    const fourcc = data.length >= 5 ? data.toString('latin1', 1, 5) : '????';
    return { codec: fourcc, isH264: fourcc === 'avc1', keyframe: ((b0 >> 4) & 0x07) === 1 };
  }
  const codecId = b0 & 0x0f;
  const info: VideoTagInfo = { codec: VIDEO_CODECS[codecId] ?? `codec id ${codecId}`, isH264: codecId === AVC, keyframe: b0 >> 4 === 1 };
  if (codecId !== AVC || data.length < 5) return info;
  info.avcPacketType = data[1]!;
  info.compositionTime = data.readIntBE(2, 3);
  if (info.avcPacketType === 0 && data.length >= 9) info.profileLevelId = data.subarray(6, 9).toString('hex');
  return info;
}

export interface AudioTagInfo {
  codec: string;
  isAac: boolean;
  /** AAC: 0 sequence header (AudioSpecificConfig), 1 raw frames. */
  aacPacketType?: number;
}

export function readAudioTag(data: Buffer): AudioTagInfo | undefined {
  if (data.length < 1) return undefined;
  const codecId = data[0]! >> 4;
  const info: AudioTagInfo = { codec: AUDIO_CODECS[codecId] ?? `codec id ${codecId}`, isAac: codecId === AAC };
  if (codecId === AAC && data.length >= 2) info.aacPacketType = data[1]!;
  return info;
}

/** What the router offers for H.264 (room-session.ts ROOM_MEDIA_CODECS), by profile_idc. */
const ROUTER_H264_PROFILES: Record<number, string> = { 66: '42e01f', 77: '4d0032', 100: '640032' };

/** The router's profile-level-id for a stream's profile, or undefined for a profile browsers do not decode (High 10, 4:2:2, 4:4:4). */
export function routerProfileFor(profileLevelId: string): string | undefined {
  return ROUTER_H264_PROFILES[Number.parseInt(profileLevelId.slice(0, 2), 16)];
}

export type EncoderErrorCode = 'unsupported_video_codec' | 'unsupported_h264_profile' | 'unsupported_audio_codec' | 'b_frames' | 'keyframe_interval_too_long' | 'bitrate_too_high';

export interface EncoderError {
  code: EncoderErrorCode;
  message: string;
  /** The stream cannot be forwarded at all: the connection is closed. */
  fatal: boolean;
}

export interface EncoderCheckLimits {
  /** Longest keyframe interval viewers can wait through (joins and losses wait for a keyframe). */
  maxKeyframeIntervalMs: number;
  maxBitrateKbps: number;
  /** The window bitrate is averaged over. */
  bitrateWindowMs: number;
}

export const DEFAULT_CHECK_LIMITS: EncoderCheckLimits = { maxKeyframeIntervalMs: 4_000, maxBitrateKbps: 6_000, bitrateWindowMs: 5_000 };

/**
 * Watches an encoder's tags and reports each problem once: a codec the room cannot forward,
 * B-frames, keyframes too far apart, a bitrate over the cap. Fed every tag in order.
 */
export class EncoderCheck {
  readonly #reported = new Set<EncoderErrorCode>();
  #lastKeyframeAt: number | undefined;
  #windowStart: number | undefined;
  #windowBytes = 0;
  profileLevelId: string | undefined;
  videoCodec: string | undefined;
  audioCodec: string | undefined;

  constructor(private readonly limits: EncoderCheckLimits = DEFAULT_CHECK_LIMITS) {}

  /** A tag's problems not reported before (usually none). */
  tag(type: number, timestamp: number, data: Buffer): EncoderError[] {
    const found: EncoderError[] = [];
    if (type === TAG_VIDEO) this.#video(timestamp, data, found);
    else if (type === TAG_AUDIO) this.#audio(data, found);
    if (type === TAG_VIDEO || type === TAG_AUDIO) this.#bitrate(timestamp, data.length, found);
    return found.filter((e) => {
      if (this.#reported.has(e.code)) return false;
      this.#reported.add(e.code);
      return true;
    });
  }

  #video(timestamp: number, data: Buffer, found: EncoderError[]): void {
    const v = readVideoTag(data);
    if (!v) return;
    this.videoCodec = v.codec;
    if (!v.isH264) {
      found.push({ code: 'unsupported_video_codec', fatal: true, message: `The encoder sends ${v.codec} video; set it to H.264 (x264 or a hardware H.264 encoder)` });
      return;
    }
    if (v.profileLevelId) {
      this.profileLevelId = v.profileLevelId;
      if (!routerProfileFor(v.profileLevelId)) {
        found.push({ code: 'unsupported_h264_profile', fatal: true, message: `H.264 profile ${Number.parseInt(v.profileLevelId.slice(0, 2), 16)} cannot be played by browsers; use the baseline, main or high profile` });
      }
    }
    if (v.avcPacketType !== 1) return;
    if (v.compositionTime !== undefined && v.compositionTime !== 0) {
      found.push({ code: 'b_frames', fatal: false, message: 'The encoder sends B-frames, which WebRTC viewers cannot play smoothly; set B-frames to 0 (x264 profile baseline, or bframes=0)' });
    }
    if (v.keyframe) {
      if (this.#lastKeyframeAt !== undefined) {
        const interval = timestamp - this.#lastKeyframeAt;
        if (interval > this.limits.maxKeyframeIntervalMs) {
          found.push({ code: 'keyframe_interval_too_long', fatal: false, message: `Keyframes came ${(interval / 1000).toFixed(1)} s apart; set the keyframe interval to ${this.limits.maxKeyframeIntervalMs / 1000} s or less (2 s is best)` });
        }
      }
      this.#lastKeyframeAt = timestamp;
    }
  }

  #audio(data: Buffer, found: EncoderError[]): void {
    const a = readAudioTag(data);
    if (!a) return;
    this.audioCodec = a.codec;
    if (!a.isAac) found.push({ code: 'unsupported_audio_codec', fatal: false, message: `The encoder sends ${a.codec} audio; set it to AAC` });
  }

  #bitrate(timestamp: number, bytes: number, found: EncoderError[]): void {
    if (this.#windowStart === undefined || timestamp < this.#windowStart) {
      this.#windowStart = timestamp;
      this.#windowBytes = 0;
    }
    this.#windowBytes += bytes;
    const elapsed = timestamp - this.#windowStart;
    if (elapsed < this.limits.bitrateWindowMs) return;
    const kbps = (this.#windowBytes * 8) / elapsed;
    if (kbps > this.limits.maxBitrateKbps) {
      found.push({ code: 'bitrate_too_high', fatal: false, message: `The encoder sends ${Math.round(kbps)} kbps; the limit is ${this.limits.maxBitrateKbps} kbps` });
    }
    this.#windowStart = timestamp;
    this.#windowBytes = 0;
  }
}
