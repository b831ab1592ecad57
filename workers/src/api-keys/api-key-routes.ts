// API keys of an organization. Each key has its own request budget, so the number of live keys is
// bounded (MAX_ACTIVE_API_KEYS): minting keys without end would multiply the budget. Revoked keys
// stay for the audit trail, but the list shows only the most recent of them.
import { requireVerifiedEmail } from '../auth/principal.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { and, count, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { ApiKey, CreateApiKeyInput } from '@roomcast/schema/api';
import { apiKeys } from '@roomcast/schema/db';
import { issueApiKey, isUuid } from '../auth/tokens.ts';
import { ApiError, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, OrgParam, orgParamWith, errorResponses, iso, jsonBody, jsonContent } from '../http.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { organizationRoomIds, tellRoomsApiKeyRevoked } from '../rooms/member-sync.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';

export const apiKeyRoutes = createRouter();
const KeyParam = orgParamWith('key');

/** Live keys per organization: one per server or environment, plus one for rotation. */
export const MAX_ACTIVE_API_KEYS = 10;
/** Revoked keys the list still shows (newest first). */
export const LISTED_REVOKED_API_KEYS = 20;

const toApiKey = (k: typeof apiKeys.$inferSelect) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: iso(k.lastUsedAt),
  revokedAt: iso(k.revokedAt),
});

apiKeyRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/api-keys',
    tags: ['api-keys'],
    summary: 'List API keys (owner, admin); secrets are never shown again',
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: { 200: jsonContent(z.object({ apiKeys: z.array(ApiKey) }), 'API keys'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const rows = await withOrganization(c.var.db, c.var.principal, org, 'apikey.manage', async (tx) => {
      const active = await tx.select().from(apiKeys).where(and(eq(apiKeys.organizationId, org), isNull(apiKeys.revokedAt)));
      const revoked = await tx
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.organizationId, org), isNotNull(apiKeys.revokedAt)))
        .orderBy(desc(apiKeys.revokedAt))
        .limit(LISTED_REVOKED_API_KEYS);
      return [...active, ...revoked].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    });
    return c.json({ apiKeys: rows.map(toApiKey) }, 200);
  },
);

apiKeyRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/api-keys',
    tags: ['api-keys'],
    summary: 'Create an API key; the secret is in this response only (plans with API access)',
    security: bearerSecurity,
    request: { params: OrgParam, ...jsonBody(CreateApiKeyInput) },
    responses: {
      201: jsonContent(z.object({ apiKey: ApiKey, secret: z.string() }), 'Created'),
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const { name } = c.req.valid('json');
    requireVerifiedEmail(c.var.principal);
    const issued = await issueApiKey();
    const key = await withOrganization(c.var.db, c.var.principal, org, 'apikey.manage', async (tx, access) => {
      assertFeature(await effectivePlan(tx, org), 'apiAccess');
      // Concurrent creates queue here, so they cannot all pass the count.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${org}), hashtext('api_keys'))`);
      const [active] = await tx.select({ n: count() }).from(apiKeys).where(and(eq(apiKeys.organizationId, org), isNull(apiKeys.revokedAt)));
      if (active!.n >= MAX_ACTIVE_API_KEYS) {
        throw new ApiError(403, 'plan_limit', `This organization already has ${active!.n} active API keys (the most allowed is ${MAX_ACTIVE_API_KEYS}); revoke one first`, {
          limit: 'api_keys',
          max: MAX_ACTIVE_API_KEYS,
          current: active!.n,
        });
      }
      const [row] = await tx
        .insert(apiKeys)
        .values({ id: issued.id, organizationId: org, name, prefix: issued.prefix, secretHash: issued.secretHash, createdBy: access.userId })
        .returning();
      await audit(tx, access, 'api_key.created', { type: 'api_key', id: issued.id }, { name });
      return row!;
    });
    return c.json({ apiKey: toApiKey(key), secret: issued.token }, 201);
  },
);

apiKeyRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/api-keys/{key}',
    tags: ['api-keys'],
    summary: 'Revoke an API key; it is refused from then on',
    security: bearerSecurity,
    request: { params: KeyParam },
    responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, key: id } = c.req.valid('param');
    const roomIds = await withOrganization(c.var.db, c.var.principal, org, 'apikey.manage', async (tx, access) => {
      if (!isUuid(id)) throw notFound('API key');
      const [row] = await tx
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiKeys.id, id), eq(apiKeys.organizationId, org), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id });
      if (!row) throw notFound('API key');
      await audit(tx, access, 'api_key.revoked', { type: 'api_key', id });
      return organizationRoomIds(tx, org);
    });
    // Room tokens the key minted are refused from now on; the sockets they opened close too.
    await tellRoomsApiKeyRevoked(c.env, roomIds, id);
    return c.body(null, 204);
  },
);
