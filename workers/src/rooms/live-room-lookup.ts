// The room a media feature acts on (recordings, HLS, multistream): this organization's room, with
// its open session if it is live. Another tenant's room, a deleted one or a malformed id: 404.
import { and, eq, isNull } from 'drizzle-orm';
import { rooms, roomSessions } from '@roomcast/schema/db';
import { isUuid } from '../auth/tokens.ts';
import type { Tx } from '../db/database.ts';
import { notFound } from '../errors.ts';

export async function findRoomWithSession(tx: Tx, org: string, room: string) {
  if (!isUuid(room)) throw notFound('Room');
  const [found] = await tx
    .select({ id: rooms.id, visibility: rooms.visibility, sessionId: roomSessions.id })
    .from(rooms)
    .leftJoin(roomSessions, and(eq(roomSessions.roomId, rooms.id), isNull(roomSessions.endedAt)))
    .where(and(eq(rooms.id, room), eq(rooms.organizationId, org), isNull(rooms.deletedAt)));
  if (!found) throw notFound('Room');
  return found;
}
