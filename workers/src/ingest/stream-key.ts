// Stream keys: `rcs_<key id, 32 hex>_<secret, 43 base64url>`. The id finds the row (through a
// SECURITY DEFINER lookup: no tenant is known yet); only the sha-256 of the secret is stored.
import { sql } from 'drizzle-orm';
import { randomToken, sha256Hex, timingSafeEqualStrings } from '../auth/crypto.ts';
import type { Database } from '../db/database.ts';

const STREAM_KEY = /^rcs_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export async function issueStreamKey(): Promise<{ id: string; token: string; secretHash: string; prefix: string }> {
  const id = crypto.randomUUID();
  const secret = randomToken();
  const token = `rcs_${id.replaceAll('-', '')}_${secret}`;
  return { id, token, secretHash: await sha256Hex(secret), prefix: token.slice(0, 12) };
}

export function parseStreamKey(token: string): { id: string; secret: string } | undefined {
  const match = STREAM_KEY.exec(token);
  if (!match) return undefined;
  const hex = match[1]!;
  return { id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`, secret: match[2]! };
}

export interface StreamKeyOwner {
  keyId: string;
  organizationId: string;
  roomId: string;
}

/** The room a stream key publishes to, or undefined for a malformed, unknown or revoked key. */
export async function verifyStreamKey(db: Database, token: string): Promise<StreamKeyOwner | undefined> {
  const parsed = parseStreamKey(token);
  if (!parsed) return undefined;
  const row = await db.global(async (tx) => {
    const result = await tx.execute<{ organization_id: string; room_id: string; secret_hash: string }>(sql`select * from app_find_ingest_key(${parsed.id})`);
    return result.rows[0];
  });
  if (!row) return undefined;
  if (!timingSafeEqualStrings(await sha256Hex(parsed.secret), row.secret_hash)) return undefined;
  return { keyId: parsed.id, organizationId: row.organization_id, roomId: row.room_id };
}
