// The viewer's room token, handed to ViewerRoom without a round trip after the UI mounts: usually
// the server already fetched it with the page (room.server.ts, `RoomPage.join`); otherwise the join
// request (BFF -> API) starts as soon as the page hydrates, while the room UI is still mounting.
import { joinRoom } from './queries';
import type { JoinResult } from './queries';

const pending = new Map<string, Promise<JoinResult>>();
const key = (roomId: string, guestName: string | undefined) => `${roomId}\n${guestName ?? ''}`;

export function startJoin(room: { organizationId: string; roomId: string }, guestName: string | undefined, fetchedWithPage?: JoinResult): void {
  const k = key(room.roomId, guestName);
  if (!pending.has(k)) pending.set(k, fetchedWithPage ? Promise.resolve(fetchedWithPage) : joinRoom(room, guestName));
}

/** The join started early for exactly this room and name, if any (once). */
export function takeJoin(roomId: string, guestName: string | undefined): Promise<JoinResult> | undefined {
  const k = key(roomId, guestName);
  const found = pending.get(k);
  pending.delete(k);
  return found;
}
