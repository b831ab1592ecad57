// A member's role change or removal (and an API key's revocation) reaches the open room sockets: the member routes tell the
// RoomDO of every room of the organization (idle rooms too: a token minted before a start still
// holds a socket there). The RoomDO also re-reads the membership at every hello, so an older token
// cannot bring back the old role.
import { and, eq, isNull } from 'drizzle-orm';
import { rooms } from '@roomcast/schema/db';
import type { Role } from '@roomcast/schema';
import type { Tx } from '../db/database.ts';
import type { Env } from '../env.ts';
import { roomStub } from './room-stub.ts';

export async function organizationRoomIds(tx: Tx, organizationId: string): Promise<string[]> {
  const rows = await tx.select({ id: rooms.id }).from(rooms).where(and(eq(rooms.organizationId, organizationId), isNull(rooms.deletedAt)));
  return rows.map((r) => r.id);
}

/** Waits for every room to apply the change; a room that fails is logged, not fatal. */
export async function tellRoomsMemberChanged(env: Pick<Env, 'ROOM'>, roomIds: string[], userId: string, role: Role | null): Promise<void> {
  const results = await Promise.allSettled(roomIds.map((id) => roomStub(env, id).memberChanged(userId, role)));
  for (const r of results) if (r.status === 'rejected') console.error('member change: a room did not apply it', r.reason);
}

/** The same for a revoked API key: the participants it minted leave every room. */
export async function tellRoomsApiKeyRevoked(env: Pick<Env, 'ROOM'>, roomIds: string[], apiKeyId: string): Promise<void> {
  const results = await Promise.allSettled(roomIds.map((id) => roomStub(env, id).apiKeyRevoked(apiKeyId)));
  for (const r of results) if (r.status === 'rejected') console.error('API key revocation: a room did not apply it', r.reason);
}
