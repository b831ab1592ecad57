// Room identity namespaces. Members are `user:<user id>` (only a member's own sign-in mints it);
// anonymous guests of public rooms are `guest-<uuid>`; studio guests (invited by link, role
// `guest`) are `studio:<uuid>`; API keys name their own users and may not
// reach into either namespace, so a key can never stand in for a member or a guest.

/** Reserved for members and guests: an API key's identity may not start with these. */
const RESERVED = /^(user|guest|studio)[:-]/i;

export const memberIdentity = (userId: string) => `user:${userId}`;

export function isMemberIdentity(identity: string): boolean {
  return identity.startsWith('user:');
}

/** Anonymous guests: the public join (`guest-`) and the older key default (`guest:`). */
export function isGuestIdentity(identity: string): boolean {
  return identity.startsWith('guest-') || identity.startsWith('guest:');
}

export function isReservedIdentity(identity: string): boolean {
  return RESERVED.test(identity);
}
