// Studio guests over REST. The host side (`POST /organizations/{org}/rooms/{room}/guest-invites`,
// for those who may go live) makes a guest link; the guest side (`POST /public/rooms-by-id/{roomId}/
// guest-join`, no account) exchanges it and a name for a room token with the `guest` role. The
// room then keeps the guest backstage until a host brings them on stage (studio-handlers.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import { CreateGuestInviteInput, GuestInvite, GuestJoinInput, RoomJoin } from '@roomcast/schema/api';
import { rooms } from '@roomcast/schema/db';
import { isUuid } from '../../auth/tokens.ts';
import { ApiError, notFound } from '../../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonContent, orgParamWith } from '../../http.ts';
import { clientNetwork } from '../../platform/client-network.ts';
import { enforceRateLimit } from '../../platform/rate-limit.ts';
import { withOrganization } from '../../tenancy/access.ts';
import { issueJoin } from '../room-join.ts';
import { signGuestInvite, verifyGuestInvite } from './guest-invite.ts';

export const guestInviteRoutes = createRouter();
export const guestJoinRoutes = createRouter();

guestInviteRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/rooms/{room}/guest-invites',
    tags: ['rooms'],
    summary: 'A studio guest link for this room only (owner, admin, host, co-host)',
    security: bearerSecurity,
    request: {
      params: orgParamWith('room'),
      body: { required: false, content: { 'application/json': { schema: CreateGuestInviteInput } } },
    },
    responses: { 201: jsonContent(GuestInvite, 'The guest link'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { org, room: roomId } = c.req.valid('param');
    const { ttlSeconds } = CreateGuestInviteInput.parse(c.req.valid('json') ?? {});
    const invitedBy = await withOrganization(c.var.db, c.var.principal, org, 'room.start', async (tx, access) => {
      if (!isUuid(roomId)) throw notFound('Room');
      const [room] = await tx.select({ id: rooms.id }).from(rooms).where(and(eq(rooms.id, roomId), eq(rooms.organizationId, org), isNull(rooms.deletedAt)));
      if (!room) throw notFound('Room');
      return access.userId ?? 'api-key';
    });
    const { token, expiresAt } = await signGuestInvite(c.var.config.roomTokenSecret, { roomId, organizationId: org, invitedBy }, ttlSeconds);
    return c.json({ invite: token, path: `/guest/${roomId}#${token}`, expiresAt: expiresAt.toISOString() }, 201);
  },
);

interface RoomRow {
  room_id: string;
  organization_id: string;
  live_session_id: string | null;
}

guestJoinRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/rooms-by-id/{roomId}/guest-join',
    tags: ['public'],
    summary: 'Join a room as a studio guest with a guest link (waits backstage)',
    request: { params: z.object({ roomId: z.string() }), body: { required: true, content: { 'application/json': { schema: GuestJoinInput } } } },
    responses: { 200: jsonContent(RoomJoin, 'A guest token for the signaling socket'), ...errorResponses(400, 403, 404, 429) },
  }),
  async (c) => {
    const { roomId } = c.req.valid('param');
    const { invite, name } = c.req.valid('json');
    const client = clientNetwork(c.req.header('cf-connecting-ip')) ?? 'unknown';
    await enforceRateLimit(c.var.redis, `guest-join:ip:${client}`, c.var.config.publicJoinRateLimitPerIp, 60);
    if (!isUuid(roomId)) throw notFound('Room');
    const { organizationId } = await verifyGuestInvite(c.var.config.roomTokenSecret, invite, roomId);
    // Rooms are tenant data under RLS: the narrow SECURITY DEFINER lookup the public pages use.
    const row = await c.var.db.global(async (tx) => (await tx.execute<RoomRow & Record<string, unknown>>(sql`select * from app_find_room_by_id(${roomId})`)).rows[0]);
    if (!row || row.organization_id !== organizationId) throw new ApiError(403, 'invalid_invite', 'This guest link is for another room');
    const participant = { identity: `studio:${crypto.randomUUID()}`, name, role: 'guest' as const, userId: null };
    return c.json(await issueJoin(c, { id: row.room_id, organizationId: row.organization_id }, row.live_session_id, participant), 200);
  },
);
