// Multistream from a live room (Professional and up, the `recording` plan feature like HLS):
//   POST /organizations/{org}/rooms/{room}/egress/rtmp/{destination}/start   push to one destination
//   POST /organizations/{org}/rooms/{room}/egress/rtmp/{destination}/stop    stop that one only
//   GET  /organizations/{org}/rooms/{room}/egress                           each destination's state
// The stream key is opened here, per start, and handed with the destination's URL to the RoomDO,
// which sends it to the origin node over the node's authenticated socket (rooms/media/
// room-multistream.ts); it is never stored in the room nor returned. When the room moves to
// another node the RoomDO opens it again from Postgres (destination-url.ts). The node feeds every
// destination (and HLS) from the room's one encoder.
import { createRoute, z } from '@hono/zod-openapi';
import { RoomEgressStatus, RtmpOutputStatus } from '@roomcast/schema/api';
import { isUuid } from '../auth/tokens.ts';
import { ApiError, conflict, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonContent, OrgParam } from '../http.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { findRoomWithSession } from '../rooms/live-room-lookup.ts';
import { roomStub } from '../rooms/room-stub.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import { findDestination } from './destination-routes.ts';
import { destinationUrl } from './destination-url.ts';

export const multistreamRoutes = createRouter();
const RoomParam = OrgParam.extend({ room: z.string() });
const OutputParam = RoomParam.extend({ destination: z.string() });

multistreamRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/rooms/{room}/egress/rtmp/{destination}/start',
    tags: ['egress'],
    summary: 'Push the live room to one multistream destination (Professional and up)',
    description:
      'The origin media node sends the room\'s output (the studio\'s program when there is one) to the destination over RTMP(S), from the same one encoder as HLS and every other destination. Answers at once with `connecting`; GET .../egress follows it (live, retrying with backoff, failed with the reason). The destination must be the organization\'s default or this room\'s, and enabled. 403 plan_limit; 409 room_not_live, destination_disabled, media_not_ready (nothing published yet).',
    security: bearerSecurity,
    request: { params: OutputParam },
    responses: { 202: jsonContent(z.object({ output: RtmpOutputStatus }), 'Starting'), ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, room, destination } = c.req.valid('param');
    const found = await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', async (tx, access) => {
      const found = await findRoomWithSession(tx, org, room);
      const row = await findDestination(tx, org, destination);
      // Another room's destination is not offered here: as if it did not exist.
      if (row.roomId !== null && row.roomId !== room) throw notFound('Destination');
      assertFeature(await effectivePlan(tx, org), 'recording');
      if (!row.enabled) throw conflict('The destination is disabled', 'destination_disabled');
      if (!found.sessionId) throw conflict('The room is not live: start it before multistreaming', 'room_not_live');
      await audit(tx, access, 'multistream.start', { type: 'room', id: room }, { destinationId: row.id, kind: row.kind });
      return row;
    });
    const url = await destinationUrl(c.var.config, found);
    const started = await roomStub(c.env, room).multistreamStart({
      roomId: room,
      organizationId: org,
      destinationId: found.id,
      name: found.name,
      kind: found.kind,
      url,
    });
    if (!started.ok) throw conflict(started.message, 'media_not_ready');
    return c.json({ output: started.output }, 202);
  },
);

multistreamRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/rooms/{room}/egress/rtmp/{destination}/stop',
    tags: ['egress'],
    summary: 'Stop pushing to one destination; the others (and HLS) carry on',
    security: bearerSecurity,
    request: { params: OutputParam },
    responses: { 200: jsonContent(z.object({ stopped: z.literal(true) }), 'Stopped'), ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, room, destination } = c.req.valid('param');
    if (!isUuid(destination)) throw notFound('Destination');
    await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', async (tx, access) => {
      await findRoomWithSession(tx, org, room);
      await audit(tx, access, 'multistream.stop', { type: 'room', id: room }, { destinationId: destination });
    });
    // The room knows only the destinations started in it (a deleted destination can still be stopped).
    if (!(await roomStub(c.env, room).multistreamStop(destination))) throw new ApiError(409, 'not_streaming', 'This destination is not pushed from this room');
    return c.json({ stopped: true as const }, 200);
  },
);

multistreamRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/rooms/{room}/egress',
    tags: ['egress'],
    summary: "Each multistream destination pushed from the room: state (connecting, live, retrying, failed + reason), bitrate, uptime",
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: { 200: jsonContent(RoomEgressStatus, 'Outputs'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, room } = c.req.valid('param');
    await withOrganization(c.var.db, c.var.principal, org, 'room.read', (tx) => findRoomWithSession(tx, org, room));
    return c.json({ outputs: await roomStub(c.env, room).multistreamView() }, 200);
  },
);
