import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { CreateRoomInput, ErrorBody, JoinRoomInput, Room, RoomJoin, RoomSession, UpdateRoomInput } from '@roomcast/schema/api';
import { rooms, roomSessions, workspaces } from '@roomcast/schema/db';
import { requireVerifiedEmail } from '../auth/principal.ts';
import { isUuid } from '../auth/tokens.ts';
import type { Tx } from '../db/database.ts';
import { ApiError, conflict, isUniqueViolation, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, OrgParam, orgParamWith, errorResponses, iso, jsonBody, jsonContent, type AppEnv } from '../http.ts';
import { assertFeature, assertWithinLimit, effectivePlan } from '../plans/limits.ts';
import { assertTrialActive } from '../plans/trial.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import { slugify } from '../tenancy/create-organization.ts';
import { announceRecording, openFlaggedRecording } from '../recordings/open-recording.ts';
import { ObjectStore } from '../storage/object-store.ts';
import { issueJoin, participantFor } from './room-join.ts';
import { endLiveSession } from './room-session-end.ts';
import { roomStub } from './room-stub.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import { emitUsageThreshold } from '../webhooks/usage-threshold.ts';
import { wakeWebhookDelivery } from '../webhooks/wake.ts';

export const roomRoutes = createRouter();
const RoomParam = orgParamWith('room');

type RoomRow = typeof rooms.$inferSelect;
const toRoom = (r: RoomRow, liveSessionId: string | null) => ({
  id: r.id,
  organizationId: r.organizationId,
  workspaceId: r.workspaceId,
  title: r.title,
  slug: r.slug,
  visibility: r.visibility,
  recording: r.recording,
  hlsAutoViewers: r.hlsAutoViewers,
  status: liveSessionId ? ('live' as const) : ('idle' as const),
  liveSessionId,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});
/** The live session's RoomDO learns the room's automatic HLS threshold (a failure only logs: HLS stays on demand). */
async function applyHlsAuto(c: Context<AppEnv>, org: string, room: RoomRow, sessionId: string): Promise<void> {
  if (!c.var.config.storage) return;
  await roomStub(c.env, room.id)
    .hlsAuto({ roomId: room.id, organizationId: org, roomSessionId: sessionId, viewers: room.hlsAutoViewers })
    .catch((error: unknown) => console.error('room: the room did not take its automatic HLS setting', error));
}

const toSession = (s: typeof roomSessions.$inferSelect) => ({
  id: s.id,
  roomId: s.roomId,
  startedAt: s.startedAt.toISOString(),
  endedAt: iso(s.endedAt),
});

// Deleted rooms are kept (their sessions carry billed usage) but are invisible to every route.
const roomWithLiveSession = (tx: Tx) =>
  tx
    .select({ room: rooms, liveSessionId: roomSessions.id })
    .from(rooms)
    .leftJoin(roomSessions, and(eq(roomSessions.roomId, rooms.id), isNull(roomSessions.endedAt)));

async function findRoom(tx: Tx, organizationId: string, roomId: string) {
  if (!isUuid(roomId)) throw notFound('Room');
  const [row] = await roomWithLiveSession(tx).where(and(eq(rooms.id, roomId), eq(rooms.organizationId, organizationId), isNull(rooms.deletedAt)));
  if (!row) throw notFound('Room');
  return row;
}

async function assertWorkspace(tx: Tx, organizationId: string, workspaceId: string) {
  const [w] = await tx.select({ id: workspaces.id }).from(workspaces).where(and(eq(workspaces.id, workspaceId), eq(workspaces.organizationId, organizationId)));
  if (!w) throw notFound('Workspace');
}

function slugTaken(error: unknown, slug: string | undefined): never {
  if (isUniqueViolation(error, 'rooms_org_slug_key')) throw conflict(`A room with slug "${slug}" already exists`, 'slug_taken');
  throw error;
}

roomRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/rooms',
    tags: ['rooms'],
    summary: 'List rooms, optionally in one workspace',
    security: bearerSecurity,
    request: { params: OrgParam, query: z.object({ workspaceId: z.uuid().optional() }) },
    responses: { 200: jsonContent(z.object({ rooms: z.array(Room) }), 'Rooms'), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const { workspaceId } = c.req.valid('query');
    const list = await withOrganization(c.var.db, c.var.principal, org, 'room.read', (tx) =>
      roomWithLiveSession(tx)
        .where(and(eq(rooms.organizationId, org), isNull(rooms.deletedAt), workspaceId ? eq(rooms.workspaceId, workspaceId) : undefined))
        .orderBy(rooms.createdAt),
    );
    return c.json({ rooms: list.map((r) => toRoom(r.room, r.liveSessionId)) }, 200);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/rooms',
    tags: ['rooms'],
    summary: 'Create a room (owner, admin, host; plan limit: rooms)',
    security: bearerSecurity,
    request: { params: OrgParam, ...jsonBody(CreateRoomInput) },
    responses: { 201: jsonContent(Room, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const input = c.req.valid('json');
    const slug = input.slug ?? slugify(input.title);
    const room = await withOrganization(c.var.db, c.var.principal, org, 'room.manage', async (tx, access) => {
      await assertWorkspace(tx, org, input.workspaceId);
      // Both run ffmpeg on the media node into the store: the same plan feature.
      if (input.recording || input.hlsAutoViewers !== null) assertFeature(await effectivePlan(tx, org), 'recording');
      const before = await assertWithinLimit(tx, org, 'rooms', async () => {
        const [row] = await tx.select({ n: count() }).from(rooms).where(and(eq(rooms.organizationId, org), isNull(rooms.deletedAt)));
        return row!.n;
      });
      const [created] = await tx
        .insert(rooms)
        .values({ organizationId: org, workspaceId: input.workspaceId, title: input.title, slug, visibility: input.visibility, recording: input.recording, hlsAutoViewers: input.hlsAutoViewers, createdBy: access.userId })
        .returning();
      await audit(tx, access, 'room.created', { type: 'room', id: created!.id });
      const notify = await emitUsageThreshold(tx, org, 'rooms', before, (before ?? 0) + 1);
      return { created: created!, notify };
    })
      .then(async ({ created, notify }) => {
        if (notify) await wakeWebhookDelivery(org);
        return created;
      })
      .catch((error: unknown) => slugTaken(error, slug));
    return c.json(toRoom(room, null), 201);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/rooms/{room}',
    tags: ['rooms'],
    summary: 'One room with its live status',
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: { 200: jsonContent(Room, 'The room'), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { org, room: id } = c.req.valid('param');
    const row = await withOrganization(c.var.db, c.var.principal, org, 'room.read', (tx) => findRoom(tx, org, id));
    return c.json(toRoom(row.room, row.liveSessionId), 200);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/{org}/rooms/{room}',
    tags: ['rooms'],
    summary: 'Update a room (owner, admin, host)',
    security: bearerSecurity,
    request: { params: RoomParam, ...jsonBody(UpdateRoomInput) },
    responses: { 200: jsonContent(Room, 'Updated'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, room: id } = c.req.valid('param');
    const input = c.req.valid('json');
    const row = await withOrganization(c.var.db, c.var.principal, org, 'room.manage', async (tx, access) => {
      const current = await findRoom(tx, org, id);
      if (input.workspaceId) await assertWorkspace(tx, org, input.workspaceId);
      // Turning recording or automatic HLS on needs the plan feature; turning it off never does (a downgrade).
      if (input.recording || (input.hlsAutoViewers ?? null) !== null) assertFeature(await effectivePlan(tx, org), 'recording');
      const [updated] = await tx.update(rooms).set({ ...input, updatedAt: new Date() }).where(eq(rooms.id, id)).returning();
      await audit(tx, access, 'room.updated', { type: 'room', id }, input);
      return { room: updated!, liveSessionId: current.liveSessionId, visibilityChanged: updated!.visibility !== current.room.visibility };
    }).catch((error: unknown) => slugTaken(error, input.slug));
    // Guests hold tokens for minutes and sockets for the session: the room itself must hear that
    // it stopped being public (and again if it becomes public).
    if (row.visibilityChanged) {
      await roomStub(c.env, id)
        .visibilityChanged(row.room.visibility)
        .catch((error: unknown) => console.error('room update: the room did not apply its new visibility', error));
    }
    if (input.hlsAutoViewers !== undefined && row.liveSessionId) await applyHlsAuto(c, org, row.room, row.liveSessionId);
    return c.json(toRoom(row.room, row.liveSessionId), 200);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/rooms/{room}',
    tags: ['rooms'],
    summary: 'Delete a room that is not live (owner, admin, host)',
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, room: id } = c.req.valid('param');
    await withOrganization(c.var.db, c.var.principal, org, 'room.manage', async (tx, access) => {
      const current = await findRoom(tx, org, id);
      if (current.liveSessionId) throw conflict('The room is live; end it before deleting it', 'room_live');
      // Soft delete: the room's sessions stay for usage billing; its slug becomes free again.
      await tx.update(rooms).set({ deletedAt: new Date(), updatedAt: new Date() }).where(eq(rooms.id, id));
      await audit(tx, access, 'room.deleted', { type: 'room', id }, { slug: current.room.slug });
    });
    return c.body(null, 204);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/rooms/{room}/start',
    tags: ['rooms'],
    summary: 'Open a live session (idempotent while live) and return a host token',
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: {
      201: jsonContent(z.object({ room: Room, session: RoomSession, join: RoomJoin }), 'Started'),
      200: jsonContent(z.object({ room: Room, session: RoomSession, join: RoomJoin }), 'Already live'),
      402: jsonContent(ErrorBody, 'The trial has ended and no plan is subscribed (trial_expired)'),
      ...errorResponses(401, 403, 404),
    },
  }),
  async (c) => {
    const { org, room: id } = c.req.valid('param');
    requireVerifiedEmail(c.var.principal);
    const result = await withOrganization(c.var.db, c.var.principal, org, 'room.start', async (tx, access) => {
      const { room } = await findRoom(tx, org, id);
      await assertTrialActive(tx, org);
      // The partial unique index keeps one live session per room even under concurrent starts.
      const [created] = await tx
        .insert(roomSessions)
        .values({ organizationId: org, roomId: id, startedBy: access.userId })
        .onConflictDoNothing({ target: roomSessions.roomId, where: sql`ended_at is null` })
        .returning();
      const [session] = created ? [created] : await tx.select().from(roomSessions).where(and(eq(roomSessions.roomId, id), isNull(roomSessions.endedAt)));
      if (created) {
        await audit(tx, access, 'room.started', { type: 'room', id }, { sessionId: created.id });
        await emitWebhookEvent(tx, org, 'room.started', {
          room: { id, workspaceId: room.workspaceId, title: room.title, slug: room.slug },
          session: { id: created.id, startedAt: created.startedAt.toISOString() },
        }, created.startedAt);
      }
      // A room that records automatically starts its recording with the session.
      const recording = created && room.recording ? await openFlaggedRecording(tx, c.var.config.storage && new ObjectStore(c.var.config.storage), { organizationId: org, roomId: id, sessionId: created.id }) : undefined;
      return { room, session: session!, created: Boolean(created), participant: participantFor(access, {}), recording };
    });
    if (result.recording) await announceRecording(c.env, result.recording);
    if (result.created && result.room.hlsAutoViewers !== null) await applyHlsAuto(c, org, result.room, result.session.id);
    if (result.created) await wakeWebhookDelivery(org);
    const join = await issueJoin(c, result.room, result.session.id, result.participant);
    return c.json({ room: toRoom(result.room, result.session.id), session: toSession(result.session), join }, result.created ? 201 : 200);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/rooms/{room}/join',
    tags: ['rooms'],
    summary: 'Mint a room token. Members join as themselves; API keys name identity, name and role.',
    security: bearerSecurity,
    request: {
      params: RoomParam,
      body: { required: false, content: { 'application/json': { schema: JoinRoomInput } } },
    },
    responses: { 200: jsonContent(RoomJoin, 'Token for the signaling socket'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { org, room: id } = c.req.valid('param');
    // The body is optional: a member needs none; an API key may name the participant.
    const input = c.req.valid('json') ?? {};
    const result = await withOrganization(c.var.db, c.var.principal, org, 'room.join', async (tx, access) => {
      const row = await findRoom(tx, org, id);
      return { ...row, participant: participantFor(access, input) };
    });
    return c.json(await issueJoin(c, result.room, result.liveSessionId, result.participant), 200);
  },
);

roomRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/rooms/{room}/end',
    tags: ['rooms'],
    summary: 'Close the live session (owner, admin, host)',
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: { 200: jsonContent(z.object({ room: Room, session: RoomSession }), 'Ended'), ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, room: id } = c.req.valid('param');
    const result = await withOrganization(c.var.db, c.var.principal, org, 'room.end', async (tx, access) => {
      const { room } = await findRoom(tx, org, id);
      const ended = await endLiveSession(tx, id);
      if (!ended) throw new ApiError(409, 'room_not_live', 'The room is not live');
      await audit(tx, access, 'room.ended', { type: 'room', id }, { sessionId: ended.id });
      return { room, session: ended };
    });
    await wakeWebhookDelivery(org);
    // The RoomDO tells everyone, closes their sockets and ends their participant sessions.
    await roomStub(c.env, id).endRoom();
    return c.json({ room: toRoom(result.room, null), session: toSession(result.session) }, 200);
  },
);
