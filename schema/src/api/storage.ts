// Object storage: uploaded files and server recordings (REST shapes). The bytes themselves never
// pass through the API: clients get presigned URLs and talk to the store directly.
import { z } from 'zod';

export const FILE_STATUSES = ['pending', 'uploaded'] as const;

export const StoredFile = z.object({
  id: z.uuid(),
  workspaceId: z.uuid().nullable(),
  name: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int(),
  status: z.enum(FILE_STATUSES),
  createdAt: z.string(),
  uploadedAt: z.string().nullable(),
});

export const CreateFileInput = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .refine((n) => !/[\u0000-\u001f\u007f/\\]/.test(n), 'no slashes or control characters'),
  contentType: z.string().trim().toLowerCase().min(1).max(255),
  sizeBytes: z.number().int().positive(),
  workspaceId: z.uuid().optional(),
});

/** How to send the bytes: one presigned PUT, or presigned parts of `partSize` bytes (the last may be shorter). */
export const FileUpload = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('single'),
    method: z.literal('PUT'),
    url: z.string(),
    /** Send exactly these headers (the content type is part of the signature). */
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  }),
  z.object({
    kind: z.literal('multipart'),
    partSize: z.number().int(),
    parts: z.array(z.object({ partNumber: z.number().int(), url: z.string() })),
    expiresAt: z.string(),
  }),
]);

export const CreatedFile = z.object({ file: StoredFile, upload: FileUpload });

export const CompleteFileInput = z.object({
  /** Multipart uploads only: every part's number and the ETag header the store answered its PUT with. */
  parts: z
    .array(z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1).max(200) }))
    .max(10_000)
    .optional(),
});

export const FileWithDownload = z.object({ file: StoredFile, downloadUrl: z.string().nullable() });
