// Studio guest invites: a signed, time-limited link for ONE room. The host (or a co-host) makes one
// in the studio and sends it; whoever opens it joins that room as a `guest` (publish grant, waiting
// backstage). The invite has its own audience, so it is never accepted as a room token, and the
// room token it is exchanged for is scoped to the same room like every room token. Its id (the
// jti) names a `guest_invites` row, so a host can list a room's links and revoke one.
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { ApiError } from '../../errors.ts';

const ISSUER = 'roomcast';
const AUDIENCE = 'roomcast:studio-invite';

export async function signGuestInvite(secret: Uint8Array, invite: { id?: string; roomId: string; organizationId: string; invitedBy: string }, ttlSeconds: number) {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  const id = invite.id ?? crypto.randomUUID();
  const token = await new SignJWT({ room: invite.roomId, org: invite.organizationId, by: invite.invitedBy })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setJti(id)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(secret);
  return { id, token, expiresAt };
}

/** The invite's id and organization, or a 403 that says why (expired, another room, forged). */
export async function verifyGuestInvite(secret: Uint8Array, token: string, roomId: string): Promise<{ organizationId: string; inviteId: string }> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp', 'jti'] }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new ApiError(403, 'invite_expired', 'This guest link has expired; ask the host for a new one');
    throw new ApiError(403, 'invalid_invite', 'This guest link is not valid');
  }
  if (payload.room !== roomId || typeof payload.org !== 'string' || typeof payload.jti !== 'string') {
    throw new ApiError(403, 'invalid_invite', 'This guest link is for another room');
  }
  return { organizationId: payload.org, inviteId: payload.jti };
}
