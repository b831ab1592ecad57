import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import { ApiKey, CreateApiKeyInput } from '@roomcast/schema/api';
import { apiKeys } from '@roomcast/schema/db';
import { issueApiKey, isUuid } from '../auth/tokens.ts';
import { notFound } from '../errors.ts';
import { bearerSecurity, createRouter, OrgParam, orgParamWith, errorResponses, iso, jsonBody, jsonContent } from '../http.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';

export const apiKeyRoutes = createRouter();
const KeyParam = orgParamWith('key');

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
    const rows = await withOrganization(c.var.db, c.var.principal, org, 'apikey.manage', (tx) =>
      tx.select().from(apiKeys).where(eq(apiKeys.organizationId, org)).orderBy(apiKeys.createdAt),
    );
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
    const issued = await issueApiKey();
    const key = await withOrganization(c.var.db, c.var.principal, org, 'apikey.manage', async (tx, access) => {
      assertFeature(await effectivePlan(tx, org), 'apiAccess');
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
    await withOrganization(c.var.db, c.var.principal, org, 'apikey.manage', async (tx, access) => {
      if (!isUuid(id)) throw notFound('API key');
      const [row] = await tx
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiKeys.id, id), eq(apiKeys.organizationId, org), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id });
      if (!row) throw notFound('API key');
      await audit(tx, access, 'api_key.revoked', { type: 'api_key', id });
    });
    return c.body(null, 204);
  },
);
