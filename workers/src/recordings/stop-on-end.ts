// A room session that ends stops its recording: whoever ends it (the REST end, a host's
// room.end, the empty-room alarm), the recording is finalized in the same transaction, so no
// recording is left `recording` (which would also block the room's next one).
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { recordings } from '@roomcast/schema/db';
import { loadConfig } from '../config.ts';
import type { Tx } from '../db/database.ts';
import type { Env } from '../env.ts';
import { ObjectStore } from '../storage/object-store.ts';
import { finalizeRecording } from './finalize.ts';

export async function stopActiveRecordings(tx: Tx, roomId: string): Promise<void> {
  const active = await tx.select().from(recordings).where(and(eq(recordings.roomId, roomId), eq(recordings.status, 'recording')));
  if (active.length === 0) return;
  const storage = loadConfig(env as unknown as Env).storage;
  for (const row of active) {
    if (storage) await finalizeRecording(tx, new ObjectStore(storage), row, []);
    else await tx.update(recordings).set({ status: 'failed', error: 'Object storage is not configured', endedAt: new Date() }).where(eq(recordings.id, row.id));
  }
}
