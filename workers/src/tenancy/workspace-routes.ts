import { createRoute, z } from '@hono/zod-openapi';
import { and, count, eq, isNotNull, isNull, ne } from 'drizzle-orm';
import { CreateWorkspaceInput, UpdateWorkspaceInput, Workspace } from '@roomcast/schema/api';
import { rooms, workspaces } from '@roomcast/schema/db';
import { conflict, isUniqueViolation, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, OrgParam, orgParamWith, errorResponses, jsonBody, jsonContent } from '../http.ts';
import { assertWithinLimit } from '../plans/limits.ts';
import { emitUsageThreshold } from '../webhooks/usage-threshold.ts';
import { wakeWebhookDelivery } from '../webhooks/wake.ts';
import { isUuid } from '../auth/tokens.ts';
import { withOrganization } from './access.ts';
import { audit } from './audit.ts';
import { slugify } from './create-organization.ts';

export const workspaceRoutes = createRouter();
const WorkspaceParam = orgParamWith('workspace');

const toWorkspace = (w: typeof workspaces.$inferSelect) => ({
  id: w.id,
  organizationId: w.organizationId,
  name: w.name,
  slug: w.slug,
  createdAt: w.createdAt.toISOString(),
});

function slugTaken(error: unknown, slug: string | undefined): never {
  if (isUniqueViolation(error, 'workspaces_org_slug_key')) throw conflict(`A workspace with slug "${slug}" already exists`, 'slug_taken');
  throw error;
}

workspaceRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/workspaces',
    tags: ['workspaces'],
    summary: 'List workspaces',
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: { 200: jsonContent(z.object({ workspaces: z.array(Workspace) }), 'Workspaces'), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const list = await withOrganization(c.var.db, c.var.principal, org, 'workspace.read', (tx) =>
      tx.select().from(workspaces).where(eq(workspaces.organizationId, org)).orderBy(workspaces.createdAt),
    );
    return c.json({ workspaces: list.map(toWorkspace) }, 200);
  },
);

workspaceRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/workspaces',
    tags: ['workspaces'],
    summary: 'Create a workspace (owner, admin; plan limit: workspaces)',
    security: bearerSecurity,
    request: { params: OrgParam, ...jsonBody(CreateWorkspaceInput) },
    responses: { 201: jsonContent(Workspace, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const input = c.req.valid('json');
    const slug = input.slug ?? slugify(input.name);
    const created = await withOrganization(c.var.db, c.var.principal, org, 'workspace.manage', async (tx, access) => {
      const before = await assertWithinLimit(tx, org, 'workspaces', async () => {
        const [row] = await tx.select({ n: count() }).from(workspaces).where(eq(workspaces.organizationId, org));
        return row!.n;
      });
      const [workspace] = await tx.insert(workspaces).values({ organizationId: org, name: input.name, slug }).returning();
      await audit(tx, access, 'workspace.created', { type: 'workspace', id: workspace!.id });
      return { workspace: workspace!, notify: await emitUsageThreshold(tx, org, 'workspaces', before, (before ?? 0) + 1) };
    }).catch((error: unknown) => slugTaken(error, slug));
    if (created.notify) await wakeWebhookDelivery(org);
    return c.json(toWorkspace(created.workspace), 201);
  },
);

workspaceRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/workspaces/{workspace}',
    tags: ['workspaces'],
    summary: 'One workspace',
    security: bearerSecurity,
    request: { params: WorkspaceParam },
    responses: { 200: jsonContent(Workspace, 'The workspace'), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { org, workspace: id } = c.req.valid('param');
    const found = await withOrganization(c.var.db, c.var.principal, org, 'workspace.read', async (tx) => {
      const [w] = isUuid(id) ? await tx.select().from(workspaces).where(and(eq(workspaces.id, id), eq(workspaces.organizationId, org))) : [];
      if (!w) throw notFound('Workspace');
      return w;
    });
    return c.json(toWorkspace(found), 200);
  },
);

workspaceRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/{org}/workspaces/{workspace}',
    tags: ['workspaces'],
    summary: 'Rename a workspace (owner, admin)',
    security: bearerSecurity,
    request: { params: WorkspaceParam, ...jsonBody(UpdateWorkspaceInput) },
    responses: { 200: jsonContent(Workspace, 'Updated'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, workspace: id } = c.req.valid('param');
    const input = c.req.valid('json');
    const updated = await withOrganization(c.var.db, c.var.principal, org, 'workspace.manage', async (tx, access) => {
      if (!isUuid(id)) throw notFound('Workspace');
      const [w] = await tx
        .update(workspaces)
        .set({ ...input, updatedAt: new Date() })
        .where(and(eq(workspaces.id, id), eq(workspaces.organizationId, org)))
        .returning();
      if (!w) throw notFound('Workspace');
      await audit(tx, access, 'workspace.updated', { type: 'workspace', id }, input);
      return w;
    }).catch((error: unknown) => slugTaken(error, input.slug));
    return c.json(toWorkspace(updated), 200);
  },
);

workspaceRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/workspaces/{workspace}',
    tags: ['workspaces'],
    summary: 'Delete an empty workspace (owner, admin). Workspaces that hold rooms are kept.',
    security: bearerSecurity,
    request: { params: WorkspaceParam },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, workspace: id } = c.req.valid('param');
    await withOrganization(c.var.db, c.var.principal, org, 'workspace.manage', async (tx, access) => {
      if (!isUuid(id)) throw notFound('Workspace');
      const [w] = await tx.select().from(workspaces).where(and(eq(workspaces.id, id), eq(workspaces.organizationId, org)));
      if (!w) throw notFound('Workspace');
      const [roomCount] = await tx.select({ n: count() }).from(rooms).where(and(eq(rooms.workspaceId, id), isNull(rooms.deletedAt)));
      if (roomCount!.n > 0) throw conflict(`The workspace still holds ${roomCount!.n} room(s); move or delete them first`, 'workspace_not_empty');
      const [total] = await tx.select({ n: count() }).from(workspaces).where(eq(workspaces.organizationId, org));
      if (total!.n <= 1) throw conflict('An organization keeps at least one workspace', 'last_workspace');
      // Deleted rooms keep their sessions (billed usage): move them to a remaining workspace so
      // the workspace's cascade does not take them along.
      const [keep] = await tx.select({ id: workspaces.id }).from(workspaces).where(and(eq(workspaces.organizationId, org), ne(workspaces.id, id))).limit(1);
      await tx.update(rooms).set({ workspaceId: keep!.id }).where(and(eq(rooms.workspaceId, id), isNotNull(rooms.deletedAt)));
      await tx.delete(workspaces).where(eq(workspaces.id, id));
      await audit(tx, access, 'workspace.deleted', { type: 'workspace', id });
    });
    return c.body(null, 204);
  },
);
