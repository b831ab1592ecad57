// Ephemeral TURN credentials, coturn's TURN REST API (`use-auth-secret`): the user name is
// "<expiry unix seconds>:<user>" and the password is base64(HMAC-SHA1(secret, user name)). coturn
// recomputes the HMAC with the same static-auth-secret and refuses the credential once the
// expiry has passed. Minted for every room join; nothing is stored. Web Crypto only: the Worker
// and Node tests share it.

export interface TurnConfig {
  /** coturn's static-auth-secret. */
  secret: string;
  /** turn: / turns: URLs handed to clients, e.g. turn:turn.example.com:3478?transport=udp. */
  urls: string[];
  /** How long a credential stays valid. */
  ttlSeconds: number;
}

/** An RTCIceServer as browsers and mediasoup-client take it. */
export interface IceServer {
  urls: string[];
  username: string;
  credential: string;
}

/** coturn splits the user name at its first ':': keep the user part free of separators and odd bytes. */
const userPart = (user: string) => user.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || 'anon';

export async function turnPassword(secret: string, username: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(username)));
  let binary = '';
  for (const b of mac) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The iceServers for one participant: valid for `ttlSeconds` from `now`. */
export async function mintIceServers(turn: TurnConfig, user: string, now = Date.now()): Promise<IceServer[]> {
  const username = `${Math.floor(now / 1000) + turn.ttlSeconds}:${userPart(user)}`;
  return [{ urls: turn.urls, username, credential: await turnPassword(turn.secret, username) }];
}
