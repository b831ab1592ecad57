'use server';
// Rooms of an organization through the API: list, one room, create, edit, delete, start, end.
import { redirect } from '@solidjs/router';
import { CreateRoomInput, UpdateRoomInput } from '@roomcast/schema/api';
import { api, apiPath } from '~/server/api';
import { RoomEnded, RoomList, RoomResponse, RoomStarted, WorkspaceList } from '~/server/api-responses';
import type { Room, Workspace } from '~/server/api';
import { failure, field, parseForm } from '~/server/forms';
import { requireOrganization } from './organization.server';

export interface RoomsPage {
  rooms: Room[];
  workspaces: Workspace[];
}

export async function loadRooms(slug: string): Promise<RoomsPage> {
  const { organization } = await requireOrganization(slug);
  const [rooms, workspaces] = await Promise.all([
    api.get(`/organizations/${organization.id}/rooms`, RoomList),
    api.get(`/organizations/${organization.id}/workspaces`, WorkspaceList),
  ]);
  return { rooms: rooms.rooms, workspaces: workspaces.workspaces };
}

export async function loadRoom(slug: string, roomId: string): Promise<{ room: Room; workspaces: Workspace[] }> {
  const { organization } = await requireOrganization(slug);
  const [room, workspaces] = await Promise.all([
    api.get(apiPath`/organizations/${organization.id}/rooms/${roomId}`, RoomResponse),
    api.get(`/organizations/${organization.id}/workspaces`, WorkspaceList),
  ]);
  return { room, workspaces: workspaces.workspaces };
}

const orgPath = (form: FormData) => apiPath`/organizations/${form.get('organizationId')}`;
const roomPath = (form: FormData) => orgPath(form) + apiPath`/rooms/${form.get('roomId')}`;

export async function createRoom(form: FormData) {
  try {
    const input = parseForm(CreateRoomInput, {
      workspaceId: field(form, 'workspaceId'),
      title: field(form, 'title'),
      slug: field(form, 'slug'),
      visibility: field(form, 'visibility'),
    });
    const room = await api.post(`${orgPath(form)}/rooms`, RoomResponse, input);
    return { ok: true as const, room };
  } catch (error) {
    return failure(error);
  }
}

export async function updateRoom(form: FormData) {
  try {
    const input = parseForm(UpdateRoomInput, {
      title: field(form, 'title'),
      slug: field(form, 'slug'),
      visibility: field(form, 'visibility'),
      workspaceId: field(form, 'workspaceId'),
      // Empty: HLS only on demand (null turns it off; a number is checked by the schema).
      hlsAutoViewers: field(form, 'hlsAutoViewers') === undefined ? null : Number(field(form, 'hlsAutoViewers')),
    });
    const room = await api.patch(roomPath(form), RoomResponse, input);
    return { ok: true as const, room };
  } catch (error) {
    return failure(error);
  }
}

export async function deleteRoom(form: FormData) {
  try {
    await api.delete(roomPath(form));
  } catch (error) {
    return failure(error);
  }
  throw redirect(`/app/${encodeURIComponent(String(form.get('orgSlug') ?? ''))}/rooms`);
}

export async function startRoom(form: FormData) {
  try {
    const result = await api.post(`${roomPath(form)}/start`, RoomStarted);
    return { ok: true as const, room: result.room };
  } catch (error) {
    return failure(error);
  }
}

export async function endRoom(form: FormData) {
  try {
    const result = await api.post(`${roomPath(form)}/end`, RoomEnded);
    return { ok: true as const, room: result.room };
  } catch (error) {
    return failure(error);
  }
}
