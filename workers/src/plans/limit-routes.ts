// GET /organizations/{org}/limits: the plan that applies now and how far the organization is into
// each limit, readable by every member (and API keys), so the dashboard can say "2 of 3 rooms"
// to whoever creates rooms before they hit the limit. The billing routes show the same numbers
// with money attached, to owners and admins only.
import { createRoute } from '@hono/zod-openapi';
import { OrganizationLimits } from '@roomcast/schema/api';
import { limitUsage, toPlan } from '../billing/plan-usage.ts';
import { bearerSecurity, createRouter, errorResponses, jsonContent, OrgParam } from '../http.ts';
import { withOrganization } from '../tenancy/access.ts';
import { effectivePlan } from './limits.ts';

export const limitRoutes = createRouter();

limitRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/limits',
    tags: ['plans'],
    summary: 'The effective plan, its limits and features, and current usage against each limit (any member)',
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: { 200: jsonContent(OrganizationLimits, 'Plan and usage'), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const body = await withOrganization(c.var.db, c.var.principal, org, 'room.read', async (tx) => {
      const plan = await effectivePlan(tx, org);
      return { plan: toPlan(plan), limits: await limitUsage(tx, org, plan) };
    });
    return c.json(body, 200);
  },
);
