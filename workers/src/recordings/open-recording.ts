// Opening a server recording, for the start route and for a room whose `recording` flag is on
// when it goes live (the Go live route and WHIP): the row, its multipart upload, the audit and
// webhook, inside the caller's transaction; then the RoomDO is told (after the commit), which
// shows the REC badge and has the origin node record.
import { recordings } from '@roomcast/schema/db';
import { eq } from 'drizzle-orm';
import type { Tx } from '../db/database.ts';
import type { Env } from '../env.ts';
import { conflict, isUniqueViolation } from '../errors.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';
import { roomStub } from '../rooms/room-stub.ts';
import { recordingObjectKey, recordingPosterKey } from '../storage/object-keys.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { assertStorageAvailable } from '../storage/storage-quota.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';

type RecordingRow = typeof recordings.$inferSelect;

/** Free storage a recording needs to start: about an hour of 720p at 2.5 Mbit/s. */
export const RECORDING_START_HEADROOM_BYTES = 1024 ** 3;

/**
 * Opens a recording of the room's live session. Throws 403 plan_limit (recording or storage) and
 * 409 recording_active like the start route; `startedBy` null: started by the room's flag.
 */
export async function openRecording(
  tx: Tx,
  store: ObjectStore,
  input: { organizationId: string; roomId: string; sessionId: string; startedBy: string | null; source?: 'server' | 'local' },
): Promise<RecordingRow> {
  const { organizationId: org, roomId, sessionId } = input;
  // A local recording is MediaRecorder's WebM, written by the browser: no poster is cut for it.
  const local = input.source === 'local';
  assertFeature(await effectivePlan(tx, org), 'recording');
  await assertStorageAvailable(tx, org, RECORDING_START_HEADROOM_BYTES);
  const id = crypto.randomUUID();
  const objectKey = recordingObjectKey(org, id);
  let created: RecordingRow;
  try {
    [created] = (await tx
      .insert(recordings)
      .values({ id, organizationId: org, roomId, roomSessionId: sessionId, status: 'recording', source: local ? 'local' : 'server', objectKey, posterKey: local ? null : recordingPosterKey(org, id), sizeBytes: 0, startedBy: input.startedBy })
      .returning()) as [RecordingRow];
  } catch (error) {
    if (isUniqueViolation(error, 'recordings_active_key')) throw conflict('This room is already being recorded', 'recording_active');
    throw error;
  }
  // Opened last: a refused start leaves no upload behind.
  const uploadId = await store.createMultipartUpload(objectKey, local ? 'video/webm' : 'video/mp4');
  [created] = (await tx.update(recordings).set({ uploadId }).where(eq(recordings.id, id)).returning()) as [RecordingRow];
  await emitWebhookEvent(tx, org, 'recording.started', { recording: { id, roomId, sessionId, startedAt: created.startedAt.toISOString() } });
  return created;
}

/** After the commit: the room shows the REC badge and its origin node records. */
export function announceRecording(env: Pick<Env, 'ROOM'>, row: RecordingRow): Promise<void> {
  return roomStub(env, row.roomId).recordingStarted({
    recordingId: row.id,
    roomId: row.roomId,
    organizationId: row.organizationId,
    objectKey: row.objectKey!,
    uploadId: row.uploadId!,
    posterKey: row.posterKey!,
    startedAt: row.startedAt.toISOString(),
  });
}

/**
 * A room going live with its `recording` flag on: a recording is opened in a savepoint, so a plan
 * without recording or a full storage skips it (logged) instead of refusing to go live.
 */
export async function openFlaggedRecording(tx: Tx, store: ObjectStore | undefined, input: { organizationId: string; roomId: string; sessionId: string }): Promise<RecordingRow | undefined> {
  if (!store) return undefined;
  try {
    return await tx.transaction((sp) => openRecording(sp as unknown as Tx, store, { ...input, startedBy: null }));
  } catch (error) {
    console.warn('recording: the room records automatically, but this recording could not start', input.roomId, error instanceof Error ? error.message : error);
    return undefined;
  }
}
