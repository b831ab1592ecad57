// The storage check an automatic HLS start makes (the room's hlsAutoViewers threshold), as the
// manual start (hls-routes.ts) does: the run becomes a recording, so it needs the same headroom a
// server recording needs to start. Run by the RoomDO, which has no request to answer 403 to: the
// refusal's message is kept on the run it did not start (room-hls.ts `refuse`).
import type { Config } from '../config.ts';
import { Database } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import { RECORDING_START_HEADROOM_BYTES } from '../recordings/open-recording.ts';
import { assertStorageAvailable } from '../storage/storage-quota.ts';

/** Why the organization cannot start HLS now (its plan's storage), or null when it can. */
export async function hlsStorageRefusal(config: Config, organizationId: string): Promise<string | null> {
  const db = new Database(config);
  try {
    await db.scoped({ organizationId }, (tx) => assertStorageAvailable(tx, organizationId, RECORDING_START_HEADROOM_BYTES));
    return null;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'plan_limit') return error.message;
    throw error;
  } finally {
    await db.close();
  }
}
