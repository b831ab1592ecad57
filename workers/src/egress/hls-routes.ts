// HLS egress of a live room (the `recording` plan feature: Professional and up; both run ffmpeg
// on the media node and write to the store).
//   POST   /organizations/{org}/rooms/{room}/hls   start (the room must be live)
//   DELETE /organizations/{org}/rooms/{room}/hls   stop: the playlist ends (#EXT-X-ENDLIST)
//   GET    /organizations/{org}/rooms/{room}/hls   the current or last run and its playlist URL
// The run itself lives in the RoomDO (rooms/media/room-hls.ts); the files are served by
// hls-serving.ts at /hls/{room}/...
import { createRoute, z } from '@hono/zod-openapi';
import { HlsRun, HlsStatus } from '@roomcast/schema/api';
import { ApiError, conflict } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonContent, orgParamWith } from '../http.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { findRoomWithSession } from '../rooms/live-room-lookup.ts';
import { roomStub } from '../rooms/room-stub.ts';
import { hlsKeyPrefix } from '../storage/object-keys.ts';
import { requireObjectStore } from '../storage/object-store.ts';
import { assertStorageAvailable } from '../storage/storage-quota.ts';
import { RECORDING_START_HEADROOM_BYTES } from '../recordings/open-recording.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import { hlsPlaylistUrl } from './play-token.ts';

export const hlsRoutes = createRouter();
const RoomParam = orgParamWith('room');

hlsRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/rooms/{room}/hls',
    tags: ['egress'],
    summary: 'Start HLS of the live room (Professional and up)',
    description:
      'The origin media node encodes the room (top video layer and audio; H.264 copied, VP8 transcoded once) into fMP4 segments of 1 s uploaded to object storage; players open `playlistUrl`. When the run ends it stays in the recordings library (source `hls`) and counts against storage. 403 plan_limit (limit recording) on plans without it; 403 plan_limit (limit storage) when less than 1 GiB of the plan storage is free; 409 room_not_live; 409 hls_active.',
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: { 201: jsonContent(HlsStatus, 'HLS started'), ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, room } = c.req.valid('param');
    requireObjectStore(c.var.config.storage);
    const hlsId = crypto.randomUUID();
    const found = await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', async (tx, access) => {
      const found = await findRoomWithSession(tx, org, room);
      assertFeature(await effectivePlan(tx, org), 'recording');
      if (!found.sessionId) throw conflict('The room is not live: start it before HLS', 'room_not_live');
      // The run becomes a recording: the same headroom a server recording needs to start.
      await assertStorageAvailable(tx, org, RECORDING_START_HEADROOM_BYTES);
      await audit(tx, access, 'hls.start', { type: 'room', id: room }, { hlsId });
      return found;
    });
    const hls = await roomStub(c.env, room).hlsStart({ roomId: room, organizationId: org, roomSessionId: found.sessionId!, hlsId, keyPrefix: hlsKeyPrefix(org, room, hlsId) });
    if (!hls) throw conflict('HLS already runs in this room: stop it first', 'hls_active');
    return c.json({ hls, playlistUrl: await hlsPlaylistUrl(c.var.config.publicUrl ?? c.req.url, c.var.config.roomTokenSecret, room, found.visibility) }, 201);
  },
);

hlsRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/rooms/{room}/hls',
    tags: ['egress'],
    summary: 'Stop HLS: the last segment and the ended playlist (#EXT-X-ENDLIST) reach the store; the run stays playable as a VOD',
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: { 200: jsonContent(z.object({ hls: HlsRun }), 'HLS stopped'), ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, room } = c.req.valid('param');
    await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', async (tx, access) => {
      await findRoomWithSession(tx, org, room);
      await audit(tx, access, 'hls.stop', { type: 'room', id: room }, {});
    });
    const hls = await roomStub(c.env, room).hlsStop();
    if (!hls) throw new ApiError(409, 'hls_not_active', 'HLS does not run in this room');
    return c.json({ hls }, 200);
  },
);

hlsRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/rooms/{room}/hls',
    tags: ['egress'],
    summary: "The room's current or last HLS run (null: never) and the playlist URL to play it (every member)",
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: { 200: jsonContent(HlsStatus, 'HLS'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, room } = c.req.valid('param');
    const found = await withOrganization(c.var.db, c.var.principal, org, 'room.read', (tx) => findRoomWithSession(tx, org, room));
    const info = await roomStub(c.env, room).hlsInfo();
    return c.json({ hls: info?.hls ?? null, playlistUrl: await hlsPlaylistUrl(c.var.config.publicUrl ?? c.req.url, c.var.config.roomTokenSecret, room, found.visibility) }, 200);
  },
);
