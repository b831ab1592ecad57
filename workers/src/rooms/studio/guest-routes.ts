// Studio guests over REST. The host side (`POST /organizations/{org}/rooms/{room}/guest-invites`,
// for those who may go live) makes a guest link, lists the room's links (`GET`) and revokes one
// (`DELETE .../guest-invites/{invite}`); the guest side (`POST /public/rooms-by-id/{roomId}/
// guest-join`, no account) exchanges it and a name for a room token with the `guest` role. The
// room then keeps the guest backstage until a host brings them on stage (studio-handlers.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import { CreateGuestInviteInput, GuestInvite, GuestInviteSummary, GuestJoinInput, RoomJoin } from '@roomcast/schema/api';
import { guestInvites, rooms } from '@roomcast/schema/db';
import type { Tx } from '../../db/database.ts';
import { isUuid } from '../../auth/tokens.ts';
import { ApiError, notFound } from '../../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonContent, orgParamWith } from '../../http.ts';
import { clientNetwork } from '../../platform/client-network.ts';
import { enforceRateLimit } from '../../platform/rate-limit.ts';
import { withOrganization } from '../../tenancy/access.ts';
import { audit } from '../../tenancy/audit.ts';
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
    const { id, token, expiresAt } = await withOrganization(c.var.db, c.var.principal, org, 'room.start', async (tx, access) => {
      await findRoom(tx, org, roomId);
      const signed = await signGuestInvite(c.var.config.roomTokenSecret, { roomId, organizationId: org, invitedBy: access.userId ?? 'api-key' }, ttlSeconds);
      await tx.insert(guestInvites).values({ id: signed.id, organizationId: org, roomId, createdBy: access.userId, expiresAt: signed.expiresAt });
      return signed;
    });
    return c.json({ id, invite: token, path: `/guest/${roomId}#${token}`, expiresAt: expiresAt.toISOString() }, 201);
  },
);

async function findRoom(tx: Tx, org: string, roomId: string): Promise<void> {
  if (!isUuid(roomId)) throw notFound('Room');
  const [room] = await tx.select({ id: rooms.id }).from(rooms).where(and(eq(rooms.id, roomId), eq(rooms.organizationId, org), isNull(rooms.deletedAt)));
  if (!room) throw notFound('Room');
}

guestInviteRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/rooms/{room}/guest-invites',
    tags: ['rooms'],
    summary: "This room's guest links, newest first (owner, admin, host, co-host)",
    security: bearerSecurity,
    request: { params: orgParamWith('room') },
    responses: { 200: jsonContent(z.object({ invites: z.array(GuestInviteSummary) }), 'The links (the tokens are not shown again)'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, room: roomId } = c.req.valid('param');
    const rows = await withOrganization(c.var.db, c.var.principal, org, 'room.start', async (tx) => {
      await findRoom(tx, org, roomId);
      return tx.select().from(guestInvites).where(and(eq(guestInvites.roomId, roomId), eq(guestInvites.organizationId, org))).orderBy(desc(guestInvites.createdAt)).limit(100);
    });
    const now = Date.now();
    const invites = rows.map((r) => ({
      id: r.id,
      createdAt: r.createdAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
      revokedAt: r.revokedAt?.toISOString() ?? null,
      status: r.revokedAt ? ('revoked' as const) : r.expiresAt.getTime() <= now ? ('expired' as const) : ('active' as const),
    }));
    return c.json({ invites }, 200);
  },
);

guestInviteRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/rooms/{room}/guest-invites/{invite}',
    tags: ['rooms'],
    summary: 'Revoke a guest link: it admits no one from now on (guests already in stay; remove them in the studio)',
    security: bearerSecurity,
    request: { params: orgParamWith('room').extend({ invite: z.string() }) },
    responses: { 204: { description: 'Revoked (or already revoked)' }, ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, room: roomId, invite } = c.req.valid('param');
    await withOrganization(c.var.db, c.var.principal, org, 'room.start', async (tx, access) => {
      await findRoom(tx, org, roomId);
      if (!isUuid(invite)) throw notFound('Guest link');
      const [row] = await tx.select({ revokedAt: guestInvites.revokedAt }).from(guestInvites).where(and(eq(guestInvites.id, invite), eq(guestInvites.roomId, roomId), eq(guestInvites.organizationId, org)));
      if (!row) throw notFound('Guest link');
      if (row.revokedAt) return;
      await tx.update(guestInvites).set({ revokedAt: new Date() }).where(eq(guestInvites.id, invite));
      await audit(tx, access, 'guest_invite.revoke', { type: 'room', id: roomId }, { invite });
    });
    return c.body(null, 204);
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
    const { organizationId, inviteId } = await verifyGuestInvite(c.var.config.roomTokenSecret, invite, roomId);
    // The signature says who made it; the row says whether a host has revoked it since.
    const [issued] = await c.var.db.scoped({ organizationId }, (tx) =>
      tx.select({ revokedAt: guestInvites.revokedAt }).from(guestInvites).where(and(eq(guestInvites.id, inviteId), eq(guestInvites.roomId, roomId))),
    );
    if (!issued) throw new ApiError(403, 'invalid_invite', 'This guest link is not valid');
    if (issued.revokedAt) throw new ApiError(403, 'invite_revoked', 'This guest link was revoked by the host; ask them for a new one');
    // Rooms are tenant data under RLS: the narrow SECURITY DEFINER lookup the public pages use.
    const row = await c.var.db.global(async (tx) => (await tx.execute<RoomRow & Record<string, unknown>>(sql`select * from app_find_room_by_id(${roomId})`)).rows[0]);
    if (!row || row.organization_id !== organizationId) throw new ApiError(403, 'invalid_invite', 'This guest link is for another room');
    const participant = { identity: `studio:${crypto.randomUUID()}`, name, role: 'guest' as const, userId: null };
    return c.json(await issueJoin(c, { id: row.room_id, organizationId: row.organization_id }, row.live_session_id, participant), 200);
  },
);
