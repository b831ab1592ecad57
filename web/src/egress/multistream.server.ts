'use server';
// Multistream through the API with the signed-in user's session: the organization's destinations
// (the dashboard adds and removes them; the stream key goes up once and only its last 4 come back)
// and, in the studio, starting and stopping each one in the live room and reading their states.
import { api, apiPath, IgnoredBody } from '~/server/api';
import { ApiRequestError } from '~/server/api-error';
import { DestinationCreated, DestinationList, RoomEgressResponse, RtmpOutputStarted } from '~/server/api-responses';
import { failure } from '~/server/forms';
// Type-only, in its own statement: nothing of the schemas may reach the browser build from here.
import type { EgressDestination, RtmpOutputStatus } from '@roomcast/schema/api';

type Failed = { ok: false; code: string; message: string };
const failed = (error: unknown): Failed => {
  if (error instanceof ApiRequestError) return { ok: false, code: error.code, message: error.message };
  throw error;
};

/** The destinations offered in a room (the organization's and the room's own), or all of the organization's. */
export async function loadDestinations(organizationId: string, roomId?: string): Promise<{ ok: true; destinations: EgressDestination[] } | Failed> {
  try {
    const path = apiPath`/organizations/${organizationId}/egress/destinations`;
    const list = await api.get(roomId ? `${path}?roomId=${encodeURIComponent(roomId)}` : path, DestinationList);
    return { ok: true, destinations: list.destinations };
  } catch (error) {
    return failed(error);
  }
}

/** Dashboard form: kind, name, ingest URL (custom, or to override a platform's), stream key, optional room. */
export async function addDestination(form: FormData) {
  try {
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const roomId = text('roomId');
    const created = await api.post(apiPath`/organizations/${text('organizationId')}/egress/destinations`, DestinationCreated, {
      kind: text('kind'),
      name: text('name'),
      streamKey: text('streamKey'),
      ...(text('ingestUrl') ? { ingestUrl: text('ingestUrl') } : {}),
      ...(roomId ? { roomId } : {}),
    });
    return { ok: true as const, destination: created.destination };
  } catch (error) {
    return failure(error);
  }
}

export async function removeDestination(form: FormData) {
  try {
    await api.delete(apiPath`/organizations/${String(form.get('organizationId'))}/egress/destinations/${String(form.get('destinationId'))}`);
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}

/** Studio: start or stop one destination in the live room. */
export async function switchDestination(room: { organizationId: string; roomId: string }, destinationId: string, action: 'start' | 'stop'): Promise<{ ok: true } | Failed> {
  try {
    const path = apiPath`/organizations/${room.organizationId}/rooms/${room.roomId}/egress/rtmp/${destinationId}/${action}`;
    await api.post(path, action === 'start' ? RtmpOutputStarted : IgnoredBody);
    return { ok: true };
  } catch (error) {
    return failed(error);
  }
}

/** Studio: each destination pushed from the room and its state. */
export async function loadRoomOutputs(room: { organizationId: string; roomId: string }): Promise<{ ok: true; outputs: RtmpOutputStatus[] } | Failed> {
  try {
    return { ok: true, outputs: (await api.get(apiPath`/organizations/${room.organizationId}/rooms/${room.roomId}/egress`, RoomEgressResponse)).outputs };
  } catch (error) {
    return failed(error);
  }
}
