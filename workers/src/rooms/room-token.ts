// Room tokens: short-lived JWTs (HS256, jose) that admit one participant to one room. Signed by
// the API on join, checked by the RoomDO on every connect and reconnect.
import { jwtVerify, SignJWT } from 'jose';
import { grantsFor, ROOM_ROLES, type RoomRole, type RoomGrant } from '@roomcast/schema';

const ISSUER = 'roomcast';
const AUDIENCE = 'roomcast:room';

export interface RoomTokenClaims {
  identity: string;
  name: string;
  roomId: string;
  organizationId: string;
  /** The live room session at the time of joining, if any. */
  roomSessionId: string | null;
  userId: string | null;
  role: RoomRole;
  grants: RoomGrant[];
  /** Guests only: the keyed hash of the address they joined from (client-fingerprint.ts). */
  clientFp?: string | undefined;
  /** Minted by an API key: its id, so revoking the key ends its participants too. */
  apiKeyId?: string | undefined;
}

export async function signRoomToken(secret: Uint8Array, claims: Omit<RoomTokenClaims, 'grants'>, ttlSeconds: number) {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  const token = await new SignJWT({
    room: claims.roomId,
    org: claims.organizationId,
    sid: claims.roomSessionId,
    uid: claims.userId,
    name: claims.name,
    role: claims.role,
    grants: grantsFor(claims.role),
    ...(claims.clientFp ? { cfp: claims.clientFp } : {}),
    ...(claims.apiKeyId ? { akey: claims.apiKeyId } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.identity)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(secret);
  return { token, expiresAt };
}

/** Verifies signature, expiry, issuer and audience, and that the token is for `roomId`. */
export async function verifyRoomToken(secret: Uint8Array, token: string, roomId: string): Promise<RoomTokenClaims> {
  const { payload } = await jwtVerify(token, secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
  const role = payload.role as RoomRole;
  if (payload.room !== roomId || typeof payload.org !== 'string' || !payload.sub || !ROOM_ROLES.includes(role)) {
    throw new Error('room token does not match this room');
  }
  return {
    identity: payload.sub,
    name: String(payload.name ?? ''),
    roomId,
    organizationId: payload.org,
    roomSessionId: typeof payload.sid === 'string' ? payload.sid : null,
    userId: typeof payload.uid === 'string' ? payload.uid : null,
    role,
    // Grants are derived from the role again, never trusted from the token's own list.
    grants: grantsFor(role),
    clientFp: typeof payload.cfp === 'string' ? payload.cfp : undefined,
    apiKeyId: typeof payload.akey === 'string' ? payload.akey : undefined,
  };
}
