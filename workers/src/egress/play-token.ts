// HLS play tokens: a members-only room's HLS needs one. Short JWTs (HS256, the room token secret,
// their own audience so a room token is not a play token and back), bound to one room. They travel
// in the path (`/hls/{room}/t/{token}/...`) so the relative segment URIs in the playlist carry them.
import { jwtVerify, SignJWT } from 'jose';

const ISSUER = 'roomcast';
const AUDIENCE = 'roomcast:hls';
/** Long enough for a session; a player that outlives it fetches a new URL from the API. */
export const PLAY_TOKEN_TTL_SECONDS = 6 * 3600;

export function signPlayToken(secret: Uint8Array, roomId: string, ttlSeconds = PLAY_TOKEN_TTL_SECONDS): Promise<string> {
  return new SignJWT({ room: roomId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(secret);
}

/**
 * The URL a player opens: a public room's is the same for everyone (`public`); otherwise (or when
 * the caller may not know the visibility, `token`) it carries a play token in its path. `hlsId`:
 * that one run's playlist (an HLS recording) instead of the room's current or last run.
 */
export async function hlsPlaylistUrl(base: string, secret: Uint8Array, roomId: string, visibility: string, hlsId?: string): Promise<string> {
  const { origin } = new URL(base);
  const file = hlsId ? `${hlsId}.m3u8` : 'index.m3u8';
  if (visibility === 'public') return `${origin}/hls/${roomId}/${file}`;
  return `${origin}/hls/${roomId}/t/${await signPlayToken(secret, roomId)}/${file}`;
}

/** True when `token` is a valid, unexpired play token for `roomId`. */
export async function verifyPlayToken(secret: Uint8Array, token: string, roomId: string): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(token, secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp'] });
    return payload.room === roomId;
  } catch {
    return false;
  }
}
