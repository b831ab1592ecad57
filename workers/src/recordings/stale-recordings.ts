// Stale recordings: one left `recording` after its room session ended, or `finalizing` an hour
// after its stop, holds an open multipart upload (parts the store keeps and bills for) and blocks
// nothing else. The cron asks the room for the parts its node reported (the RoomDO keeps them) and
// completes the upload with them as `partial`, or aborts it and marks the recording `failed` when
// there are none (finalize.ts). Deleting a recording aborts its upload too (recording-routes.ts).
// A local recording whose studio never completed it (a closed tab) is aborted and `failed`: only
// the browser knew its parts' ETags.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { recordings } from '@roomcast/schema/db';
import type { Config } from '../config.ts';
import { Database } from '../db/database.ts';
import type { Env } from '../env.ts';
import { roomStub } from '../rooms/room-stub.ts';
import { ObjectStore } from '../storage/object-store.ts';
import { finalizeRecording } from './finalize.ts';

/** How long a recording may stay unfinished after its session ended or its stop began. */
export const STALE_RECORDING_AFTER_MS = 3600_000;

/** Completes or aborts every organization's stale recordings; answers how many. */
export async function cleanStaleRecordings(config: Config, env: Pick<Env, 'ROOM'>, now = new Date(), staleAfterMs = STALE_RECORDING_AFTER_MS): Promise<number> {
  if (!config.storage) return 0;
  const store = new ObjectStore(config.storage);
  const before = new Date(now.getTime() - staleAfterMs).toISOString();
  const db = new Database(config);
  let cleaned = 0;
  try {
    const orgs = await db.global((g) => g.execute<{ organization_id: string }>(sql`select organization_id from app_recordings_stale_organizations(${before})`));
    for (const { organization_id: organizationId } of orgs.rows) {
      const stale = await db.scoped({ organizationId }, (tx) =>
        tx
          .select()
          .from(recordings)
          .where(and(eq(recordings.organizationId, organizationId), inArray(recordings.status, ['recording', 'finalizing']))),
      );
      for (const row of stale) {
        // The same test as the function's, per row (the function only names organizations).
        const ended = await db.scoped({ organizationId }, (tx) =>
          tx.execute<{ stale: boolean }>(sql`select exists (select 1 from recordings r left join room_sessions s on s.id = r.room_session_id
            where r.id = ${row.id} and ((r.status = 'finalizing' and r.ended_at < ${before}) or (r.status = 'recording' and s.ended_at < ${before}))) as stale`),
        );
        if (!ended.rows[0]?.stale) continue;
        const held =
          row.source === 'local'
            ? { parts: [], media: { failure: 'the studio recording it locally never completed it' }, outcome: 'partial' as const }
            : await roomStub(env, row.roomId)
                .stopRecorder(row.id)
                .catch(() => null);
        await db.scoped({ organizationId }, (tx) => finalizeRecording(tx, store, row, held?.parts ?? [], held?.media, held?.outcome ?? 'partial', held && 'tracks' in held ? held.tracks : []));
        cleaned++;
      }
    }
  } finally {
    await db.close();
  }
  return cleaned;
}
