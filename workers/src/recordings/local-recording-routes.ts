// Local recordings: a host's studio records the room in full quality in the browser (MediaRecorder)
// and uploads the WebM itself while recording, as parts of one multipart upload; the result is a
// recording like a server one (same library, playback, publish, delete, storage count).
//   POST /organizations/{org}/rooms/{room}/local-recordings   open one (the room must be live)
//   POST /organizations/{org}/recordings/{id}/part-urls       more presigned part URLs
//   POST /organizations/{org}/recordings/{id}/complete        join the parts: ready
// The browser never holds the bucket's keys: it gets presigned part URLs, as a media node does.
// Opening checks the plan and the storage like a server recording (403 plan_limit). A studio that
// never completes leaves the recording `recording`: the stale cron aborts it (stale-recordings.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { CompleteLocalRecordingInput, LOCAL_RECORDING_PART_BYTES, LocalRecordingPartUrls, LocalRecordingPartUrlsInput, Recording, StartedLocalRecording } from '@roomcast/schema/api';
import { ApiError, conflict } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent, orgParamWith } from '../http.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { findRoomWithSession } from '../rooms/live-room-lookup.ts';
import { requireObjectStore, type ObjectStore } from '../storage/object-store.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import { wakeWebhookDelivery } from '../webhooks/wake.ts';
import { finalizeRecording } from './finalize.ts';
import { openRecording } from './open-recording.ts';
import { findRecording, toRecording } from './recording-routes.ts';

export const localRecordingRoutes = createRouter();
const RecordingParam = orgParamWith('recording');
const RoomParam = orgParamWith('room');

/** Part URLs handed at once: 8 parts of 5 MiB, about a minute and a half at 8 Mbit/s. */
const FIRST_PART_URLS = 8;
/** A long local recording keeps its URLs for a while (a slow uplink may fall behind). */
const PART_URL_TTL_SECONDS = 6 * 3600;
const MAX_PARTS = 10_000;

async function partUrls(store: ObjectStore, key: string, uploadId: string, fromPart: number, count: number) {
  const last = Math.min(MAX_PARTS, fromPart + count - 1);
  const numbers = Array.from({ length: Math.max(0, last - fromPart + 1) }, (_, i) => fromPart + i);
  return {
    partUrls: await Promise.all(numbers.map(async (partNumber) => ({ partNumber, url: await store.presignPart(key, uploadId, partNumber, PART_URL_TTL_SECONDS) }))),
    expiresAt: new Date(Date.now() + PART_URL_TTL_SECONDS * 1000).toISOString(),
  };
}

localRecordingRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/rooms/{room}/local-recordings',
    tags: ['recordings'],
    summary: 'Start a local recording: the caller\'s browser records and uploads the parts itself (Professional and up)',
    description:
      'Answers the first presigned part URLs; every part but the last must be exactly partBytes long. 403 plan_limit (limit recording, or storage when less than 1 GiB is free); 409 room_not_live. Several hosts may record locally at once, beside a server recording.',
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: { 201: jsonContent(StartedLocalRecording, 'Recording opened'), ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, room } = c.req.valid('param');
    const store = requireObjectStore(c.var.config.storage);
    const row = await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', async (tx, access) => {
      const found = await findRoomWithSession(tx, org, room);
      // The plan first: a plan without recording hears so whether or not the room is live.
      assertFeature(await effectivePlan(tx, org), 'recording');
      if (!found.sessionId) throw conflict('The room is not live: go live before recording', 'room_not_live');
      const created = await openRecording(tx, store, { organizationId: org, roomId: room, sessionId: found.sessionId, startedBy: access.userId, source: 'local' });
      await audit(tx, access, 'recording.start', { type: 'recording', id: created.id }, { roomId: room, source: 'local' });
      return created;
    });
    await wakeWebhookDelivery(org);
    const urls = await partUrls(store, row.objectKey!, row.uploadId!, 1, FIRST_PART_URLS);
    return c.json({ recording: toRecording(row), partBytes: LOCAL_RECORDING_PART_BYTES, ...urls }, 201);
  },
);

localRecordingRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/recordings/{recording}/part-urls',
    tags: ['recordings'],
    summary: 'More presigned part URLs for a local recording that is still recording',
    security: bearerSecurity,
    request: { params: RecordingParam, ...jsonBody(LocalRecordingPartUrlsInput) },
    responses: { 200: jsonContent(LocalRecordingPartUrls, 'Part URLs'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, recording } = c.req.valid('param');
    const { fromPart, count } = c.req.valid('json');
    const store = requireObjectStore(c.var.config.storage);
    const row = await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', (tx) => findRecording(tx, org, recording));
    if (row.source !== 'local') throw conflict('Part URLs are for local recordings; the media node gets its own', 'recording_not_local');
    if (row.status !== 'recording' || !row.uploadId || !row.objectKey) throw conflict(`The recording is ${row.status}, not recording`, 'recording_not_active');
    return c.json(await partUrls(store, row.objectKey, row.uploadId, fromPart, count), 200);
  },
);

localRecordingRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/recordings/{recording}/complete',
    tags: ['recordings'],
    summary: 'Complete a local recording: the uploaded parts are joined into one file (ready); answered again unchanged once done',
    description: '400 upload_incomplete when a part or ETag does not match what the store holds (the recording stays open: upload the part again and retry).',
    security: bearerSecurity,
    request: { params: RecordingParam, ...jsonBody(CompleteLocalRecordingInput) },
    responses: { 200: jsonContent(z.object({ recording: Recording }), 'Recording'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, recording } = c.req.valid('param');
    const input = c.req.valid('json');
    const store = requireObjectStore(c.var.config.storage);
    const row = await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', async (tx, access) => {
      const found = await findRecording(tx, org, recording);
      if (found.source !== 'local') throw conflict('A server recording is stopped with POST .../stop', 'recording_not_local');
      // A retried complete (its answer was lost) gets the same recording back.
      if (found.status === 'ready') return found;
      if (found.status !== 'recording') throw conflict(`The recording is ${found.status}, not recording`, 'recording_not_active');
      if (input.parts.some((p, i) => input.parts.findIndex((q) => q.partNumber === p.partNumber) !== i)) {
        throw new ApiError(400, 'upload_incomplete', 'Each part number may be listed once');
      }
      const finalized = await finalizeRecording(tx, store, found, input.parts, {
        durationMs: input.durationMs,
        videoCodec: input.videoCodec ?? undefined,
        audioCodec: input.audioCodec ?? undefined,
        poster: false,
      });
      await audit(tx, access, 'recording.stop', { type: 'recording', id: found.id }, { status: finalized.status, source: 'local' });
      return finalized;
    });
    await wakeWebhookDelivery(org);
    return c.json({ recording: toRecording(row) }, 200);
  },
);
