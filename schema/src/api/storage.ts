// Object storage: uploaded files and server recordings (REST shapes). The bytes themselves never
// pass through the API: clients get presigned URLs and talk to the store directly.
import { z } from 'zod';

export const FILE_STATUSES = ['pending', 'uploaded'] as const;

export const StoredFile = z.object({
  id: z.uuid(),
  workspaceId: z.uuid().nullable(),
  name: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int(),
  status: z.enum(FILE_STATUSES),
  createdAt: z.string(),
  uploadedAt: z.string().nullable(),
});

export const CreateFileInput = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .refine((n) => !/[\u0000-\u001f\u007f/\\]/.test(n), 'no slashes or control characters'),
  contentType: z.string().trim().toLowerCase().min(1).max(255),
  sizeBytes: z.number().int().positive(),
  workspaceId: z.uuid().optional(),
});

/** How to send the bytes: one presigned PUT, or presigned parts of `partSize` bytes (the last may be shorter). */
export const FileUpload = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('single'),
    method: z.literal('PUT'),
    url: z.string(),
    /** Send exactly these headers (the content type is part of the signature). */
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  }),
  z.object({
    kind: z.literal('multipart'),
    partSize: z.number().int(),
    parts: z.array(z.object({ partNumber: z.number().int(), url: z.string() })),
    expiresAt: z.string(),
  }),
]);

/** GET /organizations/{org}/files: a page, newest first; `nextCursor` (null on the last page) asks for the next as `?before=`. */
export const FilePage = z.object({ files: z.array(StoredFile), nextCursor: z.string().nullable() });

export const CreatedFile = z.object({ file: StoredFile, upload: FileUpload });

export const CompleteFileInput = z.object({
  /** Multipart uploads only: every part's number and the ETag header the store answered its PUT with. */
  parts: z
    .array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) }))
    .max(10_000)
    .optional(),
});

export const FileWithDownload = z.object({ file: StoredFile, downloadUrl: z.string().nullable() });

export const RECORDING_STATUS = ['recording', 'finalizing', 'ready', 'partial', 'failed'] as const;

export const Recording = z.object({
  id: z.uuid(),
  roomId: z.uuid(),
  sessionId: z.uuid().nullable(),
  /** recording -> finalizing -> ready; `partial`: the node was lost and what it had uploaded plays; `failed`: nothing playable. */
  status: z.enum(RECORDING_STATUS),
  /** `server`: the room's media node recorded it; `local`: a host's studio recorded it in the browser; `hls`: an ended HLS run (its playbackUrl is an HLS playlist). */
  source: z.enum(['server', 'local', 'hls']),
  durationMs: z.number().int().nullable(),
  sizeBytes: z.number().int().nullable(),
  videoCodec: z.string().nullable(),
  audioCodec: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  readyAt: z.string().nullable(),
  /** Set while published: plays on the organization's public page and in the VOD embed (public rooms only). */
  publishedAt: z.string().nullable(),
});

/** GET /organizations/{org}/recordings: a page, newest first, each with its poster (a presigned GET); `nextCursor` (null on the last page) asks for the next as `?before=`. */
export const RecordingPage = z.object({ recordings: z.array(Recording.extend({ posterUrl: z.string().nullable() })), nextCursor: z.string().nullable() });

/**
 * A server recording's further track: a screen share recorded as its own video-only file, or a
 * camera published only after the recording started with audio alone. `offsetMs`: when it began,
 * from the start of the recording's main file (within about a second), so a player can line them up.
 */
export const RecordingTrack = z.object({
  id: z.uuid(),
  kind: z.enum(['screen', 'camera']),
  status: z.enum(RECORDING_STATUS),
  offsetMs: z.number().int(),
  durationMs: z.number().int().nullable(),
  sizeBytes: z.number().int(),
  videoCodec: z.string().nullable(),
  /** Why a `failed` track holds nothing (what the media node saw), else null. */
  error: z.string().nullable(),
  /** A presigned GET valid a few minutes once the track plays (ready or partial), else null. */
  playbackUrl: z.string().nullable(),
});

/** One recording with short-lived presigned GETs of its file and poster (null until playable), and its further tracks. */
export const RecordingWithPlayback = z.object({ recording: Recording, playbackUrl: z.string().nullable(), posterUrl: z.string().nullable(), tracks: z.array(RecordingTrack) });

/** A published recording as anyone sees it (GET /public/organizations/{slug}/recordings). */
export const PublicRecording = z.object({
  id: z.uuid(),
  title: z.string(),
  startedAt: z.string(),
  durationMs: z.number().int().nullable(),
  posterUrl: z.string().nullable(),
});

/** One page, newest first; `nextCursor` (null on the last page) asks for the next as `?before=`. */
export const PublicRecordingList = z.object({ organizationName: z.string(), recordings: z.array(PublicRecording), nextCursor: z.string().nullable() });

/** One published recording for the VOD embed, with a presigned playback URL valid a few minutes. */
export const PublicRecordingPlayback = PublicRecording.extend({ organizationName: z.string(), playbackUrl: z.string() });

/** Local recording: every part but the last is exactly this long (R2 wants equal parts, S3 at least 5 MiB). */
export const LOCAL_RECORDING_PART_BYTES = 5 * 1024 * 1024;

const PartUrl = z.object({ partNumber: z.number().int(), url: z.string() });

/** A local recording opened (POST .../rooms/{room}/local-recordings): its first presigned part URLs. */
export const StartedLocalRecording = z.object({ recording: Recording, partBytes: z.number().int(), partUrls: z.array(PartUrl), expiresAt: z.string() });

export const LocalRecordingPartUrlsInput = z.object({ fromPart: z.number().int().min(1).max(10_000), count: z.number().int().min(1).max(64) });
export const LocalRecordingPartUrls = z.object({ partUrls: z.array(PartUrl), expiresAt: z.string() });

export const CompleteLocalRecordingInput = z.object({
  /** Every uploaded part's number and the ETag the store answered its PUT with. */
  parts: z
    .array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) }))
    .min(1)
    .max(10_000),
  /** Recording time measured by the browser (MediaRecorder's WebM carries none of its own). */
  durationMs: z.number().int().min(0).max(48 * 3600_000),
  videoCodec: z.enum(['vp8', 'vp9', 'h264', 'av1']).nullable(),
  audioCodec: z.enum(['opus']).nullable(),
});
