// Stale uploads: an upload declared but never completed (a closed tab, a lost network) holds its
// reserved bytes and, when multipart, parts the store keeps and bills for. The cron aborts such
// uploads, deletes whatever object landed and frees the reservation. The local S3 server has no
// ListMultipartUploads, and neither is needed: every upload we open is a row with its upload id.
import { and, eq, lt } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import { files } from '@roomcast/schema/db';
import type { Config } from '../config.ts';
import { Database } from '../db/database.ts';
import { deleteStoredFile } from './file-routes.ts';
import { ObjectStore } from './object-store.ts';

/** How long an upload may stay pending: part URLs live 6 hours, so a live upload is never cut. */
export const STALE_UPLOAD_AFTER_MS = 24 * 3600_000;

/** Cleans every organization's stale uploads; answers how many were removed. */
export async function cleanStaleUploads(config: Config, now = new Date(), staleAfterMs = STALE_UPLOAD_AFTER_MS): Promise<number> {
  if (!config.storage) return 0;
  const store = new ObjectStore(config.storage);
  const before = new Date(now.getTime() - staleAfterMs);
  const db = new Database(config);
  let removed = 0;
  try {
    const orgs = await db.global((g) => g.execute<{ organization_id: string }>(sql`select organization_id from app_storage_stale_upload_organizations(${before.toISOString()})`));
    for (const { organization_id: organizationId } of orgs.rows) {
      removed += await db.scoped({ organizationId }, async (tx) => {
        const stale = await tx.select().from(files).where(and(eq(files.organizationId, organizationId), eq(files.status, 'pending'), lt(files.createdAt, before)));
        for (const row of stale) await deleteStoredFile(tx, store, row);
        return stale.length;
      });
    }
  } finally {
    await db.close();
  }
  return removed;
}
