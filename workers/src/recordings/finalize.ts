// Finalizing a recording: the parts the media node uploaded while live are joined into one object
// (CompleteMultipartUpload: no copy, no transcode), its size is read back from the store and the
// recording becomes `ready` (or `partial` when its node was lost and only some parts arrived).
// With no part at all there is nothing to play: the upload is aborted and the recording `failed`.
import { eq } from 'drizzle-orm';
import { recordings } from '@roomcast/schema/db';
import type { Tx } from '../db/database.ts';
import type { CompletedPart, ObjectStore } from '../storage/object-store.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';

type RecordingRow = typeof recordings.$inferSelect;

/** What the recorder measured (ffprobe on the node); absent fields stay null. */
export interface RecordedMedia {
  durationMs?: number;
  videoCodec?: string;
  audioCodec?: string;
  /** false: the node uploaded no poster, so none is offered. */
  poster?: boolean;
  /** What went wrong on the node, if anything: the error of a recording that holds nothing. */
  failure?: string;
}

export async function finalizeRecording(
  tx: Tx,
  store: ObjectStore,
  row: RecordingRow,
  parts: CompletedPart[],
  media: RecordedMedia = {},
  outcome: 'ready' | 'partial' = 'ready',
): Promise<RecordingRow> {
  const endedAt = row.endedAt ?? new Date();
  const ref = { id: row.id, roomId: row.roomId, sessionId: row.roomSessionId };
  if (parts.length === 0 || !row.objectKey || !row.uploadId) {
    if (row.objectKey && row.uploadId) await store.abortMultipartUpload(row.objectKey, row.uploadId);
    const reason = `No media reached the recorder: ${media.failure ?? 'nothing was uploaded'}`.slice(0, 1000);
    const [failed] = await tx.update(recordings).set({ status: 'failed', uploadId: null, sizeBytes: 0, error: reason, endedAt }).where(eq(recordings.id, row.id)).returning();
    await emitWebhookEvent(tx, row.organizationId, 'recording.failed', { recording: ref, reason });
    return failed!;
  }
  await store.completeMultipartUpload(row.objectKey, row.uploadId, parts);
  const head = await store.head(row.objectKey);
  const sizeBytes = head?.sizeBytes ?? 0;
  const [done] = await tx
    .update(recordings)
    .set({
      status: outcome,
      uploadId: null,
      sizeBytes,
      durationMs: media.durationMs ?? null,
      videoCodec: media.videoCodec ?? null,
      audioCodec: media.audioCodec ?? null,
      ...(media.poster === false ? { posterKey: null } : {}),
      endedAt,
      readyAt: new Date(),
    })
    .where(eq(recordings.id, row.id))
    .returning();
  await emitWebhookEvent(tx, row.organizationId, 'recording.ready', {
    recording: { ...ref, durationMs: media.durationMs ?? 0, sizeBytes, endedAt: endedAt.toISOString() },
  });
  return done!;
}
