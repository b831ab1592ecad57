// Who is calling: a signed-in user (session cookie or `Authorization: Bearer id|secret`) or an
// API key (`Authorization: Bearer rck_...`). Resolved once per request by `resolvePrincipal`.
import { and, eq, sql } from 'drizzle-orm';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { sessions, users } from '@roomcast/schema/db';
import { ApiError, unauthenticated } from '../errors.ts';
import type { AppEnv } from '../http.ts';
import { limitAnonymousRate } from '../platform/api-rate-limit.ts';
import { sha256Hex, timingSafeEqualStrings } from './crypto.ts';
import { parseApiKey, parseSessionToken } from './tokens.ts';

export const SESSION_COOKIE = 'rc_session';
const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;

export type Principal =
  | { kind: 'user'; userId: string; sessionId: string; email: string; name: string; emailVerified: boolean; twoFactorEnabled: boolean; viaCookie: boolean }
  | { kind: 'api_key'; apiKeyId: string; organizationId: string };

export const resolvePrincipal = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization');
  const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (header && !bearer) throw unauthenticated('Authorization header must be "Bearer <token>"');
  const credential = bearer ?? getCookie(c, SESSION_COOKIE);
  let principal: Principal | null = null;
  if (credential) {
    principal = credential.startsWith('rck_')
      ? await apiKeyPrincipal(c.var.db, credential)
      : await sessionPrincipal(c.var.db, credential, !bearer);
    // A bad bearer token is an error (spending the anonymous budget, so guessing has a rate); a
    // stale cookie is simply "not signed in".
    if (!principal && bearer) {
      await limitAnonymousRate(c);
      throw unauthenticated('The bearer token is invalid, expired or revoked');
    }
  }
  if (principal?.kind === 'user' && principal.viaCookie) rejectCrossSiteWrite(c.req.raw);
  c.set('principal', principal);
  await next();
});

async function sessionPrincipal(db: AppEnv['Variables']['db'], token: string, viaCookie: boolean) {
  const parsed = parseSessionToken(token);
  if (!parsed) return null;
  const row = await db.global(async (tx) => {
    const [found] = await tx
      .select({
        secretHash: sessions.secretHash,
        userId: users.id,
        email: users.email,
        name: users.name,
        emailVerifiedAt: users.emailVerifiedAt,
        totpEnabledAt: users.totpEnabledAt,
        lastSeenAt: sessions.lastSeenAt,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.id, parsed.id), sql`${sessions.revokedAt} is null`, sql`${sessions.expiresAt} > now()`));
    return found;
  });
  if (!row || !timingSafeEqualStrings(row.secretHash, await sha256Hex(parsed.secret))) return null;
  // "Last seen" on the sessions page needs minutes, not milliseconds: one write per few minutes.
  if (Date.now() - row.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
    await db.global((tx) => tx.update(sessions).set({ lastSeenAt: sql`now()` }).where(eq(sessions.id, parsed.id)));
  }
  return {
    kind: 'user' as const,
    userId: row.userId,
    sessionId: parsed.id,
    email: row.email,
    name: row.name,
    emailVerified: row.emailVerifiedAt !== null,
    twoFactorEnabled: row.totpEnabledAt !== null,
    viaCookie,
  };
}

async function apiKeyPrincipal(db: AppEnv['Variables']['db'], token: string): Promise<Principal | null> {
  const parsed = parseApiKey(token);
  if (!parsed) return null;
  const row = await db.global(async (tx) => {
    const result = await tx.execute<{ organization_id: string; secret_hash: string; revoked_at: string | null }>(
      sql`select organization_id, secret_hash, revoked_at from app_find_api_key(${parsed.id})`,
    );
    return result.rows[0];
  });
  if (!row || row.revoked_at !== null) return null;
  if (!timingSafeEqualStrings(row.secret_hash, await sha256Hex(parsed.secret))) return null;
  return { kind: 'api_key', apiKeyId: parsed.id, organizationId: row.organization_id };
}

/**
 * Cookie-authenticated writes must come from our own origin. SameSite=Lax already stops most
 * cross-site posts; this also covers same-site subdomains and older browsers.
 */
function rejectCrossSiteWrite(request: Request) {
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
  const origin = request.headers.get('origin');
  if (origin && origin !== new URL(request.url).origin) {
    throw new ApiError(403, 'csrf_rejected', 'Cross-site request with a session cookie was refused');
  }
}

export function requireUser(principal: Principal | null) {
  if (!principal) throw unauthenticated();
  if (principal.kind !== 'user') throw new ApiError(403, 'user_required', 'This endpoint needs a signed-in user, not an API key');
  return principal;
}

/**
 * Going live, creating API keys and accepting invitations need a proven address: an unverified
 * account could otherwise act for someone else's mailbox (and claim invitations sent to it).
 */
export function requireVerifiedEmail(principal: Principal | null) {
  if (principal?.kind !== 'user' || principal.emailVerified) return;
  throw new ApiError(403, 'email_unverified', `Verify your email address first: open the link we sent to ${principal.email} (or send a new one from your account page)`);
}
