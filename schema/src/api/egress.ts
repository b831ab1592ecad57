// HLS egress of a live room (workers/src/egress/).
import { z } from 'zod';

export const HlsRun = z.object({
  id: z.string(),
  state: z.enum(['starting', 'live', 'ended', 'failed']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type HlsRun = z.infer<typeof HlsRun>;

/** The room's current or last HLS run and the playlist URL to play it (carrying a play token when the room is not public). */
export const HlsStatus = z.object({ hls: HlsRun.nullable(), playlistUrl: z.string() });
export type HlsStatus = z.infer<typeof HlsStatus>;

// ── Multistream (RTMP out) ─────────────────────────────────────────────────────

export const DESTINATION_KINDS = ['youtube', 'twitch', 'facebook', 'custom'] as const;
export const DestinationKind = z.enum(DESTINATION_KINDS);
export type DestinationKind = z.infer<typeof DestinationKind>;

/** The platforms' documented primary ingest URLs (the stream key is appended as the last path segment). */
export const PLATFORM_INGEST_URLS: Record<Exclude<DestinationKind, 'custom'>, string> = {
  youtube: 'rtmp://a.rtmp.youtube.com/live2',
  twitch: 'rtmp://live.twitch.tv/app',
  facebook: 'rtmps://live-api-s.facebook.com:443/rtmp',
};

/** An RTMP or RTMPS URL with a host and no credentials or query (the key goes in its own field). */
export const RtmpUrl = z
  .string()
  .trim()
  .max(500)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'rtmp:' || url.protocol === 'rtmps:') && url.hostname !== '' && url.username === '' && url.password === '' && url.search === '' && url.hash === '';
    } catch {
      return false;
    }
  }, 'must be an rtmp:// or rtmps:// URL with a host (no credentials, no query)');

/** Stream keys: printable, no spaces or slashes (they become the URL's last path segment). */
const StreamKey = z.string().min(4).max(300).regex(/^[\x21-\x7e]+$/, 'printable characters without spaces').refine((k) => !k.includes('/') && !k.includes('?') && !k.includes('#'), 'no "/", "?" or "#"');

export const EgressDestination = z.object({
  id: z.string(),
  /** null: the organization's default, offered in every room. */
  roomId: z.string().nullable(),
  kind: DestinationKind,
  name: z.string(),
  ingestUrl: z.string(),
  /** The stream key's last 4 characters; the key itself is never shown back. */
  keyLast4: z.string(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type EgressDestination = z.infer<typeof EgressDestination>;

export const CreateEgressDestinationInput = z.object({
  kind: DestinationKind,
  name: z.string().trim().min(1).max(100),
  /** Required for `custom`; for a platform, its documented ingest URL when omitted. */
  ingestUrl: RtmpUrl.optional(),
  streamKey: StreamKey,
  roomId: z.uuid().nullable().optional(),
  enabled: z.boolean().optional(),
});
export type CreateEgressDestinationInput = z.infer<typeof CreateEgressDestinationInput>;

export const UpdateEgressDestinationInput = z
  .object({ name: z.string().trim().min(1).max(100), ingestUrl: RtmpUrl, streamKey: StreamKey, enabled: z.boolean() })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type UpdateEgressDestinationInput = z.infer<typeof UpdateEgressDestinationInput>;

export const RTMP_OUTPUT_STATES = ['connecting', 'live', 'retrying', 'failed', 'stopped'] as const;
/** One destination pushed from a live room: its state as the media node last reported it. */
export const RtmpOutputStatus = z.object({
  destinationId: z.string(),
  name: z.string(),
  kind: DestinationKind,
  state: z.enum(RTMP_OUTPUT_STATES),
  /** Why it failed, or why the last connection dropped while retrying. */
  reason: z.string().nullable(),
  bitrateKbps: z.number(),
  /** Since this connection went live (null: not live). */
  uptimeMs: z.number().nullable(),
  startedAt: z.string(),
  updatedAt: z.string(),
});
export type RtmpOutputStatus = z.infer<typeof RtmpOutputStatus>;

export const RoomEgressStatus = z.object({ outputs: z.array(RtmpOutputStatus) });
export type RoomEgressStatus = z.infer<typeof RoomEgressStatus>;
