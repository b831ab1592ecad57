'use server';
// Uploaded files of an organization through the API. The bytes never pass through here: the
// browser gets presigned URLs (files-upload.ts sends the bytes straight to the store), and a
// download is a presigned GET fetched when the button is pressed (valid a few minutes).
import type { z } from 'zod';
import type { StoredFile } from '@roomcast/schema/api';
import { api, apiPath } from '~/server/api';
import { CompletedFileResponse, CreatedFileResponse, FileList, FileResponse } from '~/server/api-responses';
import { failure } from '~/server/forms';
import { requireOrganization } from './organization.server';

/** One page of the organization's files, newest first; `before`: the nextCursor of the page before. */
export async function loadFiles(slug: string, before?: string): Promise<{ files: z.infer<typeof StoredFile>[]; nextCursor: string | null }> {
  const { organization } = await requireOrganization(slug);
  const query = before ? `?before=${encodeURIComponent(before)}` : '';
  return api.get(`/organizations/${organization.id}/files${query}`, FileList);
}

export interface UploadDeclaration {
  organizationId: string;
  name: string;
  contentType: string;
  sizeBytes: number;
}

/** Declares an upload; the API refuses a forbidden type (415) or a file over the cap (413) before any byte moves. */
export async function startUpload(input: UploadDeclaration) {
  try {
    const { organizationId, ...body } = input;
    return { ok: true as const, ...(await api.post(apiPath`/organizations/${organizationId}/files`, CreatedFileResponse, body)) };
  } catch (error) {
    return failure(error);
  }
}

export async function completeUpload(input: { organizationId: string; fileId: string; parts?: { partNumber: number; etag: string }[] }) {
  try {
    const { file } = await api.post(apiPath`/organizations/${input.organizationId}/files/${input.fileId}/complete`, CompletedFileResponse, { parts: input.parts });
    return { ok: true as const, file };
  } catch (error) {
    return failure(error);
  }
}

/** A short-lived presigned GET for one file (fetched on click, never kept in the page). */
export async function fileDownloadUrl(input: { organizationId: string; fileId: string }) {
  try {
    const { downloadUrl } = await api.get(apiPath`/organizations/${input.organizationId}/files/${input.fileId}`, FileResponse);
    return { ok: true as const, url: downloadUrl };
  } catch (error) {
    return failure(error);
  }
}

export async function deleteFile(form: FormData) {
  try {
    await api.delete(apiPath`/organizations/${form.get('organizationId')}/files/${form.get('fileId')}`);
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}
