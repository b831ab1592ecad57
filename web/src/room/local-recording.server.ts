'use server';
// The studio's local recording through the API (BFF, with the signed-in host's session): open it
// (plan and storage checked there: 403 plan_limit), more presigned part URLs as it grows, and the
// completion with every part's ETag. The bytes go from the browser straight to the store.
import { api, apiPath } from '~/server/api';
import { LocalRecordingPartUrlsResponse, RecordingOnlyResponse, StartedLocalRecordingResponse } from '~/server/api-responses';
import { failure } from '~/server/forms';

interface RoomIds {
  organizationId: string;
  roomId: string;
}

export async function startLocalRecording(ids: RoomIds) {
  try {
    return { ok: true as const, ...(await api.post(apiPath`/organizations/${ids.organizationId}/rooms/${ids.roomId}/local-recordings`, StartedLocalRecordingResponse)) };
  } catch (error) {
    return failure(error);
  }
}

export async function localRecordingPartUrls(input: { organizationId: string; recordingId: string; fromPart: number; count: number }) {
  try {
    const body = { fromPart: input.fromPart, count: input.count };
    return { ok: true as const, ...(await api.post(apiPath`/organizations/${input.organizationId}/recordings/${input.recordingId}/part-urls`, LocalRecordingPartUrlsResponse, body)) };
  } catch (error) {
    return failure(error);
  }
}

export async function completeLocalRecording(input: {
  organizationId: string;
  recordingId: string;
  parts: { partNumber: number; etag: string }[];
  durationMs: number;
  videoCodec: 'vp8' | 'vp9' | 'h264' | 'av1' | null;
  audioCodec: 'opus' | null;
}) {
  try {
    const { organizationId, recordingId, ...body } = input;
    return { ok: true as const, ...(await api.post(apiPath`/organizations/${organizationId}/recordings/${recordingId}/complete`, RecordingOnlyResponse, body)) };
  } catch (error) {
    return failure(error);
  }
}
