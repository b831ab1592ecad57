// A multistream destination's full URL (ingest URL + stream key), opened from its sealed key only
// at the moment a node is told to push: by the start route, and by the RoomDO when it restarts the
// room's destinations on a new origin node (rooms/media/room-multistream.ts). The URL is never
// stored anywhere in clear; reading the row again at a restart also honours a key changed,
// a destination disabled or deleted meanwhile, and a plan that no longer includes multistream.
import { and, eq } from 'drizzle-orm';
import type { DestinationKind } from '@roomcast/schema/api';
import { egressDestinations } from '@roomcast/schema/db';
import type { Config } from '../config.ts';
import { Database } from '../db/database.ts';
import { effectivePlan } from '../plans/limits.ts';
import { openSecret } from '../webhooks/secret-box.ts';

/** What a destination's sealed key is bound to: a key copied into another row does not open. */
export const streamKeyContext = (destinationId: string) => `egress_stream_key:${destinationId}`;

export interface OpenedDestination {
  destinationId: string;
  name: string;
  kind: DestinationKind;
  url: string;
}

/** The URL the node pushes to, stream key included. */
export async function destinationUrl(config: Config, row: { id: string; ingestUrl: string; streamKeySealed: string }): Promise<string> {
  const key = await openSecret(config.webhooks.secretKeys, streamKeyContext(row.id), row.streamKeySealed);
  return `${row.ingestUrl}/${key}`;
}

/** A destination opened again for a restart, or why it is not pushed any more. */
export type ReopenedDestination = { ok: true; destination: OpenedDestination } | { ok: false; reason: string };

/**
 * The destination as it is now in Postgres, opened, as the start route would allow it: refused
 * when it was deleted or disabled since (or is another room's: `roomId` must match a room-scoped
 * destination), or when the organization's plan no longer includes multistream (a downgrade or
 * a lapsed subscription while the room was live).
 */
export async function reopenDestination(config: Config, organizationId: string, roomId: string, destinationId: string): Promise<ReopenedDestination> {
  const db = new Database(config);
  try {
    const { row, plan } = await db.scoped({ organizationId }, async (tx) => {
      const [found] = await tx
        .select()
        .from(egressDestinations)
        .where(and(eq(egressDestinations.id, destinationId), eq(egressDestinations.organizationId, organizationId)));
      return { row: found, plan: await effectivePlan(tx, organizationId) };
    });
    if (!row || !row.enabled || (row.roomId !== null && row.roomId !== roomId)) return { ok: false, reason: 'the destination was deleted or disabled' };
    // Multistream goes with the `recording` feature, as the start route checks (multistream-routes.ts).
    if (!plan.recording) return { ok: false, reason: `the ${plan.name} plan does not include multistream` };
    return { ok: true, destination: { destinationId: row.id, name: row.name, kind: row.kind as DestinationKind, url: await destinationUrl(config, row) } };
  } finally {
    await db.close();
  }
}
