'use server';
// Server recordings of an organization through the API: the VOD library and one recording with
// its presigned playback URL (valid a few minutes: fetched when the player opens, never stored).
import type { z } from 'zod';
import type { Recording, RecordingWithPlayback } from '@roomcast/schema/api';
import { api, apiPath, IgnoredBody } from '~/server/api';
import { RecordingList, RecordingResponse, RoomList } from '~/server/api-responses';
import { failure } from '~/server/forms';
import { requireOrganization } from './organization.server';

export interface RecordingsPage {
  /** Newest first, each with a short-lived poster URL (null when it has none). */
  recordings: (z.infer<typeof Recording> & { posterUrl: string | null })[];
  /** The next (older) page's `before`, null on the last page. */
  nextCursor: string | null;
  /** Room titles by id, for the list. */
  roomTitles: Record<string, string>;
}

/** One page of the library; `before`: the nextCursor of the page before. */
export async function loadRecordings(slug: string, before?: string): Promise<RecordingsPage> {
  const { organization } = await requireOrganization(slug);
  const query = before ? `?before=${encodeURIComponent(before)}` : '';
  const [recordings, rooms] = await Promise.all([
    api.get(`/organizations/${organization.id}/recordings${query}`, RecordingList),
    api.get(`/organizations/${organization.id}/rooms`, RoomList),
  ]);
  return { recordings: recordings.recordings, nextCursor: recordings.nextCursor, roomTitles: Object.fromEntries(rooms.rooms.map((r) => [r.id, r.title])) };
}

export async function loadRecording(slug: string, recordingId: string): Promise<z.infer<typeof RecordingWithPlayback>> {
  const { organization } = await requireOrganization(slug);
  return api.get(apiPath`/organizations/${organization.id}/recordings/${recordingId}`, RecordingResponse);
}

export async function deleteRecording(form: FormData) {
  try {
    await api.delete(apiPath`/organizations/${form.get('organizationId')}/recordings/${form.get('recordingId')}`);
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}

export async function publishRecording(form: FormData) {
  try {
    const action = form.get('publish') === 'true' ? 'publish' : 'unpublish';
    await api.post(apiPath`/organizations/${form.get('organizationId')}/recordings/${form.get('recordingId')}/${action}`, IgnoredBody);
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}
