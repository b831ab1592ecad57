// A room session that ends stops its recording: whoever ends it (the REST end, a host's
// room.end, the empty-room alarm), the recording is finalized in the same transaction, so no
// recording is left `recording` (which would also block the room's next one). The room's node
// uploads what it still holds first, so the recording is complete, not cut. A local recording is
// left to the studio that records it: it completes it when it sees the room end.
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { recordings } from '@roomcast/schema/db';
import { loadConfig } from '../config.ts';
import type { Tx } from '../db/database.ts';
import type { Env } from '../env.ts';
import { ObjectStore } from '../storage/object-store.ts';
import type { RecorderResult } from '../rooms/media/room-recorder.ts';
import { roomStub } from '../rooms/room-stub.ts';
import { finalizeRecording } from './finalize.ts';

/** How the room's recorder is stopped: through the RoomDO's stub, or directly when the RoomDO itself ends the session. */
export type StopRecorder = (recordingId: string) => Promise<RecorderResult | null>;

export async function stopActiveRecordings(tx: Tx, roomId: string, stopRecorder?: StopRecorder): Promise<void> {
  const active = await tx.select().from(recordings).where(and(eq(recordings.roomId, roomId), eq(recordings.status, 'recording'), eq(recordings.source, 'server')));
  if (active.length === 0) return;
  const workerEnv = env as unknown as Env;
  const storage = loadConfig(workerEnv).storage;
  const stop = stopRecorder ?? ((id: string) => roomStub(workerEnv, roomId).stopRecorder(id));
  for (const row of active) {
    // The node uploads the rest first; a room that cannot answer leaves what was reported (or nothing).
    const stopped = await stop(row.id).catch((error: unknown) => (console.error('recording: stopping the recorder at room end failed', error), null));
    if (storage) await finalizeRecording(tx, new ObjectStore(storage), row, stopped?.parts ?? [], stopped?.media, stopped?.outcome);
    else await tx.update(recordings).set({ status: 'failed', error: 'Object storage is not configured', endedAt: new Date() }).where(eq(recordings.id, row.id));
  }
}
