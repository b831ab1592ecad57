// Opening a session: the opaque `id|secret` token, its hashed row (with the device facts the
// sessions page shows) and the httpOnly cookie.
import { setCookie } from 'hono/cookie';
import type { Context } from 'hono';
import { sessions } from '@roomcast/schema/db';
import type { Tx } from '../db/database.ts';
import type { AppEnv } from '../http.ts';
import { SESSION_COOKIE } from './principal.ts';
import { issueSessionToken } from './tokens.ts';

const REGION = /^[A-Z0-9]{2,3}$/;

export async function startSession(c: Context<AppEnv>, tx: Tx, userId: string): Promise<string> {
  const issued = await issueSessionToken();
  const expiresAt = new Date(Date.now() + c.var.config.sessionTtlMs);
  // The edge's country code (Cloudflare sets cf-ipcountry); anything else is dropped.
  const region = c.req.header('cf-ipcountry')?.toUpperCase();
  await tx.insert(sessions).values({
    id: issued.id,
    userId,
    secretHash: issued.secretHash,
    expiresAt,
    ip: c.req.header('cf-connecting-ip') ?? null,
    userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
    region: region && REGION.test(region) ? region : null,
  });
  setCookie(c, SESSION_COOKIE, issued.token, { httpOnly: true, secure: true, sameSite: 'Lax', path: '/', expires: expiresAt });
  return issued.token;
}
