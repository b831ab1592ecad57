// /organizations/{org}/webhooks: endpoints of the organization's webhooks (owners and admins, on
// plans with API access). The signing secret is in the create and rotate responses only.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { CreateWebhookEndpointInput, UpdateWebhookEndpointInput, WebhookEndpoint } from '@roomcast/schema/api';
import { webhookEndpoints } from '@roomcast/schema/db';
import { isUuid } from '../auth/tokens.ts';
import type { Tx } from '../db/database.ts';
import { ApiError, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, iso, jsonBody, jsonContent, OrgParam, orgParamWith } from '../http.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import type { WebhookConfig } from '../config.ts';
import { openWebhookSecret, sealWebhookSecret } from './secret-box.ts';
import { generateWebhookSecret } from './signing.ts';
import { checkWebhookUrl } from './url-policy.ts';

export const webhookEndpointRoutes = createRouter();
export const EndpointParam = orgParamWith('endpoint');
/** How long the previous secret keeps signing after a rotation. */
const ROTATION_OVERLAP_MS = 24 * 3600_000;
const MAX_ENDPOINTS = 20;

export const toWebhookEndpoint = (e: typeof webhookEndpoints.$inferSelect) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  events: e.events,
  enabled: e.enabled,
  disabledReason: e.disabledReason,
  failingSince: iso(e.failingSince),
  previousSecretExpiresAt: e.previousSecret && e.previousSecretExpiresAt && e.previousSecretExpiresAt.getTime() > Date.now() ? e.previousSecretExpiresAt.toISOString() : null,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});

/** The endpoint of this organization, or 404 (another tenant's id answers the same). */
export async function findEndpoint(tx: Tx, org: string, id: string) {
  if (!isUuid(id)) throw notFound('Webhook endpoint');
  const [row] = await tx.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.organizationId, org)));
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

async function assertUrlAllowed(url: string, config: WebhookConfig): Promise<string> {
  const verdict = await checkWebhookUrl(url, config);
  if (!verdict.ok) throw new ApiError(400, verdict.code, verdict.message);
  return verdict.url.toString();
}

const Created = z.object({ endpoint: WebhookEndpoint, secret: z.string().describe('whsec_... (Standard Webhooks); shown only here') });

webhookEndpointRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/webhooks',
    tags: ['webhooks'],
    summary: 'List webhook endpoints (owner, admin)',
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: { 200: jsonContent(z.object({ endpoints: z.array(WebhookEndpoint) }), 'Endpoints'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const rows = await withOrganization(c.var.db, c.var.principal, org, 'webhook.manage', (tx) =>
      tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.organizationId, org)).orderBy(webhookEndpoints.createdAt),
    );
    return c.json({ endpoints: rows.map(toWebhookEndpoint) }, 200);
  },
);

webhookEndpointRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/webhooks',
    tags: ['webhooks'],
    summary: 'Add a webhook endpoint; its signing secret is in this response only (plans with API access)',
    description: 'In production the URL must be https and reach a public address (checked again before every delivery).',
    security: bearerSecurity,
    request: { params: OrgParam, ...jsonBody(CreateWebhookEndpointInput) },
    responses: { 201: jsonContent(Created, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const input = c.req.valid('json');
    const secret = generateWebhookSecret();
    // The id is chosen here: the sealed secret is bound to it.
    const endpointId = crypto.randomUUID();
    const sealed = await sealWebhookSecret(c.var.config.webhooks.secretKeys, endpointId, secret);
    const endpoint = await withOrganization(c.var.db, c.var.principal, org, 'webhook.manage', async (tx, access) => {
      assertFeature(await effectivePlan(tx, org), 'apiAccess');
      const url = await assertUrlAllowed(input.url, c.var.config.webhooks);
      const existing = await tx.$count(webhookEndpoints, eq(webhookEndpoints.organizationId, org));
      if (existing >= MAX_ENDPOINTS) throw new ApiError(409, 'too_many_webhook_endpoints', `An organization has at most ${MAX_ENDPOINTS} webhook endpoints`);
      const [row] = await tx
        .insert(webhookEndpoints)
        .values({ id: endpointId, organizationId: org, url, description: input.description ?? '', events: [...new Set(input.events)], secret: sealed })
        .returning();
      await audit(tx, access, 'webhook_endpoint.created', { type: 'webhook_endpoint', id: row!.id }, { url, events: row!.events });
      return row!;
    });
    return c.json({ endpoint: toWebhookEndpoint(endpoint), secret }, 201);
  },
);

webhookEndpointRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/webhooks/{endpoint}',
    tags: ['webhooks'],
    summary: 'One webhook endpoint',
    security: bearerSecurity,
    request: { params: EndpointParam },
    responses: { 200: jsonContent(WebhookEndpoint, 'Endpoint'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, endpoint: id } = c.req.valid('param');
    const row = await withOrganization(c.var.db, c.var.principal, org, 'webhook.manage', (tx) => findEndpoint(tx, org, id));
    return c.json(toWebhookEndpoint(row), 200);
  },
);

webhookEndpointRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/{org}/webhooks/{endpoint}',
    tags: ['webhooks'],
    summary: 'Change the URL, events or description, or enable/disable the endpoint',
    security: bearerSecurity,
    request: { params: EndpointParam, ...jsonBody(UpdateWebhookEndpointInput) },
    responses: { 200: jsonContent(WebhookEndpoint, 'Updated'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { org, endpoint: id } = c.req.valid('param');
    const input = c.req.valid('json');
    const row = await withOrganization(c.var.db, c.var.principal, org, 'webhook.manage', async (tx, access) => {
      const current = await findEndpoint(tx, org, id);
      const url = input.url === undefined ? current.url : await assertUrlAllowed(input.url, c.var.config.webhooks);
      const enabling = input.enabled === true && !current.enabled;
      const [updated] = await tx
        .update(webhookEndpoints)
        .set({
          url,
          ...(input.events ? { events: [...new Set(input.events)] } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.enabled !== undefined ? { enabled: input.enabled, disabledReason: input.enabled ? null : 'manual' } : {}),
          // Re-enabled: the failure clock starts again.
          ...(enabling ? { failingSince: null } : {}),
          updatedAt: new Date(),
        })
        .where(eq(webhookEndpoints.id, id))
        .returning();
      await audit(tx, access, 'webhook_endpoint.updated', { type: 'webhook_endpoint', id }, input);
      return updated!;
    });
    return c.json(toWebhookEndpoint(row), 200);
  },
);

webhookEndpointRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/webhooks/{endpoint}/rotate-secret',
    tags: ['webhooks'],
    summary: 'New signing secret (shown only here); the previous one keeps signing beside it for 24 hours',
    security: bearerSecurity,
    request: { params: EndpointParam },
    responses: { 200: jsonContent(Created, 'Rotated'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, endpoint: id } = c.req.valid('param');
    const secret = generateWebhookSecret();
    const row = await withOrganization(c.var.db, c.var.principal, org, 'webhook.manage', async (tx, access) => {
      const current = await findEndpoint(tx, org, id);
      const now = new Date();
      // Both sealed under the current first key (the previous one may be a plain secret from before sealing, or under an older key).
      const keys = c.var.config.webhooks.secretKeys;
      const previousSecret = await sealWebhookSecret(keys, id, await openWebhookSecret(keys, id, current.secret));
      const [updated] = await tx
        .update(webhookEndpoints)
        .set({ secret: await sealWebhookSecret(keys, id, secret), previousSecret, previousSecretExpiresAt: new Date(now.getTime() + ROTATION_OVERLAP_MS), updatedAt: now })
        .where(eq(webhookEndpoints.id, id))
        .returning();
      await audit(tx, access, 'webhook_endpoint.secret_rotated', { type: 'webhook_endpoint', id });
      return updated!;
    });
    return c.json({ endpoint: toWebhookEndpoint(row), secret }, 200);
  },
);

webhookEndpointRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/webhooks/{endpoint}',
    tags: ['webhooks'],
    summary: 'Delete the endpoint and its delivery log',
    security: bearerSecurity,
    request: { params: EndpointParam },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, endpoint: id } = c.req.valid('param');
    await withOrganization(c.var.db, c.var.principal, org, 'webhook.manage', async (tx, access) => {
      const current = await findEndpoint(tx, org, id);
      await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
      await audit(tx, access, 'webhook_endpoint.deleted', { type: 'webhook_endpoint', id }, { url: current.url });
    });
    return c.body(null, 204);
  },
);
