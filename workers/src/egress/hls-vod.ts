// An ended HLS run kept as a VOD in the recordings library (source `hls`): the run's playlist is
// the recording's object, every file under the run's prefix counts against the plan's storage
// (size_bytes), the duration is the playlist's EXTINF sum. Written once per run, by the RoomDO when
// the run reaches its end (room-hls.ts): stopped, ended with the room, or failed after it had a
// playlist. The recording id is the run's id, so a second write is a no-op. Played through the
// /hls serving route (hls-serving.ts: /hls/{room}/{run}.m3u8), deleted with every file of the run.
import { recordings } from '@roomcast/schema/db';
import type { Config } from '../config.ts';
import { Database } from '../db/database.ts';
import { hlsRunOfKey } from '../storage/object-keys.ts';
import { ObjectStore } from '../storage/object-store.ts';
import { emitWebhookEvent } from '../webhooks/events.ts';
import { wakeWebhookDelivery } from '../webhooks/wake.ts';

export const HLS_PLAYLIST_FILE = 'index.m3u8';

export interface EndedHlsRun {
  hlsId: string;
  keyPrefix: string;
  sessionId: string | null;
  startedAt: string;
  endedAt: string;
  /** `partial`: the run failed (node lost, encoder died) after some of it reached the store. */
  outcome: 'ready' | 'partial';
  /** The playlist the recording plays: the run's own, or its legs joined (hls-legs.ts). */
  playlistFile?: string;
}

/** The playlist's length: the sum of its segments' EXTINF durations, in milliseconds. */
export function playlistDurationMs(playlist: string): number {
  let seconds = 0;
  for (const [, duration] of playlist.matchAll(/^#EXTINF:([0-9.]+)/gm)) seconds += Number(duration);
  return Math.round(seconds * 1000);
}

/**
 * Writes the run's recording row (once: the id is the run's). Nothing when the run never wrote a
 * playlist (stopped or failed while starting): there is nothing to play. The row, or null.
 */
export async function keepHlsRunAsVod(config: Config, run: EndedHlsRun): Promise<typeof recordings.$inferSelect | null> {
  const owner = hlsRunOfKey(run.keyPrefix);
  if (!owner || owner.hlsId !== run.hlsId || !config.storage) return null;
  const store = new ObjectStore(config.storage);
  const playlistKey = `${run.keyPrefix}${run.playlistFile ?? HLS_PLAYLIST_FILE}`;
  const playlist = await store.get(playlistKey);
  if (!playlist) return null;
  const durationMs = playlistDurationMs(new TextDecoder().decode(await playlist.arrayBuffer()));
  const sizeBytes = (await store.list(run.keyPrefix)).reduce((sum, object) => sum + object.sizeBytes, 0);
  const db = new Database(config);
  try {
    const row = await db.scoped({ organizationId: owner.organizationId }, async (tx) => {
      const [inserted] = await tx
        .insert(recordings)
        .values({
          id: run.hlsId,
          organizationId: owner.organizationId,
          roomId: owner.roomId,
          roomSessionId: run.sessionId,
          status: run.outcome,
          source: 'hls',
          objectKey: playlistKey,
          durationMs,
          sizeBytes,
          // The node copies H.264 (or transcodes VP8 to it) and encodes Opus to AAC.
          videoCodec: 'h264',
          audioCodec: 'aac',
          startedAt: new Date(run.startedAt),
          endedAt: new Date(run.endedAt),
          readyAt: new Date(),
        })
        .onConflictDoNothing({ target: recordings.id })
        .returning();
      if (!inserted) return null;
      await emitWebhookEvent(tx, owner.organizationId, 'recording.ready', {
        recording: { id: inserted.id, roomId: inserted.roomId, sessionId: inserted.roomSessionId, durationMs, sizeBytes, endedAt: run.endedAt },
      });
      return inserted;
    });
    if (row) await wakeWebhookDelivery(owner.organizationId);
    return row;
  } finally {
    await db.close();
  }
}

/** Removes every file of the run the recording `objectKey` (its playlist) belongs to. */
export async function deleteHlsRun(store: ObjectStore, objectKey: string): Promise<void> {
  const run = hlsRunOfKey(objectKey);
  if (!run) return;
  const objects = await store.list(run.keyPrefix);
  // A few at a time: a long run has thousands of segments, and the store has its own limits.
  for (let i = 0; i < objects.length; i += 16) await Promise.all(objects.slice(i, i + 16).map((object) => store.delete(object.key)));
}
