// /organizations/{org}/files: uploads straight from the browser to the object store.
//   POST   /files                 declare name, type and size; get a presigned PUT (or presigned parts)
//   POST   /files/{file}/complete the store is asked what arrived; only a confirmed object counts
//   GET    /files, /files/{file}  list; one file with a short-lived download URL
//   DELETE /files/{file}          removes the object and frees its storage
// The declared size is reserved against the plan's storage from the first call, so the limit is
// enforced before a byte is sent (403 plan_limit, limit `storage`).
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { CompleteFileInput, CreatedFile, CreateFileInput, FilePage, FileWithDownload, StoredFile } from '@roomcast/schema/api';
import { files, workspaces } from '@roomcast/schema/db';
import { isUuid } from '../auth/tokens.ts';
import type { StorageConfig } from '../config.ts';
import type { Tx } from '../db/database.ts';
import { ApiError, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, iso, jsonBody, jsonContent, OrgParam, orgParamWith } from '../http.ts';
import { decodeCursor, newestFirst, olderThan, PageQuery, pageOf } from '../paging/cursor-page.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import { ALLOWED_FILE_TYPES, isAllowedFileType } from './file-types.ts';
import { fileObjectKey } from './object-keys.ts';
import { requireObjectStore, type ObjectStore } from './object-store.ts';
import { assertStorageAvailable } from './storage-quota.ts';

export const fileRoutes = createRouter();
const FileParam = orgParamWith('file');

const MIB = 1024 * 1024;
/** S3 allows at most 10,000 parts of at least 5 MiB (the last may be shorter). */
const MIN_PART_BYTES = 8 * MIB;
const MAX_PARTS = 10_000;
/** Part URLs of a big upload outlive the usual TTL: a 2 GiB upload on a slow uplink takes a while. */
const PART_URL_TTL_SECONDS = 6 * 3600;

type FileRow = typeof files.$inferSelect;

const toStoredFile = (f: FileRow): z.infer<typeof StoredFile> => ({
  id: f.id,
  workspaceId: f.workspaceId,
  name: f.name,
  contentType: f.contentType,
  sizeBytes: f.sizeBytes,
  status: f.status === 'uploaded' ? 'uploaded' : 'pending',
  createdAt: f.createdAt.toISOString(),
  uploadedAt: iso(f.uploadedAt),
});

async function findFile(tx: Tx, org: string, id: string): Promise<FileRow> {
  if (!isUuid(id)) throw notFound('File');
  const [row] = await tx.select().from(files).where(and(eq(files.id, id), eq(files.organizationId, org)));
  if (!row || row.status === 'deleted') throw notFound('File');
  return row;
}

export function partSizeFor(sizeBytes: number): number {
  return Math.max(MIN_PART_BYTES, Math.ceil(sizeBytes / MAX_PARTS / MIB) * MIB);
}

function assertUploadable(input: z.infer<typeof CreateFileInput>, storage: StorageConfig) {
  if (!isAllowedFileType(input.contentType)) {
    throw new ApiError(415, 'unsupported_file_type', `Files of type ${input.contentType} cannot be uploaded. Allowed: ${Object.values(ALLOWED_FILE_TYPES).join(', ')}.`, {
      allowed: Object.keys(ALLOWED_FILE_TYPES),
    });
  }
  if (input.sizeBytes > storage.maxFileBytes) {
    throw new ApiError(413, 'file_too_large', `A file may be at most ${Math.floor(storage.maxFileBytes / MIB)} MiB; this one is ${(input.sizeBytes / MIB).toFixed(1)} MiB.`, {
      maxBytes: storage.maxFileBytes,
    });
  }
}

fileRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/files',
    tags: ['files'],
    summary: 'Start an upload: a presigned PUT, or presigned parts for a large file (owner, admin, host, cohost)',
    description:
      'The declared size counts against the plan storage at once (403 plan_limit, limit storage, when it does not fit). Send the bytes to the URL(s), then POST .../complete. Multipart: keep each part\'s ETag response header.',
    security: bearerSecurity,
    request: { params: OrgParam, ...jsonBody(CreateFileInput) },
    responses: {
      201: jsonContent(CreatedFile, 'Upload started'),
      ...errorResponses(400, 401, 403, 404, 413),
      415: jsonContent(z.object({ error: z.object({ code: z.string(), message: z.string() }) }), 'File type not allowed'),
    },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const input = c.req.valid('json');
    const store = requireObjectStore(c.var.config.storage);
    assertUploadable(input, store.config);
    const multipart = input.sizeBytes >= store.config.multipartFromBytes;
    const row = await withOrganization(c.var.db, c.var.principal, org, 'file.manage', async (tx, access) => {
      if (input.workspaceId) {
        // A foreign key passes for another tenant's workspace: look it up under RLS instead.
        const [ws] = await tx.select({ id: workspaces.id }).from(workspaces).where(and(eq(workspaces.id, input.workspaceId), eq(workspaces.organizationId, org)));
        if (!ws) throw notFound('Workspace');
      }
      await assertStorageAvailable(tx, org, input.sizeBytes);
      const id = crypto.randomUUID();
      const objectKey = fileObjectKey(org, id);
      const uploadId = multipart ? await store.createMultipartUpload(objectKey, input.contentType) : null;
      const [created] = await tx
        .insert(files)
        .values({ id, organizationId: org, workspaceId: input.workspaceId ?? null, objectKey, name: input.name, contentType: input.contentType, sizeBytes: input.sizeBytes, uploadId, createdBy: access.userId })
        .returning();
      return created!;
    });
    return c.json({ file: toStoredFile(row), upload: await uploadInstructions(store, row) }, 201);
  },
);

async function uploadInstructions(store: ObjectStore, row: FileRow): Promise<z.infer<typeof CreatedFile>['upload']> {
  if (!row.uploadId) {
    return {
      kind: 'single',
      method: 'PUT',
      url: await store.presignPut(row.objectKey, row.contentType),
      headers: { 'content-type': row.contentType },
      expiresAt: new Date(Date.now() + store.config.urlTtlSeconds * 1000).toISOString(),
    };
  }
  const partSize = partSizeFor(row.sizeBytes);
  const count = Math.ceil(row.sizeBytes / partSize);
  const parts = await Promise.all(
    Array.from({ length: count }, async (_, i) => ({ partNumber: i + 1, url: await store.presignPart(row.objectKey, row.uploadId!, i + 1, PART_URL_TTL_SECONDS) })),
  );
  return { kind: 'multipart', partSize, parts, expiresAt: new Date(Date.now() + PART_URL_TTL_SECONDS * 1000).toISOString() };
}

fileRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/files/{file}/complete',
    tags: ['files'],
    summary: 'Confirm an upload: the store is asked for the object; its size and type must match what was declared',
    security: bearerSecurity,
    request: { params: FileParam, ...jsonBody(CompleteFileInput) },
    responses: { 200: jsonContent(z.object({ file: StoredFile }), 'Uploaded'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, file } = c.req.valid('param');
    const { parts } = c.req.valid('json');
    const store = requireObjectStore(c.var.config.storage);
    const outcome = await withOrganization(c.var.db, c.var.principal, org, 'file.manage', async (tx) => {
      const found = await findFile(tx, org, file);
      if (found.status === 'uploaded') return { row: found };
      if (found.uploadId) {
        if (!parts?.length) throw new ApiError(400, 'upload_incomplete', 'A multipart upload is completed with every part\'s number and ETag');
        await store.completeMultipartUpload(found.objectKey, found.uploadId, parts);
      }
      const head = await store.head(found.objectKey);
      if (!head) throw new ApiError(400, 'upload_incomplete', 'Nothing has been uploaded for this file yet');
      const typeMatches = (head.contentType ?? '').split(';')[0]!.trim().toLowerCase() === found.contentType;
      if (head.sizeBytes !== found.sizeBytes || !typeMatches) {
        // The declared size was what the quota allowed; anything else is thrown away, not counted
        // (deleted in this transaction, which must commit: the error is raised after it).
        await deleteStoredFile(tx, store, { ...found, uploadId: null });
        return { mismatch: `The uploaded object (${head.sizeBytes} bytes, ${head.contentType ?? 'no type'}) does not match the declared ${found.sizeBytes} bytes of ${found.contentType}; it was discarded` };
      }
      const [updated] = await tx.update(files).set({ status: 'uploaded', uploadId: null, uploadedAt: new Date() }).where(eq(files.id, found.id)).returning();
      return { row: updated! };
    });
    if ('mismatch' in outcome) throw new ApiError(400, 'upload_mismatch', outcome.mismatch!);
    const row = outcome.row;
    return c.json({ file: toStoredFile(row) }, 200);
  },
);

fileRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/files',
    tags: ['files'],
    summary: 'List uploaded files, newest first (every member); pages of `limit` (default 50), the next one at `before=nextCursor`',
    security: bearerSecurity,
    request: { params: OrgParam, query: PageQuery },
    responses: { 200: jsonContent(FilePage, 'Files, newest first'), ...errorResponses(400, 401, 403, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const { limit = 50, before } = c.req.valid('query');
    const cursor = decodeCursor(before);
    const rows = await withOrganization(c.var.db, c.var.principal, org, 'file.read', (tx) =>
      tx
        .select()
        .from(files)
        .where(and(eq(files.organizationId, org), eq(files.status, 'uploaded'), olderThan(files.createdAt, files.id, cursor)))
        .orderBy(...newestFirst(files.createdAt, files.id))
        .limit(limit + 1),
    );
    const page = pageOf(rows, limit, (r) => ({ at: r.createdAt, id: r.id }));
    return c.json({ files: page.rows.map(toStoredFile), nextCursor: page.nextCursor }, 200);
  },
);

fileRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/files/{file}',
    tags: ['files'],
    summary: 'One file, with a short-lived download URL once it is uploaded',
    security: bearerSecurity,
    request: { params: FileParam },
    responses: { 200: jsonContent(FileWithDownload, 'The file'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, file } = c.req.valid('param');
    const store = requireObjectStore(c.var.config.storage);
    const row = await withOrganization(c.var.db, c.var.principal, org, 'file.read', (tx) => findFile(tx, org, file));
    const downloadUrl = row.status === 'uploaded' ? await store.presignGet(row.objectKey, { downloadName: row.name }) : null;
    return c.json({ file: toStoredFile(row), downloadUrl }, 200);
  },
);

fileRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/files/{file}',
    tags: ['files'],
    summary: 'Delete a file (or abandon its upload); its storage is freed',
    security: bearerSecurity,
    request: { params: FileParam },
    responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, file } = c.req.valid('param');
    const store = requireObjectStore(c.var.config.storage);
    await withOrganization(c.var.db, c.var.principal, org, 'file.manage', async (tx, access) => {
      const row = await findFile(tx, org, file);
      await deleteStoredFile(tx, store, row);
      await audit(tx, access, 'file.delete', { type: 'file', id: row.id }, { name: row.name, sizeBytes: row.sizeBytes });
    });
    return c.body(null, 204);
  },
);

/** Removes the object (or aborts its open upload) first, then the row: a row never outlives nothing. */
export async function deleteStoredFile(tx: Tx, store: ObjectStore, row: FileRow): Promise<void> {
  if (row.uploadId) await store.abortMultipartUpload(row.objectKey, row.uploadId);
  await store.delete(row.objectKey);
  await tx.delete(files).where(eq(files.id, row.id));
}
