// Who joins a room page without being asked for a name. Shared by the server (it fetches the room
// token with the page, room.server.ts) and the browser (early-join.ts, ViewerRoom).

const EMBED_GUEST_NAME = 'Guest';

/** Who joins without asking: a signed-in member as themself, or a guest named by `?name=` (the embed: "Guest"). */
export function automaticGuestName(signedIn: boolean, nameParam: unknown, embedded: boolean): { join: boolean; guestName: string | undefined } {
  if (signedIn) return { join: true, guestName: undefined };
  const fromUrl = typeof nameParam === 'string' ? nameParam.trim() : '';
  if (fromUrl) return { join: true, guestName: fromUrl };
  return embedded ? { join: true, guestName: EMBED_GUEST_NAME } : { join: false, guestName: undefined };
}

/** What the server needs to decide that for a page load: the `?name=` parameter and the page kind. */
export interface AutoJoinRequest {
  name: string | undefined;
  embedded: boolean;
}

export const autoJoinRequest = (nameParam: unknown, embedded: boolean): AutoJoinRequest => ({
  name: typeof nameParam === 'string' ? nameParam : undefined,
  embedded,
});
