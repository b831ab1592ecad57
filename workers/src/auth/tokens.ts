// Opaque credentials. Session tokens are `id|secret`; API keys are `rck_<id>_<secret>`;
// invitation tokens are a bare secret. Only the sha-256 of a secret is ever stored.
import { randomToken, sha256Hex } from './crypto.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export const isUuid = (value: string) => UUID.test(value);

export interface IssuedSecret {
  id: string;
  token: string;
  secretHash: string;
}

export async function issueSessionToken(): Promise<IssuedSecret> {
  const id = crypto.randomUUID();
  const secret = randomToken();
  return { id, token: `${id}|${secret}`, secretHash: await sha256Hex(secret) };
}

export function parseSessionToken(token: string): { id: string; secret: string } | undefined {
  const [id, secret, extra] = token.split('|');
  if (extra !== undefined || !id || !secret || !UUID.test(id) || !SECRET.test(secret)) return undefined;
  return { id, secret };
}

const API_KEY = /^rck_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export async function issueApiKey(): Promise<IssuedSecret & { prefix: string }> {
  const id = crypto.randomUUID();
  const secret = randomToken();
  const token = `rck_${id.replaceAll('-', '')}_${secret}`;
  return { id, token, secretHash: await sha256Hex(secret), prefix: token.slice(0, 12) };
}

export function parseApiKey(token: string): { id: string; secret: string } | undefined {
  const match = API_KEY.exec(token);
  if (!match) return undefined;
  const hex = match[1]!;
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, secret: match[2]! };
}
