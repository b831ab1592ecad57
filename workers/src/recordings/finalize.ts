// Finalizing a recording: the parts the media node uploaded while live are joined into one object
// (CompleteMultipartUpload: no copy, no transcode), its size is read back from the store and the
// recording becomes `ready` (or `partial` when its node was lost and only some parts arrived).
// With no part at all there is nothing to play: the upload is aborted and the recording `failed`.
// A server recording's further tracks (a screen share, a late camera: recording_tracks) are
// finalized the same way with it, each on its own: ready, partial, or failed with no part.
import { and, eq } from 'drizzle-orm';
import { recordings, recordingTracks } from '@roomcast/schema/db';
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

/** What the room reports for one further track at stop (or after its node was lost). */
export interface TrackResult {
  trackId: string;
  parts: CompletedPart[];
  media: Pick<RecordedMedia, 'durationMs' | 'videoCodec' | 'failure'>;
  outcome: 'ready' | 'partial';
}

export async function finalizeRecording(
  tx: Tx,
  store: ObjectStore,
  row: RecordingRow,
  parts: CompletedPart[],
  media: RecordedMedia = {},
  outcome: 'ready' | 'partial' = 'ready',
  tracks: TrackResult[] = [],
): Promise<RecordingRow> {
  await finalizeTracks(tx, store, row, tracks);
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

/**
 * Completes each track of the recording still open, with what the room reported for it; a track the
 * room knows nothing of (its state lost) or with no part is aborted and `failed`.
 */
async function finalizeTracks(tx: Tx, store: ObjectStore, row: RecordingRow, results: TrackResult[]): Promise<void> {
  const open = await tx
    .select()
    .from(recordingTracks)
    .where(and(eq(recordingTracks.recordingId, row.id), eq(recordingTracks.organizationId, row.organizationId), eq(recordingTracks.status, 'recording')));
  for (const track of open) {
    const result = results.find((r) => r.trackId === track.id);
    if (!result || result.parts.length === 0 || !track.uploadId) {
      if (track.uploadId) await store.abortMultipartUpload(track.objectKey, track.uploadId);
      const error = `No media reached the recorder: ${result ? (result.media.failure ?? 'nothing was uploaded') : 'the room did not report this track'}`.slice(0, 1000);
      await tx.update(recordingTracks).set({ status: 'failed', uploadId: null, sizeBytes: 0, error }).where(eq(recordingTracks.id, track.id));
      continue;
    }
    await store.completeMultipartUpload(track.objectKey, track.uploadId, result.parts);
    const head = await store.head(track.objectKey);
    await tx
      .update(recordingTracks)
      .set({ status: result.outcome, uploadId: null, sizeBytes: head?.sizeBytes ?? 0, durationMs: result.media.durationMs ?? null, videoCodec: result.media.videoCodec ?? null })
      .where(eq(recordingTracks.id, track.id));
  }
}
