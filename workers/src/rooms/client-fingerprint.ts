// A guest's client fingerprint: a keyed hash of the address they connect from. The public join
// signs it into the guest's token and the RoomDO hashes the socket's address again at connect, so
// a ban holds against a guest who mints a new identity from the same network. Keyed so the token
// does not reveal the address. An IPv6 client is its /64 (platform/client-network.ts).
import { clientNetwork } from '../platform/client-network.ts';

const encoder = new TextEncoder();

export async function clientFingerprint(secret: Uint8Array, ip: string | null | undefined): Promise<string | undefined> {
  const network = clientNetwork(ip);
  if (!network) return undefined;
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(`room-client:${network}`)));
  return Array.from(mac.subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join('');
}
