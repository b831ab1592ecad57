// /rooms/{room}/files: files of the organization in a room's chat. Both calls carry the caller's
// room token in the body (the same token the signaling socket was opened with), not a session:
// guests of a public room have no other credential.
//   POST /rooms/{room}/files                    a host or moderator in the room shares one of the
//                                               organization's files; everyone gets a chat message
//                                               with its reference (id, name, size, type)
//   POST /rooms/{room}/files/{file}/download    someone in the room fetches a file shared in its
//                                               chat: a presigned GET valid a few minutes
// The file is looked up under the token's organization (RLS): another tenant's id is a 404, as is
// a file not shared in this room's chat.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { files } from '@roomcast/schema/db';
import { ChatFile, ChatMessage } from '@roomcast/schema/protocol';
import { isUuid } from '../auth/tokens.ts';
import { ApiError, notFound } from '../errors.ts';
import { createRouter, errorResponses, jsonBody, jsonContent, type AppEnv } from '../http.ts';
import { hasGrant } from '../rooms/realtime/moderation.ts';
import { roomStub } from '../rooms/room-stub.ts';
import { verifyRoomToken, type RoomTokenClaims } from '../rooms/room-token.ts';
import { requireObjectStore } from './object-store.ts';

export const roomFileRoutes = createRouter();

const RoomParam = z.object({ room: z.string() });
const RoomFileParam = RoomParam.extend({ file: z.string() });
const RoomTokenBody = z.object({ token: z.string().min(1).max(4096) });
const ShareFileInput = RoomTokenBody.extend({
  fileId: z.string(),
  /** An optional caption shown with the file. */
  text: z.string().trim().max(500).default(''),
});
const DownloadUrl = z.object({ url: z.string(), expiresAt: z.string() });

async function claimsFor(c: Context<AppEnv>, roomId: string, token: string): Promise<RoomTokenClaims> {
  try {
    return await verifyRoomToken(c.var.config.roomTokenSecret, token, roomId);
  } catch {
    throw new ApiError(401, 'invalid_room_token', 'The room token is invalid, expired or for another room');
  }
}

async function uploadedFile(c: Context<AppEnv>, organizationId: string, fileId: string): Promise<ChatFile & { objectKey: string }> {
  if (!isUuid(fileId)) throw notFound('File');
  const [row] = await c.var.db.scoped({ organizationId }, (tx) =>
    tx
      .select({ id: files.id, name: files.name, sizeBytes: files.sizeBytes, contentType: files.contentType, objectKey: files.objectKey })
      .from(files)
      .where(and(eq(files.id, fileId), eq(files.organizationId, organizationId), eq(files.status, 'uploaded'))),
  );
  if (!row) throw notFound('File');
  return row;
}

roomFileRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{room}/files',
    tags: ['files'],
    summary: 'Share one of the organization\'s files into the room chat (hosts and moderators in the room, by room token)',
    request: { params: RoomParam, ...jsonBody(ShareFileInput) },
    responses: { 201: jsonContent(z.object({ message: ChatMessage }), 'The chat message everyone got'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { room } = c.req.valid('param');
    const input = c.req.valid('json');
    const claims = await claimsFor(c, room, input.token);
    if (!hasGrant(claims.role, 'moderate')) throw new ApiError(403, 'forbidden', 'Only hosts and moderators share files into the chat');
    const { objectKey: _key, ...file } = await uploadedFile(c, claims.organizationId, input.fileId);
    const message = await roomStub(c.env, room).shareFile({ identity: claims.identity, name: claims.name, role: claims.role }, file, input.text);
    if (!message) throw new ApiError(409, 'not_in_room', 'Join the room before sharing a file into its chat');
    return c.json({ message }, 201);
  },
);

roomFileRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{room}/files/{file}/download',
    tags: ['files'],
    summary: 'A short-lived download URL for a file shared in the room chat (anyone in the room, by room token)',
    request: { params: RoomFileParam, ...jsonBody(RoomTokenBody) },
    responses: { 200: jsonContent(DownloadUrl, 'A presigned GET'), ...errorResponses(400, 401, 404) },
  }),
  async (c) => {
    const { room, file: fileId } = c.req.valid('param');
    const claims = await claimsFor(c, room, c.req.valid('json').token);
    const store = requireObjectStore(c.var.config.storage);
    const file = await uploadedFile(c, claims.organizationId, fileId);
    // Shared here and asked by someone here; anything else looks like a file that does not exist.
    if (!(await roomStub(c.env, room).mayDownloadFile(claims.identity, file.id))) throw notFound('File');
    const url = await store.presignGet(file.objectKey, { downloadName: file.name });
    return c.json({ url, expiresAt: new Date(Date.now() + store.config.urlTtlSeconds * 1000).toISOString() }, 200);
  },
);
