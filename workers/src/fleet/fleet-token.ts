// The fleet's two credentials, both HS256 JWTs signed with FLEET_SECRET (jose):
// - the node credential an operator mints once per media node (aud roomcast-fleet, sub = node id,
//   `region`): it admits the node to FleetDO;
// - the room-node credential FleetDO mints on each assignment (aud roomcast-room-node, sub = node
//   id, `room`, `role`), valid for a minute: it admits that node to that one room's RoomDO as
//   the room's origin (publishers) or as one of its edges (viewers fed by pipes from the origin).
import { jwtVerify, SignJWT } from 'jose';
import { FLEET_AUDIENCE, ROOM_NODE_AUDIENCE, type RoomNodeRole } from '@roomcast/schema/protocol';

export type { RoomNodeRole };

const ISSUER = 'roomcast';
/** Long enough to dial the room once; a node that loses its room socket is assigned again. */
export const ROOM_NODE_TOKEN_TTL_SECONDS = 60;

export interface NodeClaims {
  nodeId: string;
  region: string;
}


export interface RoomNodeClaims {
  nodeId: string;
  roomId: string;
  role: RoomNodeRole;
}

/** A verified room-node credential: its id and expiry let the RoomDO accept it only once. */
export interface VerifiedRoomNodeToken extends RoomNodeClaims {
  jti: string;
  expiresAt: number;
}

const key = (secret: string) => new TextEncoder().encode(secret);

export async function signNodeToken(secret: string, claims: NodeClaims, ttlSeconds: number): Promise<string> {
  return new SignJWT({ region: claims.region })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(FLEET_AUDIENCE)
    .setSubject(claims.nodeId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key(secret));
}

export async function verifyNodeToken(secret: string, token: string): Promise<NodeClaims> {
  // exp is required: jose only checks it when present, and a credential must never be forever.
  const { payload } = await jwtVerify(token, key(secret), { issuer: ISSUER, audience: FLEET_AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
  if (!payload.sub || typeof payload.region !== 'string' || !payload.region) throw new Error('node token lacks node id or region');
  return { nodeId: payload.sub, region: payload.region };
}

export async function signRoomNodeToken(secret: string, claims: RoomNodeClaims): Promise<string> {
  return new SignJWT({ room: claims.roomId, role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(ROOM_NODE_AUDIENCE)
    .setSubject(claims.nodeId)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ROOM_NODE_TOKEN_TTL_SECONDS)
    .sign(key(secret));
}

/** Verifies the credential and that it names `roomId`. */
export async function verifyRoomNodeToken(secret: string, token: string, roomId: string): Promise<VerifiedRoomNodeToken> {
  const { payload } = await jwtVerify(token, key(secret), {
    issuer: ISSUER,
    audience: ROOM_NODE_AUDIENCE,
    algorithms: ['HS256'],
    requiredClaims: ['exp', 'sub', 'jti'],
  });
  if (!payload.sub || payload.room !== roomId) throw new Error('room-node token is for another room');
  if (payload.role !== 'origin' && payload.role !== 'edge') throw new Error('room-node token lacks a role');
  return { nodeId: payload.sub, roomId, role: payload.role, jti: payload.jti!, expiresAt: payload.exp! * 1000 };
}

/** The bearer credential of an `Authorization: Bearer ...` header, if any. */
export function bearerOf(request: Request): string | undefined {
  return request.headers.get('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}
