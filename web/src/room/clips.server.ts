'use server';
// Server functions of the studio's clip deck (BFF): the organization's videos a host may play into
// the show (uploaded video files and playable recordings), and, when one is about to play, a
// short-lived presigned GET for it. Both go through the API with the signed-in member's session,
// so the API's tenancy applies: another organization's file or recording is a 404.
import { api, apiPath, ApiRequestError } from '~/server/api';
import { FileList, FileResponse, RecordingList, RecordingResponse, RoomList } from '~/server/api-responses';

/** What the deck lists: enough to name a clip and ask for its URL later (URLs expire, so not now). */
export interface ClipChoice {
  kind: 'file' | 'recording';
  id: string;
  name: string;
  durationMs: number | null;
}

type Failure = { ok: false; code: string; message: string };

function failure(error: unknown): Failure {
  if (error instanceof ApiRequestError) return { ok: false, code: error.code, message: error.message };
  throw error;
}

/** Video types a browser plays in a <video> (what the Files API accepts as video). */
const PLAYABLE = new Set(['video/webm', 'video/mp4']);

const dateOf = (iso: string) => new Date(iso).toISOString().slice(0, 16).replace('T', ' ');

/** The organization's uploaded videos, then its playable recordings (newest first, each). */
export async function listClipLibrary(organizationId: string): Promise<{ ok: true; clips: ClipChoice[] } | Failure> {
  try {
    const [{ files }, { recordings }, { rooms }] = await Promise.all([
      api.get(apiPath`/organizations/${organizationId}/files`, FileList),
      api.get(apiPath`/organizations/${organizationId}/recordings`, RecordingList),
      // Room titles only name the recordings: the list stands without them.
      api.get(apiPath`/organizations/${organizationId}/rooms`, RoomList).catch(() => ({ rooms: [] })),
    ]);
    const titles = new Map(rooms.map((r) => [r.id, r.title]));
    const videos: ClipChoice[] = files.filter((f) => PLAYABLE.has(f.contentType)).map((f) => ({ kind: 'file', id: f.id, name: f.name, durationMs: null }));
    const recorded: ClipChoice[] = recordings
      // An HLS recording is a playlist, not one file a <video> plays: the deck leaves it out.
      .filter((r) => (r.status === 'ready' || r.status === 'partial') && r.videoCodec !== null && r.source !== 'hls')
      .map((r) => ({ kind: 'recording', id: r.id, name: `${titles.get(r.roomId) ?? 'Room'} · recorded ${dateOf(r.startedAt)}`, durationMs: r.durationMs }));
    return { ok: true, clips: [...videos, ...recorded] };
  } catch (error) {
    return failure(error);
  }
}

/** A presigned GET for one clip, asked for just before it plays (valid a few minutes). */
export async function clipPlaybackUrl(organizationId: string, clip: { kind: string; id: string }): Promise<{ ok: true; url: string } | Failure> {
  try {
    if (clip.kind === 'file') {
      const { downloadUrl } = await api.get(apiPath`/organizations/${organizationId}/files/${clip.id}`, FileResponse);
      return downloadUrl ? { ok: true, url: downloadUrl } : { ok: false, code: 'file_not_uploaded', message: 'This file has not finished uploading' };
    }
    if (clip.kind === 'recording') {
      const { playbackUrl } = await api.get(apiPath`/organizations/${organizationId}/recordings/${clip.id}`, RecordingResponse);
      return playbackUrl ? { ok: true, url: playbackUrl } : { ok: false, code: 'recording_not_ready', message: 'This recording cannot be played yet' };
    }
    return { ok: false, code: 'invalid_clip', message: 'A clip is an uploaded file or a recording' };
  } catch (error) {
    return failure(error);
  }
}
