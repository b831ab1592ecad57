// The viewer's join request (BFF -> API) starts as soon as the page hydrates, while the room UI's
// code (mediasoup-client, the protocol schemas) is still loading; ViewerRoom picks the answer up.
// Saves one round trip on the way to the first frame.
import { joinRoom } from './queries';
import type { JoinResult } from './queries';

const pending = new Map<string, Promise<JoinResult>>();
const key = (roomId: string, guestName: string | undefined) => `${roomId}\n${guestName ?? ''}`;

export function startJoin(room: { organizationId: string; roomId: string }, guestName: string | undefined): void {
  const k = key(room.roomId, guestName);
  if (!pending.has(k)) pending.set(k, joinRoom(room, guestName));
}

/** The join started early for exactly this room and name, if any (once). */
export function takeJoin(roomId: string, guestName: string | undefined): Promise<JoinResult> | undefined {
  const k = key(roomId, guestName);
  const found = pending.get(k);
  pending.delete(k);
  return found;
}

const EMBED_GUEST_NAME = 'Guest';

/** Who joins without asking: a signed-in member as themself, or a guest named by `?name=` (the embed: "Guest"). */
export function automaticGuestName(signedIn: boolean, nameParam: unknown, embedded: boolean): { join: boolean; guestName: string | undefined } {
  if (signedIn) return { join: true, guestName: undefined };
  const fromUrl = typeof nameParam === 'string' ? nameParam.trim() : '';
  if (fromUrl) return { join: true, guestName: fromUrl };
  return embedded ? { join: true, guestName: EMBED_GUEST_NAME } : { join: false, guestName: undefined };
}
