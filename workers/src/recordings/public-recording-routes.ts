// /api/v1/public/...: published recordings for anyone, as hosts share past streams: an
// organization's public page lists them, the VOD embed plays one. Recordings are tenant data under
// RLS, so the lookups are narrow SECURITY DEFINER functions (migration 0017) that answer only what
// is published, playable and from a public room; anything else (unpublished, another room
// visibility, an unknown id) is the same 404. Media comes as presigned GETs valid a few minutes;
// a published HLS run plays as its playlist on the /hls route (public: the room is).
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { PublicRecordingList, PublicRecordingPlayback } from '@roomcast/schema/api';
import { isUuid } from '../auth/tokens.ts';
import { notFound } from '../errors.ts';
import { createRouter, errorResponses, jsonContent } from '../http.ts';
import { decodeCursor, PageQuery, pageOf } from '../paging/cursor-page.ts';
import { hlsPlaylistUrl } from '../egress/play-token.ts';
import { hlsRunOfKey } from '../storage/object-keys.ts';
import { requireObjectStore } from '../storage/object-store.ts';
import { recordingContentType } from './recording-routes.ts';

export const publicRecordingRoutes = createRouter();

interface ListedRow extends Record<string, unknown> {
  organization_name: string;
  recording_id: string | null;
  room_title: string | null;
  started_at: string | Date | null;
  duration_ms: number | null;
  poster_key: string | null;
}

interface OneRow extends Record<string, unknown> {
  recording_id: string;
  organization_name: string;
  room_title: string;
  started_at: string | Date;
  duration_ms: number | null;
  video_codec: string | null;
  object_key: string;
  poster_key: string | null;
}

const isoOf = (v: string | Date) => new Date(v).toISOString();

publicRecordingRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/organizations/{orgSlug}/recordings',
    tags: ['public'],
    summary: 'An organization\'s published recordings of its public rooms, newest first (its public page); pages of `limit` (default 24), the next one at `before=nextCursor`',
    request: { params: z.object({ orgSlug: z.string().max(100) }), query: PageQuery },
    responses: { 200: jsonContent(PublicRecordingList, 'Published recordings'), ...errorResponses(400, 404) },
  }),
  async (c) => {
    const { orgSlug } = c.req.valid('param');
    const { limit = 24, before } = c.req.valid('query');
    const cursor = decodeCursor(before);
    const store = requireObjectStore(c.var.config.storage);
    const rows = await c.var.db.global(
      async (tx) =>
        (await tx.execute<ListedRow>(sql`select * from app_published_recordings(${orgSlug}, ${cursor?.at.toISOString() ?? null}, ${cursor?.id ?? null}, ${limit + 1})`)).rows,
    );
    if (rows.length === 0) throw notFound('Organization');
    const page = pageOf(
      rows.filter((r) => r.recording_id !== null),
      limit,
      (r) => ({ at: r.started_at!, id: r.recording_id! }),
    );
    const recordings = await Promise.all(
      page.rows.map(async (r) => ({
        id: r.recording_id!,
        title: r.room_title!,
        startedAt: isoOf(r.started_at!),
        durationMs: r.duration_ms,
        posterUrl: r.poster_key ? await store.presignGet(r.poster_key) : null,
      })),
    );
    return c.json({ organizationName: rows[0]!.organization_name, recordings, nextCursor: page.nextCursor }, 200);
  },
);

publicRecordingRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/recordings/{recordingId}',
    tags: ['public'],
    summary: 'One published recording with a short-lived playback URL (the VOD embed); 404 unless published from a public room',
    request: { params: z.object({ recordingId: z.string() }) },
    responses: { 200: jsonContent(PublicRecordingPlayback, 'The recording'), ...errorResponses(404) },
  }),
  async (c) => {
    const { recordingId } = c.req.valid('param');
    if (!isUuid(recordingId)) throw notFound('Recording');
    const store = requireObjectStore(c.var.config.storage);
    const row = await c.var.db.global(async (tx) => (await tx.execute<OneRow>(sql`select * from app_published_recording(${recordingId})`)).rows[0]);
    if (!row) throw notFound('Recording');
    const hlsRun = hlsRunOfKey(row.object_key);
    return c.json(
      {
        id: row.recording_id,
        title: row.room_title,
        organizationName: row.organization_name,
        startedAt: isoOf(row.started_at),
        durationMs: row.duration_ms,
        posterUrl: row.poster_key ? await store.presignGet(row.poster_key) : null,
        playbackUrl: hlsRun
          ? await hlsPlaylistUrl(c.var.config.publicUrl ?? c.req.url, c.var.config.roomTokenSecret, hlsRun.roomId, 'public', hlsRun.hlsId)
          : await store.presignGet(row.object_key, { contentType: recordingContentType({ videoCodec: row.video_codec }) }),
      },
      200,
    );
  },
);
