// Bytes per organization against the plan's storage limit (5 GB / 25 GB / 100 GB / 1 TB).
// Stored bytes are confirmed uploads plus recordings (and their further tracks); a pending upload reserves its declared size
// until it is confirmed or cleaned up, so parallel uploads cannot together pass the limit.
import { and, eq, inArray, sql, sum } from 'drizzle-orm';
import { files, recordings, recordingTracks } from '@roomcast/schema/db';
import type { Tx } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import { effectivePlan } from '../plans/limits.ts';

export interface StorageUse {
  /** Confirmed files and recordings. */
  storedBytes: number;
  /** Declared sizes of uploads still pending. */
  reservedBytes: number;
}

export async function storageUse(tx: Tx, organizationId: string): Promise<StorageUse> {
  const [[uploaded], [pending], [recorded], [tracks]] = await Promise.all([
    tx.select({ bytes: sum(files.sizeBytes) }).from(files).where(and(eq(files.organizationId, organizationId), eq(files.status, 'uploaded'))),
    tx.select({ bytes: sum(files.sizeBytes) }).from(files).where(and(eq(files.organizationId, organizationId), eq(files.status, 'pending'))),
    tx
      .select({ bytes: sum(recordings.sizeBytes) })
      .from(recordings)
      .where(and(eq(recordings.organizationId, organizationId), inArray(recordings.status, ['recording', 'finalizing', 'ready', 'partial']))),
    // A recording's further tracks (screen shares): failed ones hold 0 bytes.
    tx.select({ bytes: sum(recordingTracks.sizeBytes) }).from(recordingTracks).where(eq(recordingTracks.organizationId, organizationId)),
  ]);
  return {
    storedBytes: Number(uploaded?.bytes ?? 0) + Number(recorded?.bytes ?? 0) + Number(tracks?.bytes ?? 0),
    reservedBytes: Number(pending?.bytes ?? 0),
  };
}

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(bytes < 1024 ** 3 ? 2 : 1)} GB`;

/**
 * Throws 403 `plan_limit` (limit `storage`) when `adding` more bytes would pass the plan's storage.
 * Serialized per organization, so two uploads checked at once cannot both take the last space.
 */
export async function assertStorageAvailable(tx: Tx, organizationId: string, adding: number): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${organizationId}), hashtext('storage'))`);
  const plan = await effectivePlan(tx, organizationId);
  const use = await storageUse(tx, organizationId);
  const current = use.storedBytes + use.reservedBytes;
  if (current + adding > plan.storageBytes) {
    throw new ApiError(
      403,
      'plan_limit',
      `The ${plan.name} plan includes ${gb(plan.storageBytes)} of storage; this organization uses ${gb(current)} and this needs ${gb(adding)} more. Delete files or recordings, or upgrade.`,
      { limit: 'storage', max: plan.storageBytes, current, adding, plan: plan.id },
    );
  }
}
