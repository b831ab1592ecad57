// /organizations/{org}/brand-kit: the studio's brand kit. Every member reads it; owners and admins
// set it. Images must be this organization's uploaded image files (another tenant's file id is
// not found, like a missing one).
import { createRoute } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { BRAND_IMAGE_TYPES, BrandKit, BrandKitInput } from '@roomcast/schema/api';
import { brandKits, files } from '@roomcast/schema/db';
import { isUuid } from '../../auth/tokens.ts';
import type { Tx } from '../../db/database.ts';
import { ApiError, notFound } from '../../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent, OrgParam } from '../../http.ts';
import { withOrganization } from '../../tenancy/access.ts';
import { audit } from '../../tenancy/audit.ts';
import { loadBrandKit } from './brand-kit.ts';

export const brandKitRoutes = createRouter();

async function assertBrandImage(tx: Tx, org: string, id: string | null, field: string): Promise<void> {
  if (id === null) return;
  if (!isUuid(id)) throw notFound('File');
  const [file] = await tx.select({ status: files.status, contentType: files.contentType }).from(files).where(and(eq(files.id, id), eq(files.organizationId, org)));
  if (!file || file.status === 'deleted') throw notFound('File');
  if (file.status !== 'uploaded') throw new ApiError(409, 'file_not_uploaded', `The ${field} file has not finished uploading`);
  if (!(BRAND_IMAGE_TYPES as readonly string[]).includes(file.contentType)) {
    throw new ApiError(400, 'invalid_brand_image', `The ${field} must be an image (${BRAND_IMAGE_TYPES.join(', ')}); this file is ${file.contentType}`, { field });
  }
}

brandKitRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/brand-kit',
    tags: ['studio'],
    summary: "The organization's studio brand kit (every member); defaults until saved",
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: { 200: jsonContent(BrandKit, 'The brand kit, images as short-lived URLs'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const kit = await withOrganization(c.var.db, c.var.principal, org, 'room.read', (tx) => loadBrandKit(tx, c.var.config.storage, org));
    return c.json(kit, 200);
  },
);

brandKitRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/{org}/brand-kit',
    tags: ['studio'],
    summary: 'Set the studio brand kit: logo and background (uploaded images), primary colour, name tags (owner, admin)',
    security: bearerSecurity,
    request: { params: OrgParam, ...jsonBody(BrandKitInput) },
    responses: { 200: jsonContent(BrandKit, 'The saved brand kit'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const input = c.req.valid('json');
    const kit = await withOrganization(c.var.db, c.var.principal, org, 'organization.update', async (tx, access) => {
      await assertBrandImage(tx, org, input.logoFileId, 'logo');
      await assertBrandImage(tx, org, input.backgroundFileId, 'background');
      const values = { logoFileId: input.logoFileId, backgroundFileId: input.backgroundFileId, primaryColor: input.primaryColor, nameTags: input.nameTags, updatedAt: new Date() };
      await tx.insert(brandKits).values({ organizationId: org, ...values }).onConflictDoUpdate({ target: brandKits.organizationId, set: values });
      await audit(tx, access, 'brand_kit.update', { type: 'organization', id: org }, { ...input });
      return loadBrandKit(tx, c.var.config.storage, org);
    });
    return c.json(kit, 200);
  },
);
