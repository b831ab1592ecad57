// GET /api/v1/rooms/{room}/media-node: the media node FleetDO assigned to the room dials in here
// with `Authorization: Bearer <room-node credential>` (aud roomcast-room-node, naming this room).
// Checked here before the upgrade and again by the RoomDO.
import { createRoute, z } from '@hono/zod-openapi';
import { ErrorBody } from '@roomcast/schema/api';
import { ApiError, unauthenticated } from '../../errors.ts';
import { createRouter, jsonContent } from '../../http.ts';
import { bearerOf, verifyRoomNodeToken } from '../../fleet/fleet-token.ts';

export const mediaNodeRoutes = createRouter();

mediaNodeRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{room}/media-node',
    tags: ['fleet'],
    summary: 'Media node socket to the room (protocol: @roomcast/schema/protocol fleet.ts)',
    request: { params: z.object({ room: z.string() }) },
    responses: {
      101: { description: 'Switching to the WebSocket protocol' },
      401: jsonContent(ErrorBody, 'Missing or invalid room-node credential'),
      426: jsonContent(ErrorBody, 'Not a WebSocket upgrade'),
    },
  }),
  async (c) => {
    const { room } = c.req.valid('param');
    const token = bearerOf(c.req.raw);
    if (!token) throw unauthenticated('Send the room-node credential as "Authorization: Bearer <token>"');
    try {
      await verifyRoomNodeToken(c.var.config.fleet.secret, token, room);
    } catch {
      throw new ApiError(401, 'invalid_room_node_token', 'The room-node credential is invalid, expired or for another room');
    }
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') throw new ApiError(426, 'upgrade_required', 'Connect with a WebSocket upgrade');
    const stub = c.env.ROOM.get(c.env.ROOM.idFromName(room));
    return stub.fetch(c.req.raw) as unknown as Response;
  },
);
