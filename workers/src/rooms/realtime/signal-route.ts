// GET /api/v1/rooms/{room}/signal: the signaling WebSocket. The room token (from join or start)
// comes in the query string, because browsers cannot set headers on a WebSocket; it is checked
// here before the upgrade and again by the RoomDO in `hello`.
import { createRoute, z } from '@hono/zod-openapi';
import { ErrorBody } from '@roomcast/schema/api';
import { ApiError } from '../../errors.ts';
import { createRouter, jsonContent } from '../../http.ts';
import { ROLE_HEADER, SHARD_HEADER, shardName } from '../fanout/shard-link.ts';
import { verifyRoomToken } from '../room-token.ts';

export const signalRoutes = createRouter();

signalRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{room}/signal',
    tags: ['rooms'],
    summary: 'Open the room signaling WebSocket (protocol: @roomcast/schema/protocol)',
    description:
      'Upgrade with `Upgrade: websocket` and the room token from `join`/`start` as `?token=`. The first frame must be ' +
      '`{"type":"hello","protocol":1,"token":"..."}` (plus `resumeId` to resume after a drop); the room answers `welcome`. ' +
      'Frames are JSON objects keyed on `type`; invalid ones get `{"type":"error","code","message"}`.',
    request: {
      params: z.object({ room: z.string() }),
      query: z.object({ token: z.string().min(1) }),
    },
    responses: {
      101: { description: 'Switching to the WebSocket protocol' },
      400: jsonContent(ErrorBody, 'Missing token'),
      401: jsonContent(ErrorBody, 'The token is invalid, expired or for another room'),
      426: jsonContent(ErrorBody, 'Not a WebSocket upgrade'),
    },
  }),
  async (c) => {
    const { room } = c.req.valid('param');
    const { token } = c.req.valid('query');
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw new ApiError(426, 'upgrade_required', 'Connect with a WebSocket upgrade');
    }
    let claims: Awaited<ReturnType<typeof verifyRoomToken>>;
    try {
      claims = await verifyRoomToken(c.var.config.roomTokenSecret, token, room);
    } catch {
      throw new ApiError(401, 'invalid_room_token', 'The room token is invalid, expired or for another room');
    }
    // The room decides where the socket goes (itself, or a fan-out shard in a big room); it
    // learns the token's role from us, never from the client.
    const headers = new Headers(c.req.raw.headers);
    headers.delete(SHARD_HEADER);
    headers.set(ROLE_HEADER, claims.role);
    const upgrade = new Request(c.req.raw, { headers });
    const stub = c.env.ROOM.get(c.env.ROOM.idFromName(room));
    const answer = (await stub.fetch(upgrade)) as unknown as Response;
    const shard = answer.headers.get(SHARD_HEADER);
    if (answer.status !== 204 || shard === null) return answer;
    headers.set(SHARD_HEADER, `${room} ${shard}`);
    const shards = c.env.ROOM_SHARD;
    return shards.get(shards.idFromName(shardName(room, Number(shard)))).fetch(new Request(c.req.raw, { headers })) as unknown as Response;
  },
);
