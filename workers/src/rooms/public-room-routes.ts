// /api/v1/public/...: what the public room pages need before anyone has signed in. The viewer
// page (`/r/{org}/{room}`) looks a room up by slugs, the embeddable player (`/embed/{room}`) by id;
// anonymous viewers of a PUBLIC live room get a viewer token here. Rooms are tenant data under
// RLS, so the lookup goes through narrow SECURITY DEFINER functions (migration 0003), and this file
// decides who may see the answer: public rooms anyone, other rooms only signed-in members. Anyone
// else gets the same 404 as for a room that does not exist.
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { PublicRoom, RoomJoin } from '@roomcast/schema/api';
import { isUuid } from '../auth/tokens.ts';
import { ApiError, notFound } from '../errors.ts';
import { createRouter, errorResponses, jsonBody, jsonContent, type AppEnv } from '../http.ts';
import { clientNetwork } from '../platform/client-network.ts';
import { enforceRateLimit } from '../platform/rate-limit.ts';
import { withOrganization } from '../tenancy/access.ts';
import { clientFingerprint } from './client-fingerprint.ts';
import { loadBrand } from './studio/brand-kit.ts';
import { issueJoin } from './room-join.ts';

export const publicRoomRoutes = createRouter();

type PublicRoom = z.infer<typeof PublicRoom>;

export const PublicJoinInput = z.object({
  name: z
    .string()
    .trim()
    // eslint-disable-next-line no-control-regex
    .transform((s) => s.replace(/[\u0000-\u001f\u007f]/g, ''))
    .pipe(z.string().min(1, 'must not be empty').max(60, 'at most 60 characters')),
});

const SlugParams = z.object({ orgSlug: z.string().max(100), roomSlug: z.string().max(100) });
const IdParam = z.object({ roomId: z.string() });

interface RoomRow {
  room_id: string;
  organization_id: string;
  title: string;
  visibility: PublicRoom['visibility'];
  live_session_id: string | null;
  ever_live: boolean;
}

async function lookup(c: Context<AppEnv>, by: { orgSlug: string; roomSlug: string } | { roomId: string }): Promise<RoomRow> {
  if ('roomId' in by && !isUuid(by.roomId)) throw notFound('Room');
  const row = await c.var.db.global(async (tx) => {
    const query =
      'roomId' in by
        ? sql`select * from app_find_room_by_id(${by.roomId})`
        : sql`select * from app_find_room_by_slugs(${by.orgSlug}, ${by.roomSlug})`;
    return (await tx.execute<RoomRow & Record<string, unknown>>(query)).rows[0];
  });
  if (!row) throw notFound('Room');
  if (row.visibility !== 'public') await assertMember(c, row.organization_id);
  return row;
}

/** A non-public room exists only for members of its organization; everyone else sees 404. */
async function assertMember(c: Context<AppEnv>, organizationId: string) {
  const principal = c.var.principal;
  if (principal?.kind !== 'user') throw notFound('Room');
  await withOrganization(c.var.db, principal, organizationId, 'room.read', async () => {}).catch((error: unknown) => {
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) throw notFound('Room');
    throw error;
  });
}

/** The room as its pages show it, with the organization's studio brand (read in its tenant scope). */
async function toPublicRoom(c: Context<AppEnv>, r: RoomRow): Promise<PublicRoom> {
  const brand = await c.var.db.scoped({ organizationId: r.organization_id }, (tx) => loadBrand(tx, c.var.config.storage, r.organization_id));
  return {
    roomId: r.room_id,
    organizationId: r.organization_id,
    title: r.title,
    status: r.live_session_id ? 'live' : r.ever_live ? 'ended' : 'idle',
    visibility: r.visibility,
    brand,
  };
}

/** Anonymous viewers: public rooms only, while live; rate-limited per client address. */
async function joinAsGuest(c: Context<AppEnv>, row: RoomRow, name: string) {
  if (row.visibility !== 'public') {
    throw new ApiError(403, 'members_only', 'This room is for members: sign in and join through the organization');
  }
  if (!row.live_session_id) throw new ApiError(409, 'room_not_live', 'The room is not live');
  const client = clientNetwork(c.req.header('cf-connecting-ip')) ?? 'unknown';
  await enforceRateLimit(c.var.redis, `public-join:ip:${client}`, c.var.config.publicJoinRateLimitPerIp, 60);
  // The client's fingerprint rides in the token: the room bans it with the guest and caps the
  // guests one client may seat.
  const clientFp = await clientFingerprint(c.var.config.roomTokenSecret, c.req.header('cf-connecting-ip'));
  const participant = { identity: `guest-${crypto.randomUUID()}`, name, role: 'viewer' as const, userId: null, clientFp };
  const room = { id: row.room_id, organizationId: row.organization_id };
  return issueJoin(c, room, row.live_session_id, participant);
}

const readResponses = { 200: jsonContent(PublicRoom, 'The room'), ...errorResponses(400, 404) };
const joinResponses = { 200: jsonContent(RoomJoin, 'A viewer token for the signaling socket'), ...errorResponses(400, 403, 404, 409, 429) };

publicRoomRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/rooms/{orgSlug}/{roomSlug}',
    tags: ['public'],
    summary: 'A room by organization and room slug (public rooms to anyone, others to members)',
    request: { params: SlugParams },
    responses: readResponses,
  }),
  async (c) => c.json(await toPublicRoom(c, await lookup(c, c.req.valid('param'))), 200),
);

publicRoomRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/rooms/{orgSlug}/{roomSlug}/join',
    tags: ['public'],
    summary: 'Join a live public room as an anonymous viewer',
    request: { params: SlugParams, ...jsonBody(PublicJoinInput) },
    responses: joinResponses,
  }),
  async (c) => {
    const row = await lookup(c, c.req.valid('param'));
    return c.json(await joinAsGuest(c, row, c.req.valid('json').name), 200);
  },
);

publicRoomRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/rooms-by-id/{roomId}',
    tags: ['public'],
    summary: 'A room by id, for the embeddable player (public rooms to anyone, others to members)',
    request: { params: IdParam },
    responses: readResponses,
  }),
  async (c) => c.json(await toPublicRoom(c, await lookup(c, c.req.valid('param'))), 200),
);

publicRoomRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/rooms-by-id/{roomId}/join',
    tags: ['public'],
    summary: 'Join a live public room by id as an anonymous viewer (embeddable player)',
    request: { params: IdParam, ...jsonBody(PublicJoinInput) },
    responses: joinResponses,
  }),
  async (c) => {
    const row = await lookup(c, c.req.valid('param'));
    return c.json(await joinAsGuest(c, row, c.req.valid('json').name), 200);
  },
);
