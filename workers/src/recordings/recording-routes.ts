// Recordings of a live room (Professional and up): server recordings here, local (browser)
// recordings opened and completed in local-recording-routes.ts; listing, playback, delete and
// publish are the same for both.
//   POST   /organizations/{org}/rooms/{room}/recordings  start (the room must be live)
//   POST   /organizations/{org}/recordings/{id}/stop     stop and finalize
//   GET    /organizations/{org}/recordings[?roomId=]     list, newest first
//   GET    /organizations/{org}/recordings/{id}          one, with short-lived presigned playback URLs
//   DELETE /organizations/{org}/recordings/{id}          remove the file and free its storage
//   POST   /organizations/{org}/recordings/{id}/publish  (and /unpublish) show it on the public
//                                                        page and in the VOD embed (public rooms)
// A recording is one object written as a multipart upload opened here at start; the parts come
// from the media node while the room is live, and stop joins them into one file. Starting is
// refused when the plan lacks recording or the organization's storage is full (403 plan_limit).
// An ended HLS run is a recording too (source `hls`, egress/hls-vod.ts): it plays as its own HLS
// playlist through the /hls route, and deleting it removes every file of the run.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { Recording, RecordingPage, RecordingWithPlayback } from '@roomcast/schema/api';
import { recordings, recordingTracks, rooms } from '@roomcast/schema/db';
import { isUuid } from '../auth/tokens.ts';
import { deleteHlsRun } from '../egress/hls-vod.ts';
import { hlsPlaylistUrl } from '../egress/play-token.ts';
import type { Tx } from '../db/database.ts';
import { ApiError, conflict, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, iso, jsonContent, OrgParam, orgParamWith } from '../http.ts';
import { decodeCursor, newestFirst, olderThan, PageQuery, pageOf } from '../paging/cursor-page.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { findRoomWithSession } from '../rooms/live-room-lookup.ts';
import { roomStub } from '../rooms/room-stub.ts';
import { requireObjectStore } from '../storage/object-store.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import { wakeWebhookDelivery } from '../webhooks/wake.ts';
import { finalizeRecording } from './finalize.ts';
import { announceRecording, openRecording } from './open-recording.ts';

export const recordingRoutes = createRouter();
const RecordingParam = orgParamWith('recording');
const RoomParam = orgParamWith('room');

export { RECORDING_START_HEADROOM_BYTES } from './open-recording.ts';

type RecordingRow = typeof recordings.$inferSelect;

export const toRecording = (r: RecordingRow): z.infer<typeof Recording> => ({
  id: r.id,
  roomId: r.roomId,
  sessionId: r.roomSessionId,
  status: r.status,
  source: r.source,
  durationMs: r.durationMs,
  sizeBytes: r.sizeBytes,
  videoCodec: r.videoCodec,
  audioCodec: r.audioCodec,
  error: r.error,
  startedAt: r.startedAt.toISOString(),
  endedAt: iso(r.endedAt),
  readyAt: iso(r.readyAt),
  publishedAt: iso(r.publishedAt),
});

/**
 * What the file is: the node writes H.264 into fragmented MP4 and VP8 (or audio alone) into WebM.
 * The multipart upload is opened before the codec is known, so playback names the type instead.
 */
export const recordingContentType = (r: Pick<RecordingRow, 'videoCodec'>) => (r.videoCodec === 'h264' ? 'video/mp4' : 'video/webm');

export async function findRecording(tx: Tx, org: string, id: string): Promise<RecordingRow> {
  if (!isUuid(id)) throw notFound('Recording');
  const [row] = await tx.select().from(recordings).where(and(eq(recordings.id, id), eq(recordings.organizationId, org)));
  if (!row) throw notFound('Recording');
  return row;
}

recordingRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/rooms/{room}/recordings',
    tags: ['recordings'],
    summary: 'Start a server recording of the live room (Professional and up)',
    description: '403 plan_limit (limit recording) on plans without recording; 403 plan_limit (limit storage) when less than 1 GiB of the plan storage is free; 409 room_not_live; 409 recording_active.',
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: { 201: jsonContent(z.object({ recording: Recording }), 'Recording'), ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, room } = c.req.valid('param');
    const store = requireObjectStore(c.var.config.storage);
    const row = await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', async (tx, access) => {
      const found = await findRoomWithSession(tx, org, room);
      assertFeature(await effectivePlan(tx, org), 'recording');
      if (!found.sessionId) throw conflict('The room is not live: start it before recording', 'room_not_live');
      const created = await openRecording(tx, store, { organizationId: org, roomId: room, sessionId: found.sessionId, startedBy: access.userId });
      await audit(tx, access, 'recording.start', { type: 'recording', id: created.id }, { roomId: room });
      return created;
    });
    await announceRecording(c.env, row);
    await wakeWebhookDelivery(org);
    return c.json({ recording: toRecording(row) }, 201);
  },
);

recordingRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/recordings/{recording}/stop',
    tags: ['recordings'],
    summary: 'Stop a recording; it is finalized into one playable file (ready), or failed when no media was recorded',
    security: bearerSecurity,
    request: { params: RecordingParam },
    responses: { 200: jsonContent(z.object({ recording: Recording }), 'Recording'), ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, recording } = c.req.valid('param');
    const store = requireObjectStore(c.var.config.storage);
    // First claimed (`finalizing`), so a second stop meanwhile gets 409; then the node uploads the
    // rest and reports (seconds: outside any transaction); then the parts are joined into one file.
    const claimed = await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', async (tx) => {
      const found = await findRecording(tx, org, recording);
      if (found.status !== 'recording') throw conflict(`The recording is ${found.status}, not recording`, 'recording_not_active');
      if (found.source === 'local') throw conflict('A local recording is completed by the studio that records it (POST .../complete)', 'recording_local');
      await tx.update(recordings).set({ status: 'finalizing', endedAt: new Date() }).where(eq(recordings.id, found.id));
      return found;
    });
    const stopped = await roomStub(c.env, claimed.roomId)
      .stopRecorder(claimed.id)
      .catch((error: unknown) => (console.error('recording: the room could not stop the recorder', error), null));
    const row = await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', async (tx, access) => {
      const found = await findRecording(tx, org, recording);
      const finalized = await finalizeRecording(tx, store, found, stopped?.parts ?? [], stopped?.media, stopped?.outcome, stopped?.tracks);
      await audit(tx, access, 'recording.stop', { type: 'recording', id: found.id }, { status: finalized.status });
      return finalized;
    });
    await wakeWebhookDelivery(org);
    return c.json({ recording: toRecording(row) }, 200);
  },
);

recordingRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/recordings',
    tags: ['recordings'],
    summary: 'List recordings, newest first (every member); pages of `limit` (default 50), the next one at `before=nextCursor`',
    security: bearerSecurity,
    request: { params: OrgParam, query: PageQuery.extend({ roomId: z.uuid().optional() }) },
    responses: { 200: jsonContent(RecordingPage, 'Recordings'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const { roomId, limit = 50, before } = c.req.valid('query');
    const cursor = decodeCursor(before);
    const rows = await withOrganization(c.var.db, c.var.principal, org, 'recording.read', (tx) =>
      tx
        .select()
        .from(recordings)
        .where(and(eq(recordings.organizationId, org), roomId ? eq(recordings.roomId, roomId) : undefined, olderThan(recordings.startedAt, recordings.id, cursor)))
        .orderBy(...newestFirst(recordings.startedAt, recordings.id))
        .limit(limit + 1),
    );
    const page = pageOf(rows, limit, (r) => ({ at: r.startedAt, id: r.id }));
    // Posters exist only where storage does: a list without any never needs the store.
    const posterUrl = (key: string | null) => (key ? requireObjectStore(c.var.config.storage).presignGet(key) : null);
    const listed = await Promise.all(page.rows.map(async (r) => ({ ...toRecording(r), posterUrl: await posterUrl(r.posterKey) })));
    return c.json({ recordings: listed, nextCursor: page.nextCursor }, 200);
  },
);

recordingRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/recordings/{recording}',
    tags: ['recordings'],
    summary: 'One recording; playbackUrl and posterUrl are presigned GETs valid for a few minutes once it plays (ready or partial); `tracks` are its further files (a screen share, a late camera), each with its own playbackUrl',
    description: "An `hls` recording's playbackUrl is that run's HLS playlist on the /hls route (with a play token unless the room is public), for hls.js or native HLS.",
    security: bearerSecurity,
    request: { params: RecordingParam },
    responses: { 200: jsonContent(RecordingWithPlayback, 'Recording'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, recording } = c.req.valid('param');
    const store = requireObjectStore(c.var.config.storage);
    const { row, visibility, tracks } = await withOrganization(c.var.db, c.var.principal, org, 'recording.read', async (tx) => {
      const row = await findRecording(tx, org, recording);
      const [room] = await tx.select({ visibility: rooms.visibility }).from(rooms).where(eq(rooms.id, row.roomId));
      const tracks = await tx
        .select()
        .from(recordingTracks)
        .where(and(eq(recordingTracks.recordingId, row.id), eq(recordingTracks.organizationId, org)))
        .orderBy(recordingTracks.offsetMs, recordingTracks.createdAt);
      return { row, visibility: room?.visibility ?? 'private', tracks };
    });
    const playable = row.status === 'ready' || row.status === 'partial';
    const playbackUrl = !playable || !row.objectKey
      ? null
      : row.source === 'hls'
        ? await hlsPlaylistUrl(c.var.config.publicUrl ?? c.req.url, c.var.config.roomTokenSecret, row.roomId, visibility, row.id)
        : await store.presignGet(row.objectKey, { contentType: recordingContentType(row) });
    return c.json(
      {
        recording: toRecording(row),
        playbackUrl,
        posterUrl: playable && row.posterKey ? await store.presignGet(row.posterKey) : null,
        tracks: await Promise.all(
          tracks.map(async (t) => ({
            id: t.id,
            kind: t.kind,
            status: t.status,
            offsetMs: t.offsetMs,
            durationMs: t.durationMs,
            sizeBytes: t.sizeBytes,
            videoCodec: t.videoCodec,
            error: t.error,
            playbackUrl: t.status === 'ready' || t.status === 'partial' ? await store.presignGet(t.objectKey, { contentType: recordingContentType(t) }) : null,
          })),
        ),
      },
      200,
    );
  },
);

recordingRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/recordings/{recording}',
    tags: ['recordings'],
    summary: 'Delete a finished recording: its file, poster and further tracks (an HLS recording: every file of the run) are removed and its storage freed',
    security: bearerSecurity,
    request: { params: RecordingParam },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, recording } = c.req.valid('param');
    const store = requireObjectStore(c.var.config.storage);
    await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', async (tx, access) => {
      const row = await findRecording(tx, org, recording);
      if (row.status === 'recording' || row.status === 'finalizing') {
        throw new ApiError(409, 'recording_active', 'Stop the recording before deleting it');
      }
      if (row.uploadId && row.objectKey) await store.abortMultipartUpload(row.objectKey, row.uploadId);
      if (row.source === 'hls' && row.objectKey) await deleteHlsRun(store, row.objectKey);
      else if (row.objectKey) await store.delete(row.objectKey);
      if (row.posterKey) await store.delete(row.posterKey);
      // Its further tracks' files (their rows go with the recording's).
      for (const t of await tx.select().from(recordingTracks).where(and(eq(recordingTracks.recordingId, row.id), eq(recordingTracks.organizationId, org)))) {
        if (t.uploadId) await store.abortMultipartUpload(t.objectKey, t.uploadId);
        await store.delete(t.objectKey);
      }
      await tx.delete(recordings).where(eq(recordings.id, row.id));
      await audit(tx, access, 'recording.delete', { type: 'recording', id: row.id }, { sizeBytes: row.sizeBytes });
    });
    return c.body(null, 204);
  },
);

for (const action of ['publish', 'unpublish'] as const) {
  recordingRoutes.openapi(
    createRoute({
      method: 'post',
      path: `/{org}/recordings/{recording}/${action}`,
      tags: ['recordings'],
      summary:
        action === 'publish'
          ? 'Publish a playable recording: it shows on the organization\'s public page and plays in the VOD embed while its room is public'
          : 'Unpublish a recording: the public page and the embed answer 404 for it again',
      security: bearerSecurity,
      request: { params: RecordingParam },
      responses: { 200: jsonContent(z.object({ recording: Recording }), 'The recording'), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const { org, recording } = c.req.valid('param');
      const row = await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', async (tx, access) => {
        const found = await findRecording(tx, org, recording);
        if (action === 'publish' && found.status !== 'ready' && found.status !== 'partial') {
          throw new ApiError(409, 'recording_not_playable', `A ${found.status} recording cannot be published`);
        }
        const [updated] = await tx
          .update(recordings)
          .set({ publishedAt: action === 'publish' ? (found.publishedAt ?? new Date()) : null })
          .where(eq(recordings.id, found.id))
          .returning();
        await audit(tx, access, `recording.${action}`, { type: 'recording', id: found.id }, {});
        return updated!;
      });
      return c.json({ recording: toRecording(row) }, 200);
    },
  );
}
