// Ingest settings per room: one stream key per room for OBS, vMix and hardware encoders. POST
// creates or rotates the key (shown in that response only), GET shows the URLs and the live
// state, DELETE revokes. Managing ingest is managing the room (owner, admin, host) and needs a
// plan with API access, like API keys. Rotating or revoking ends a live ingest at once.
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { and, eq, isNull } from 'drizzle-orm';
import { CreatedIngest, IngestSettings } from '@roomcast/schema/api';
import { ingestKeys, rooms } from '@roomcast/schema/db';
import { requireVerifiedEmail } from '../auth/principal.ts';
import { isUuid } from '../auth/tokens.ts';
import type { Tx } from '../db/database.ts';
import { notFound } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, iso, jsonContent, orgParamWith, type AppEnv } from '../http.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { fleetStub } from '../fleet/fleet-do.ts';
import { roomStub } from '../rooms/room-stub.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import { issueStreamKey } from './stream-key.ts';
import { recordIngestEnded } from './ingest-state.ts';

export const ingestRoutes = createRouter();
const RoomParam = orgParamWith('room');

/** Where encoders POST their WHIP offers (the stream key names the room). */
export const whipEndpointUrl = (c: Context<AppEnv>) => `${new URL(c.var.config.publicUrl ?? c.req.url).origin}/api/v1/ingest/whip`;

const toSettings = (c: Context<AppEnv>, k: typeof ingestKeys.$inferSelect): IngestSettings => ({
  roomId: k.roomId,
  whipUrl: whipEndpointUrl(c),
  rtmpUrl: c.var.config.ingest.rtmpUrl ?? null,
  streamKeyPrefix: k.prefix,
  state: k.state,
  protocol: k.protocol,
  lastError: k.lastError,
  lastErrorCode: k.lastErrorCode,
  stateChangedAt: iso(k.stateChangedAt),
  createdAt: k.createdAt.toISOString(),
});

async function assertRoom(tx: Tx, org: string, roomId: string) {
  if (!isUuid(roomId)) throw notFound('Room');
  const [room] = await tx.select({ id: rooms.id }).from(rooms).where(and(eq(rooms.id, roomId), eq(rooms.organizationId, org), isNull(rooms.deletedAt)));
  if (!room) throw notFound('Room');
}

ingestRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/rooms/{room}/ingest',
    tags: ['ingest'],
    summary: 'Ingest settings of a room: WHIP and RTMP URLs, stream key prefix, live state',
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: { 200: jsonContent(IngestSettings, 'Ingest settings'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, room } = c.req.valid('param');
    const row = await withOrganization(c.var.db, c.var.principal, org, 'room.manage', async (tx) => {
      await assertRoom(tx, org, room);
      const [k] = await tx.select().from(ingestKeys).where(and(eq(ingestKeys.roomId, room), eq(ingestKeys.organizationId, org)));
      if (!k) throw notFound('Ingest settings');
      return k;
    });
    return c.json(toSettings(c, row), 200);
  },
);

ingestRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/rooms/{room}/ingest',
    tags: ['ingest'],
    summary: 'Create or rotate the room stream key (shown in this response only; plans with API access)',
    description: 'Rotating replaces the key at once: an encoder still using the old key is disconnected.',
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: { 201: jsonContent(CreatedIngest, 'Created or rotated'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, room } = c.req.valid('param');
    // A stream key goes live by itself: it needs a proven address, like Go live and API keys.
    requireVerifiedEmail(c.var.principal);
    const issued = await issueStreamKey();
    const { row, rotated } = await withOrganization(c.var.db, c.var.principal, org, 'room.manage', async (tx, access) => {
      assertFeature(await effectivePlan(tx, org), 'apiAccess');
      await assertRoom(tx, org, room);
      const [previous] = await tx.select({ id: ingestKeys.id }).from(ingestKeys).where(eq(ingestKeys.roomId, room));
      const values = { id: issued.id, prefix: issued.prefix, secretHash: issued.secretHash, createdBy: access.userId, createdAt: new Date() };
      const [k] = await tx
        .insert(ingestKeys)
        .values({ ...values, organizationId: org, roomId: room })
        .onConflictDoUpdate({ target: ingestKeys.roomId, set: values })
        .returning();
      await audit(tx, access, previous ? 'ingest.rotated' : 'ingest.created', { type: 'room', id: room });
      return { row: k!, rotated: Boolean(previous) };
    });
    if (rotated) await endEncoderSessions(c, org, room, 'key_rotated');
    return c.json({ ...toSettings(c, row), streamKey: issued.token }, 201);
  },
);

ingestRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/rooms/{room}/ingest',
    tags: ['ingest'],
    summary: 'Revoke the room stream key; a live encoder is disconnected',
    security: bearerSecurity,
    request: { params: RoomParam },
    responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, room } = c.req.valid('param');
    await withOrganization(c.var.db, c.var.principal, org, 'room.manage', async (tx, access) => {
      await assertRoom(tx, org, room);
      const [k] = await tx.delete(ingestKeys).where(and(eq(ingestKeys.roomId, room), eq(ingestKeys.organizationId, org))).returning({ id: ingestKeys.id });
      if (!k) throw notFound('Ingest settings');
      await audit(tx, access, 'ingest.revoked', { type: 'room', id: room });
    });
    await endEncoderSessions(c, org, room, 'key_revoked');
    return c.body(null, 204);
  },
);

/** A rotated or revoked key disconnects the encoder using it; webhooks hear why. */
async function endEncoderSessions(c: Context<AppEnv>, org: string, room: string, reason: string) {
  const ended = await roomStub(c.env, room).ingestRevoked();
  await recordIngestEnded(c.var.db, org, room, ended.whip, reason);
  if (ended.rtmp) {
    // The node holding the encoder's connection closes it (a revoked key is refused on republish).
    await fleetStub(c.env).closeRtmp(ended.rtmp, reason);
    await recordIngestEnded(c.var.db, org, room, [ended.rtmp], reason, 'rtmp');
  }
}
