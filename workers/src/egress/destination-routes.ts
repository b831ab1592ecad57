// Multistream destinations of an organization (YouTube, Twitch, Facebook or a custom RTMP(S) URL),
// org-wide (offered in every room) or for one room:
//   GET    /organizations/{org}/egress/destinations[?roomId=]   list (those who may go live)
//   POST   /organizations/{org}/egress/destinations             add (egress.manage; Professional and up)
//   PATCH  /organizations/{org}/egress/destinations/{id}        rename, new URL or key, enable/disable
//   DELETE /organizations/{org}/egress/destinations/{id}
// The stream key is sealed at rest (secret-box.ts, bound to the destination's id, as SSO seals
// its client secret) and only its last 4 characters come back. Pushing a destination from a live
// room is multistream-routes.ts. Saving needs the plan's `recording` feature (the node's ffmpeg
// egress, like HLS); reading and deleting do not, so destinations kept after a downgrade stay
// visible and removable.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull, or } from 'drizzle-orm';
import { CreateEgressDestinationInput, EgressDestination, PLATFORM_INGEST_URLS, UpdateEgressDestinationInput } from '@roomcast/schema/api';
import { egressDestinations, rooms } from '@roomcast/schema/db';
import { isUuid } from '../auth/tokens.ts';
import type { Tx } from '../db/database.ts';
import { ApiError, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent, OrgParam, orgParamWith } from '../http.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import { sealSecret } from '../webhooks/secret-box.ts';
import { isIpLiteral, isPublicAddress } from '../webhooks/url-policy.ts';
import { streamKeyContext } from './destination-url.ts';

export const destinationRoutes = createRouter();
const DestinationParam = orgParamWith('destination');


type DestinationRow = typeof egressDestinations.$inferSelect;

/**
 * In production a custom ingest URL must name a public host (the media node dials it: no pushing
 * into the node's own network). Host names are checked by form only here; local runs and tests
 * push to receivers on 127.0.0.1.
 */
function assertPublicIngest(raw: string, publicOnly: boolean): void {
  if (!publicOnly) return;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const local = host === 'localhost' || /\.(localhost|local|internal|home\.arpa)$/.test(host) || !host.includes('.') || (isIpLiteral(host) && !isPublicAddress(host));
  if (local) throw new ApiError(400, 'private_ingest_url', `Ingest URLs must reach a public host; ${host} is not`);
}

export function toDestination(row: DestinationRow): EgressDestination {
  return {
    id: row.id,
    roomId: row.roomId,
    kind: row.kind,
    name: row.name,
    ingestUrl: row.ingestUrl,
    keyLast4: row.streamKeyLast4,
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The destination of this organization (RLS and the explicit filter); 404 for anyone else's. */
export async function findDestination(tx: Tx, org: string, id: string): Promise<DestinationRow> {
  if (!isUuid(id)) throw notFound('Destination');
  const [row] = await tx.select().from(egressDestinations).where(and(eq(egressDestinations.id, id), eq(egressDestinations.organizationId, org)));
  if (!row) throw notFound('Destination');
  return row;
}

async function assertRoom(tx: Tx, org: string, roomId: string): Promise<void> {
  const [room] = await tx.select({ id: rooms.id }).from(rooms).where(and(eq(rooms.id, roomId), eq(rooms.organizationId, org), isNull(rooms.deletedAt)));
  if (!room) throw notFound('Room');
}

destinationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/egress/destinations',
    tags: ['egress'],
    summary: "The organization's multistream destinations (stream keys shown as their last 4 characters)",
    description: 'With `roomId`: the ones offered in that room (the organization-wide ones and that room\'s own). Those who may go live (recording.manage).',
    security: bearerSecurity,
    request: { params: OrgParam, query: z.object({ roomId: z.uuid().optional() }) },
    responses: { 200: jsonContent(z.object({ destinations: z.array(EgressDestination) }), 'Destinations'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const { roomId } = c.req.valid('query');
    const rows = await withOrganization(c.var.db, c.var.principal, org, 'recording.manage', async (tx) => {
      if (roomId) await assertRoom(tx, org, roomId);
      const scope = roomId ? or(isNull(egressDestinations.roomId), eq(egressDestinations.roomId, roomId)) : undefined;
      return tx.select().from(egressDestinations).where(and(eq(egressDestinations.organizationId, org), scope)).orderBy(egressDestinations.createdAt, egressDestinations.id);
    });
    return c.json({ destinations: rows.map(toDestination) }, 200);
  },
);

destinationRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/egress/destinations',
    tags: ['egress'],
    summary: 'Add a multistream destination (owner, admin, host; Professional and up)',
    description:
      'For youtube, twitch and facebook the ingest URL defaults to the platform\'s documented one; custom needs an rtmp:// or rtmps:// URL. The stream key is sealed at rest and never shown back (only `keyLast4`). `roomId` null or absent: offered in every room of the organization.',
    security: bearerSecurity,
    request: { params: OrgParam, ...jsonBody(CreateEgressDestinationInput) },
    responses: { 201: jsonContent(z.object({ destination: EgressDestination }), 'Added'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const input = c.req.valid('json');
    const ingestUrl = input.ingestUrl ?? (input.kind === 'custom' ? undefined : PLATFORM_INGEST_URLS[input.kind]);
    if (!ingestUrl) throw new ApiError(400, 'invalid_input', 'ingestUrl: required for a custom destination');
    assertPublicIngest(ingestUrl, c.var.config.webhooks.publicUrlsOnly);
    const id = crypto.randomUUID();
    const sealed = await sealSecret(c.var.config.webhooks.secretKeys, streamKeyContext(id), input.streamKey);
    const row = await withOrganization(c.var.db, c.var.principal, org, 'egress.manage', async (tx, access) => {
      assertFeature(await effectivePlan(tx, org), 'recording');
      if (input.roomId) await assertRoom(tx, org, input.roomId);
      const [row] = await tx
        .insert(egressDestinations)
        .values({
          id,
          organizationId: org,
          roomId: input.roomId ?? null,
          kind: input.kind,
          name: input.name,
          ingestUrl: ingestUrl.replace(/\/+$/, ''),
          streamKeySealed: sealed,
          streamKeyLast4: input.streamKey.slice(-4),
          enabled: input.enabled ?? true,
          createdBy: access.userId,
        })
        .returning();
      await audit(tx, access, 'egress_destination.created', { type: 'egress_destination', id }, { kind: input.kind, name: input.name, roomId: input.roomId ?? null });
      return row!;
    });
    return c.json({ destination: toDestination(row) }, 201);
  },
);

destinationRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/{org}/egress/destinations/{destination}',
    tags: ['egress'],
    summary: 'Change a destination: name, ingest URL, a new stream key, enabled (owner, admin, host)',
    description: 'A destination already pushing in a room carries on with what it was started with; the change applies from its next start.',
    security: bearerSecurity,
    request: { params: DestinationParam, ...jsonBody(UpdateEgressDestinationInput) },
    responses: { 200: jsonContent(z.object({ destination: EgressDestination }), 'Changed'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { org, destination } = c.req.valid('param');
    const input = c.req.valid('json');
    if (input.ingestUrl) assertPublicIngest(input.ingestUrl, c.var.config.webhooks.publicUrlsOnly);
    const sealed = input.streamKey && isUuid(destination) ? await sealSecret(c.var.config.webhooks.secretKeys, streamKeyContext(destination), input.streamKey) : undefined;
    const row = await withOrganization(c.var.db, c.var.principal, org, 'egress.manage', async (tx, access) => {
      await findDestination(tx, org, destination);
      assertFeature(await effectivePlan(tx, org), 'recording');
      const [row] = await tx
        .update(egressDestinations)
        .set({
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.ingestUrl !== undefined ? { ingestUrl: input.ingestUrl.replace(/\/+$/, '') } : {}),
          ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          ...(sealed ? { streamKeySealed: sealed, streamKeyLast4: input.streamKey!.slice(-4) } : {}),
          updatedAt: new Date(),
        })
        .where(and(eq(egressDestinations.id, destination), eq(egressDestinations.organizationId, org)))
        .returning();
      await audit(tx, access, 'egress_destination.updated', { type: 'egress_destination', id: destination }, { fields: Object.keys(input).filter((k) => k !== 'streamKey'), keyChanged: Boolean(sealed) });
      return row!;
    });
    return c.json({ destination: toDestination(row) }, 200);
  },
);

destinationRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/egress/destinations/{destination}',
    tags: ['egress'],
    summary: 'Remove a destination and its sealed stream key (owner, admin, host)',
    security: bearerSecurity,
    request: { params: DestinationParam },
    responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, destination } = c.req.valid('param');
    await withOrganization(c.var.db, c.var.principal, org, 'egress.manage', async (tx, access) => {
      const row = await findDestination(tx, org, destination);
      await tx.delete(egressDestinations).where(and(eq(egressDestinations.id, destination), eq(egressDestinations.organizationId, org)));
      await audit(tx, access, 'egress_destination.deleted', { type: 'egress_destination', id: destination }, { kind: row.kind, name: row.name });
    });
    return c.body(null, 204);
  },
);
