import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { CreateOrganizationInput, Organization, UpdateOrganizationInput } from '@roomcast/schema/api';
import { organizations } from '@roomcast/schema/db';
import { requireUser } from '../auth/principal.ts';
import { conflict, isUniqueViolation, unauthenticated } from '../errors.ts';
import { bearerSecurity, createRouter, OrgParam, errorResponses, jsonBody, jsonContent } from '../http.ts';
import { effectivePlan } from '../plans/limits.ts';
import { withOrganization } from './access.ts';
import { audit } from './audit.ts';
import { createOrganization, listUserOrganizations, toOrganization } from './create-organization.ts';
import { assertUnpaidOrganizationCap, limitOrganizationCreationRate } from './organization-quota.ts';

export const organizationRoutes = createRouter();

organizationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/',
    tags: ['organizations'],
    summary: 'Organizations the caller belongs to (an API key sees its own)',
    security: bearerSecurity,
    responses: { 200: jsonContent(z.object({ organizations: z.array(Organization) }), 'Organizations'), ...errorResponses(401) },
  }),
  async (c) => {
    const principal = c.var.principal;
    if (!principal) throw unauthenticated();
    const rows = await c.var.db.scoped(
      principal.kind === 'user' ? { userId: principal.userId } : { organizationId: principal.organizationId },
      async (tx) => {
        if (principal.kind === 'api_key') {
          const orgs = await tx.select().from(organizations);
          return orgs.map((o) => toOrganization(o, { role: 'admin' }));
        }
        return listUserOrganizations(tx, principal.userId);
      },
    );
    return c.json({ organizations: rows }, 200);
  },
);

organizationRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/',
    tags: ['organizations'],
    summary: 'Create an organization owned by the signed-in user (starts a Starter trial; rate-limited, and capped while unpaid)',
    security: bearerSecurity,
    request: jsonBody(CreateOrganizationInput),
    responses: { 201: jsonContent(Organization, 'Created'), ...errorResponses(400, 401, 403, 409, 429) },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    const input = c.req.valid('json');
    const { organizations: limits } = c.var.config;
    await limitOrganizationCreationRate(c, principal.userId);
    const organizationId = crypto.randomUUID();
    const organization = await c.var.db.scoped({ organizationId, userId: principal.userId }, async (tx) => {
      await assertUnpaidOrganizationCap(tx, principal.userId, limits.maxUnpaidPerUser);
      const { organization } = await createOrganization(tx, {
        organizationId,
        name: input.name,
        slug: input.slug,
        ownerId: principal.userId,
        trialMs: limits.trialMs,
      });
      return organization;
    });
    return c.json(toOrganization(organization, { role: 'owner', planId: 'starter' }), 201);
  },
);

organizationRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}',
    tags: ['organizations'],
    summary: 'One organization, with the caller role and current plan',
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: { 200: jsonContent(Organization, 'The organization'), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const result = await withOrganization(c.var.db, c.var.principal, org, 'member.read', async (tx, access) => {
      const [organization] = await tx.select().from(organizations).where(eq(organizations.id, org));
      const plan = await effectivePlan(tx, org);
      return toOrganization(organization!, { role: access.role, planId: plan.id });
    });
    return c.json(result, 200);
  },
);

organizationRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/{org}',
    tags: ['organizations'],
    summary: 'Rename an organization or change its slug (owner, admin)',
    security: bearerSecurity,
    request: { params: OrgParam, ...jsonBody(UpdateOrganizationInput) },
    responses: { 200: jsonContent(Organization, 'Updated'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const input = c.req.valid('json');
    try {
      const result = await withOrganization(c.var.db, c.var.principal, org, 'organization.update', async (tx, access) => {
        const [organization] = await tx
          .update(organizations)
          .set({ ...input, updatedAt: new Date() })
          .where(eq(organizations.id, org))
          .returning();
        await audit(tx, access, 'organization.updated', { type: 'organization', id: org }, input);
        return toOrganization(organization!, { role: access.role });
      });
      return c.json(result, 200);
    } catch (error) {
      if (isUniqueViolation(error, 'organizations_slug_unique')) throw conflict(`The slug "${input.slug}" is taken`, 'slug_taken');
      throw error;
    }
  },
);
