'use server';
// Server functions of the room pages (BFF; each export is an RPC endpoint the page calls): they
// call the API with the signed-in user's session (from the httpOnly cookie, never given to the
// page) or anonymously for public rooms, and hand the page only what it needs: the room's public
// facts and short-lived room credentials.
import { api, apiPath, ApiRequestError, IgnoredBody } from '~/server/api';
import { FileList, GuestInviteList, GuestInviteResponse, MeResponse, PublicRoomResponse, RoomFileDownload, RoomJoinResponse, RoomStarted } from '~/server/api-responses';
// Types in their own `import type` lines, so no server module is dragged into the client bundle.
import type { PublicRoom, RoomJoin } from '~/server/api';
import { readSessionToken } from '~/server/session';
import { getRequestEvent } from 'solid-js/web';
import { automaticGuestName, type AutoJoinRequest } from './auto-join';
import type { RoomCredentials } from '@roomcast/client/signaling';
// Type-only, in its own statement (see webhooks.server.ts): nothing of the schemas may reach the browser build from here.
import type { GuestInviteSummary } from '@roomcast/schema/api';

export type { PublicRoom };

export interface RoomPage {
  room: PublicRoom | null;
  /** The signed-in user (display name for chat), if any. */
  viewer: { name: string } | null;
  /**
   * The room token for a visitor who joins without asking (auto-join.ts) a live room, fetched with
   * the page: the browser opens the room socket as soon as the UI runs, with no join round trip.
   */
  join?: JoinResult;
}

export type JoinResult = { ok: true; credentials: RoomCredentials } | { ok: false; code: string; message: string };

const credentialsOf = (join: RoomJoin): RoomCredentials => ({ token: join.token, signalingUrl: join.signalingUrl, expiresAt: join.expiresAt, iceServers: join.iceServers ?? [], hlsUrl: join.hlsUrl });

function failure(error: unknown): { ok: false; code: string; message: string } {
  if (error instanceof ApiRequestError) return { ok: false, code: error.code, message: error.message };
  throw error;
}

async function me(): Promise<{ name: string } | null> {
  if (!readSessionToken()) return null;
  return api
    .get('/auth/me', MeResponse)
    .then((r) => ({ name: r.user.name }))
    .catch(() => null);
}

/**
 * The room behind `/r/{org}/{room}` (or `/embed/{roomId}`), as this visitor may see it; with
 * `autoJoin`, also the visitor's room token when they join without asking and the room is live.
 */
export async function loadRoomPage(by: { orgSlug: string; roomSlug: string } | { roomId: string }, autoJoin?: AutoJoinRequest): Promise<RoomPage> {
  // A page that carries a room token is this visitor's alone: no cache may keep or share it.
  if (autoJoin) getRequestEvent()?.response.headers.set('cache-control', 'private, no-store');
  let path: string;
  try {
    path = 'roomId' in by ? apiPath`/public/rooms-by-id/${by.roomId}` : apiPath`/public/rooms/${by.orgSlug}/${by.roomSlug}`;
  } catch {
    return { room: null, viewer: await me() }; // `/r/../..`: no such room
  }
  // A named guest (not signed in) joins by the same path, at the same time as the lookup: the page
  // waits for one API round trip, not two. Best effort: without a token the page asks for one.
  const guest = autoJoin && !readSessionToken() ? automaticGuestName(false, autoJoin.name, autoJoin.embedded) : undefined;
  const [room, viewer, guestJoin] = await Promise.all([
    api.get(path, PublicRoomResponse).catch((error: unknown) => {
      if (error instanceof ApiRequestError && error.status === 404) return null;
      throw error;
    }),
    me(),
    guest?.join ? joinAsGuest(`${path}/join`, guest.guestName ?? '').catch(() => undefined) : undefined,
  ]);
  if (!room || room.status !== 'live' || !autoJoin) return { room, viewer };
  if (guestJoin?.ok) return { room, viewer, join: guestJoin };
  // A signed-in member joins as themself (the room's id is needed first).
  const auto = automaticGuestName(Boolean(viewer), autoJoin.name, autoJoin.embedded);
  const join = viewer && auto.join ? await joinRoom(room, auto.guestName).catch(() => undefined) : undefined;
  return { room, viewer, ...(join?.ok ? { join } : {}) };
}

async function joinAsGuest(joinPath: string, name: string): Promise<JoinResult> {
  try {
    return { ok: true, credentials: credentialsOf(await api.post(joinPath, RoomJoinResponse, { name }, { token: null })) };
  } catch (error) {
    return failure(error);
  }
}

/**
 * Viewer credentials: a signed-in member joins as themself; anyone else joins a public live room
 * as a guest under the name they typed.
 */
export async function joinRoom(room: { organizationId: string; roomId: string }, guestName: string | undefined): Promise<JoinResult> {
  try {
    if (readSessionToken()) {
      try {
        return { ok: true, credentials: credentialsOf(await api.post(apiPath`/organizations/${room.organizationId}/rooms/${room.roomId}/join`, RoomJoinResponse)) };
      } catch (error) {
        // Not a member of this organization (or a stale session): a public room still admits guests.
        if (!(error instanceof ApiRequestError && (error.status === 404 || error.status === 401 || error.status === 403))) throw error;
      }
    }
    return await joinAsGuest(apiPath`/public/rooms-by-id/${room.roomId}/join`, guestName ?? (await me())?.name ?? '');
  } catch (error) {
    return failure(error);
  }
}

/** Host: opens the live session (idempotent while live) and returns the host's credentials. */
export async function startRoom(room: { organizationId: string; roomId: string }): Promise<JoinResult> {
  try {
    const started = await api.post(apiPath`/organizations/${room.organizationId}/rooms/${room.roomId}/start`, RoomStarted);
    return { ok: true, credentials: credentialsOf(started.join) };
  } catch (error) {
    return failure(error);
  }
}

/** Host: fresh credentials for a reconnect after the token ran out (the session stays open). */
export async function rejoinRoom(room: { organizationId: string; roomId: string }): Promise<JoinResult> {
  try {
    return { ok: true, credentials: credentialsOf(await api.post(apiPath`/organizations/${room.organizationId}/rooms/${room.roomId}/join`, RoomJoinResponse)) };
  } catch (error) {
    return failure(error);
  }
}

export async function endRoom(room: { organizationId: string; roomId: string }): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
  try {
    await api.post(apiPath`/organizations/${room.organizationId}/rooms/${room.roomId}/end`, IgnoredBody);
    return { ok: true };
  } catch (error) {
    return failure(error);
  }
}

/** Host or co-host: a studio guest link for this room (`/guest/{roomId}#{invite}`). */
export async function createGuestInvite(room: { organizationId: string; roomId: string }): Promise<{ ok: true; path: string; expiresAt: string } | { ok: false; code: string; message: string }> {
  try {
    const invite = await api.post(apiPath`/organizations/${room.organizationId}/rooms/${room.roomId}/guest-invites`, GuestInviteResponse, {});
    return { ok: true, path: invite.path, expiresAt: invite.expiresAt };
  } catch (error) {
    return failure(error);
  }
}

/** The room's guest links (the studio lists them with Revoke). */
export async function listGuestInvites(room: { organizationId: string; roomId: string }): Promise<{ ok: true; invites: GuestInviteSummary[] } | { ok: false; code: string; message: string }> {
  try {
    const list = await api.get(apiPath`/organizations/${room.organizationId}/rooms/${room.roomId}/guest-invites`, GuestInviteList);
    return { ok: true, invites: list.invites };
  } catch (error) {
    return failure(error);
  }
}

/** Revokes a guest link: whoever opens it from now on is refused. */
export async function revokeGuestInvite(room: { organizationId: string; roomId: string }, inviteId: string): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
  try {
    await api.delete(apiPath`/organizations/${room.organizationId}/rooms/${room.roomId}/guest-invites/${inviteId}`);
    return { ok: true };
  } catch (error) {
    return failure(error);
  }
}

/** A studio guest (no account): the guest link and a name become a guest room token. */
export async function joinAsStudioGuest(roomId: string, invite: string, name: string): Promise<JoinResult> {
  try {
    const join = await api.post(apiPath`/public/rooms-by-id/${roomId}/guest-join`, RoomJoinResponse, { invite, name }, { token: null });
    return { ok: true, credentials: credentialsOf(join) };
  } catch (error) {
    return failure(error);
  }
}

export interface RoomFileChoice {
  id: string;
  name: string;
  sizeBytes: number;
  contentType: string;
}

/** A host or moderator who is a member: the organization's uploaded files, to pick one to share. */
export async function listRoomFiles(organizationId: string): Promise<{ ok: true; files: RoomFileChoice[] } | { ok: false; code: string; message: string }> {
  try {
    const { files } = await api.get(apiPath`/organizations/${organizationId}/files`, FileList);
    return { ok: true, files: files.map(({ id, name, sizeBytes, contentType }) => ({ id, name, sizeBytes, contentType })) };
  } catch (error) {
    return failure(error);
  }
}

/** Shares a file into the chat as the participant the room token names (the API checks their grant and the file's tenant). */
export async function shareRoomFile(roomId: string, roomToken: string, fileId: string): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
  try {
    await api.post(apiPath`/rooms/${roomId}/files`, IgnoredBody, { token: roomToken, fileId }, { token: null });
    return { ok: true };
  } catch (error) {
    return failure(error);
  }
}

/** A file shared in the chat: a presigned GET valid a few minutes, asked for when clicked. */
export async function roomFileDownload(roomId: string, roomToken: string, fileId: string): Promise<{ ok: true; url: string } | { ok: false; code: string; message: string }> {
  try {
    const { url } = await api.post(apiPath`/rooms/${roomId}/files/${fileId}/download`, RoomFileDownload, { token: roomToken }, { token: null });
    return { ok: true, url };
  } catch (error) {
    return failure(error);
  }
}
