// Ingest settings of a room (encoders publishing over WHIP or RTMP): REST shapes.
import { z } from 'zod';

export const IngestProtocol = z.enum(['whip', 'rtmp']);

export const IngestSettings = z.object({
  roomId: z.uuid(),
  /** POST an SDP offer here with `Authorization: Bearer <streamKey>` (RFC 9725). */
  whipUrl: z.string(),
  /** Push RTMP here with the stream key as the stream name; null where RTMP is not offered. */
  rtmpUrl: z.string().nullable(),
  /** The first characters of the stream key (the key itself is shown once, at creation). */
  streamKeyPrefix: z.string(),
  state: z.enum(['idle', 'live']),
  protocol: IngestProtocol.nullable(),
  /** What was wrong with the encoder's last attempt (a typed error's message), if anything. */
  lastError: z.string().nullable(),
  /** lastError's typed code: unsupported_video_codec, unsupported_h264_profile, unsupported_audio_codec, b_frames, keyframe_interval_too_long, bitrate_too_high (RTMP), or the WHIP error code. */
  lastErrorCode: z.string().nullable(),
  stateChangedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type IngestSettings = z.infer<typeof IngestSettings>;

export const CreatedIngest = IngestSettings.extend({ streamKey: z.string() });
export type CreatedIngest = z.infer<typeof CreatedIngest>;
