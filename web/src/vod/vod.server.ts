'use server';
// Published recordings for anyone (no session): an organization's public page and the VOD embed.
// The API answers only published recordings of public rooms; anything else is null here (a 404).
import type { z } from 'zod';
import type { PublicRecordingList, PublicRecordingPlayback } from '@roomcast/schema/api';
import { api, apiPath, ApiRequestError } from '~/server/api';
import { PublicRecordingListResponse, PublicRecordingResponse } from '~/server/api-responses';

async function orNull<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 404) return null;
    throw error;
  }
}

/** One page of the organization's published recordings; `before`: the nextCursor of the page before. */
export async function loadPublicRecordings(orgSlug: string, before?: string): Promise<z.infer<typeof PublicRecordingList> | null> {
  const query = before ? `?before=${encodeURIComponent(before)}` : '';
  return orNull(api.get(`${apiPath`/public/organizations/${orgSlug}/recordings`}${query}`, PublicRecordingListResponse, { token: null }));
}

export async function loadPublicRecording(recordingId: string): Promise<z.infer<typeof PublicRecordingPlayback> | null> {
  return orNull(api.get(apiPath`/public/recordings/${recordingId}`, PublicRecordingResponse, { token: null }));
}
