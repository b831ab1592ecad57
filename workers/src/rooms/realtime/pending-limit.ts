// Sockets that have not said hello yet cost the room memory until the alarm reaps them (one
// heartbeat). One valid token could otherwise open thousands; each client (by the fingerprint of
// its address) may hold only a few at once.

export const MAX_PENDING_PER_CLIENT = 20;

/** `elsewhere`: the client's sockets waiting for hello that `sockets` does not hold (sent to fan-out shards). */
export function tooManyPending(sockets: Iterable<{ phase: string; clientFp?: string | undefined }>, clientFp: string | undefined, elsewhere = 0): boolean {
  if (!clientFp) return false;
  if (elsewhere >= MAX_PENDING_PER_CLIENT) return true;
  let n = elsewhere;
  for (const att of sockets) if (att.phase === 'pending' && att.clientFp === clientFp && ++n >= MAX_PENDING_PER_CLIENT) return true;
  return false;
}
