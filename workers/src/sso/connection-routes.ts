// /organizations/{org}/sso: an organization's OpenID Connect provider (owners and admins). Saving
// needs a plan with SSO (Business, Enterprise); reading and deleting do not, so settings kept after
// a downgrade stay visible and removable. The client secret is sealed at rest and only its last
// characters come back.
import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { SaveSsoConnectionInput, SsoConnection } from '@roomcast/schema/api';
import { ssoConnections, ssoDomains, ssoIdentities } from '@roomcast/schema/db';
import type { Tx } from '../db/database.ts';
import { ApiError, isUniqueViolation, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent, OrgParam, type AppEnv } from '../http.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import { sealSecret } from '../webhooks/secret-box.ts';
import { assertClaimableDomain } from './domains.ts';
import { checkIssuerUrl, discover } from './oidc.ts';

export const ssoConnectionRoutes = createRouter();

export const clientSecretContext = (organizationId: string) => `sso_client_secret:${organizationId}`;

/** Where providers send browsers back: the web app's callback page. */
export function ssoRedirectUri(c: Context<AppEnv>): string {
  const base = c.var.config.webUrl ?? new URL(c.req.url).origin;
  return `${base.replace(/\/$/, '')}/sso/callback`;
}

async function loadConnection(tx: Tx, organizationId: string) {
  const [row] = await tx.select().from(ssoConnections).where(eq(ssoConnections.organizationId, organizationId));
  if (!row) return undefined;
  const domains = await tx.select({ domain: ssoDomains.domain }).from(ssoDomains).where(eq(ssoDomains.organizationId, organizationId)).orderBy(ssoDomains.domain);
  return { row, domains: domains.map((d) => d.domain) };
}

function toSsoConnection(c: Context<AppEnv>, found: NonNullable<Awaited<ReturnType<typeof loadConnection>>>, planAllowsSso: boolean) {
  return {
    issuer: found.row.issuer,
    clientId: found.row.clientId,
    clientSecretHint: `••••${found.row.clientSecretHint}`,
    domains: found.domains,
    defaultRole: found.row.defaultRole,
    ssoRequired: found.row.ssoRequired,
    planAllowsSso,
    redirectUri: ssoRedirectUri(c),
    updatedAt: found.row.updatedAt.toISOString(),
  };
}

ssoConnectionRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/sso',
    tags: ['sso'],
    summary: 'The organization\'s SSO (OpenID Connect) settings (owner, admin)',
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: {
      200: jsonContent(z.object({ connection: SsoConnection.nullable(), redirectUri: z.string(), planAllowsSso: z.boolean() }), 'Settings (null when none)'),
      ...errorResponses(401, 403, 404),
    },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const result = await withOrganization(c.var.db, c.var.principal, org, 'security.manage', async (tx) => {
      const planAllowsSso = (await effectivePlan(tx, org)).sso;
      const found = await loadConnection(tx, org);
      return { connection: found ? toSsoConnection(c, found, planAllowsSso) : null, planAllowsSso };
    });
    return c.json({ ...result, redirectUri: ssoRedirectUri(c) }, 200);
  },
);

ssoConnectionRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/{org}/sso',
    tags: ['sso'],
    summary: 'Create or replace the SSO settings (owner, admin; Business and Enterprise plans)',
    description:
      'The issuer is checked by fetching its discovery document. Each domain can belong to one organization only, and public mailbox domains cannot be claimed. The client secret is required the first time; omit it later to keep the stored one.',
    security: bearerSecurity,
    request: { params: OrgParam, ...jsonBody(SaveSsoConnectionInput) },
    responses: { 200: jsonContent(z.object({ connection: SsoConnection }), 'Saved'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const input = c.req.valid('json');
    const { config } = c.var;
    const issuer = checkIssuerUrl(input.issuer, config.webhooks.publicUrlsOnly);
    const domains = [...new Set(input.domains)];
    domains.forEach(assertClaimableDomain);
    // Checked before saving: a typo in the issuer should fail here, not at every member's sign-in.
    await withOrganization(c.var.db, c.var.principal, org, 'security.manage', async (tx) => assertFeature(await effectivePlan(tx, org), 'sso'));
    await discover(issuer);
    const sealed = input.clientSecret ? await sealSecret(config.webhooks.secretKeys, clientSecretContext(org), input.clientSecret) : undefined;
    try {
      const connection = await withOrganization(c.var.db, c.var.principal, org, 'security.manage', async (tx, access) => {
        const plan = await effectivePlan(tx, org);
        assertFeature(plan, 'sso');
        const existing = await loadConnection(tx, org);
        if (!existing && !sealed) throw new ApiError(400, 'invalid_input', 'clientSecret: required when setting up SSO');
        const values = {
          issuer,
          clientId: input.clientId,
          defaultRole: input.defaultRole,
          ssoRequired: input.ssoRequired,
          ...(sealed ? { clientSecretSealed: sealed, clientSecretHint: input.clientSecret!.slice(-4) } : {}),
        };
        if (existing) {
          await tx.update(ssoConnections).set({ ...values, updatedAt: new Date() }).where(eq(ssoConnections.organizationId, org));
          // Identities belong to an issuer: a different provider starts with no links.
          if (existing.row.issuer !== issuer) await tx.delete(ssoIdentities).where(eq(ssoIdentities.organizationId, org));
        } else {
          await tx.insert(ssoConnections).values({ organizationId: org, clientSecretSealed: sealed!, clientSecretHint: input.clientSecret!.slice(-4), ...values });
        }
        await tx.delete(ssoDomains).where(eq(ssoDomains.organizationId, org));
        await tx.insert(ssoDomains).values(domains.map((domain) => ({ domain, organizationId: org })));
        await audit(tx, access, existing ? 'sso.updated' : 'sso.created', { type: 'sso_connection', id: org }, { issuer, domains, ssoRequired: input.ssoRequired, secretChanged: Boolean(sealed) });
        return toSsoConnection(c, (await loadConnection(tx, org))!, plan.sso);
      });
      return c.json({ connection }, 200);
    } catch (error) {
      if (isUniqueViolation(error, 'sso_domains_pkey')) {
        throw new ApiError(409, 'domain_taken', 'One of these domains already signs in through another organization\'s SSO');
      }
      throw error;
    }
  },
);

ssoConnectionRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/sso',
    tags: ['sso'],
    summary: 'Remove the SSO settings; members keep their accounts and sign in with a password (or a reset link)',
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    await withOrganization(c.var.db, c.var.principal, org, 'security.manage', async (tx, access) => {
      const removed = await tx.delete(ssoConnections).where(eq(ssoConnections.organizationId, org)).returning({ id: ssoConnections.organizationId });
      if (removed.length === 0) throw notFound('SSO connection');
      await tx.delete(ssoDomains).where(eq(ssoDomains.organizationId, org));
      await tx.delete(ssoIdentities).where(eq(ssoIdentities.organizationId, org));
      await audit(tx, access, 'sso.deleted', { type: 'sso_connection', id: org });
    });
    return c.body(null, 204);
  },
);
