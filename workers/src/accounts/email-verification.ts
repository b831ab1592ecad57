// Email verification: a one-time link mailed at signup (and on request) proves the address.
// Unverified accounts can sign in, but cannot go live, create API keys or accept invitations
// (requireVerifiedEmail in auth/principal.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { User, VerifyEmailInput } from '@roomcast/schema/api';
import { users } from '@roomcast/schema/db';
import { requireUser } from '../auth/principal.ts';
import type { Tx } from '../db/database.ts';
import { ApiError, conflict } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent, type AppEnv } from '../http.ts';
import { sendMailLater } from '../mail/mailer.ts';
import { verifyEmailMail, type RenderedMail } from '../mail/templates.ts';
import { clientNetwork } from '../platform/client-network.ts';
import { enforceRateLimit } from '../platform/rate-limit.ts';
import { listUserOrganizations } from '../tenancy/create-organization.ts';
import { consumeAccountToken, issueAccountToken } from './account-tokens.ts';
import { webLink } from './links.ts';

export const emailVerificationRoutes = createRouter();

/** Verification mails one user may ask for per hour (besides the one at signup). */
const RESENDS_PER_HOUR = 5;

export const invalidLink = () =>
  new ApiError(400, 'invalid_link', 'This link is invalid, has expired or was already used; ask for a new one');

/** Issues a verification token in `tx` and renders its mail (send it after the commit). */
export async function issueVerificationMail(
  c: Context<AppEnv>,
  tx: Tx,
  user: { id: string; email: string; name: string },
  organizationName: string | undefined,
): Promise<RenderedMail> {
  const ttlMs = c.var.config.accounts.verificationTtlMs;
  const token = await issueAccountToken(tx, { userId: user.id, email: user.email, purpose: 'verify_email', ttlMs });
  return verifyEmailMail({ name: user.name, organizationName, url: webLink(c, '/verify-email', token), ttlHours: Math.round(ttlMs / 3600_000) });
}

emailVerificationRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/verify-email',
    tags: ['auth'],
    summary: 'Verify an email address with the token from the mailed link (no sign-in needed)',
    request: jsonBody(VerifyEmailInput),
    responses: { 200: jsonContent(z.object({ user: User }), 'Verified'), ...errorResponses(400, 429) },
  }),
  async (c) => {
    const { token } = c.req.valid('json');
    const client = clientNetwork(c.req.header('cf-connecting-ip')) ?? 'unknown';
    await enforceRateLimit(c.var.redis, `verify-email:ip:${client}`, c.var.config.authRateLimit.perIp, 60);
    const user = await c.var.db.scoped({}, async (tx) => {
      const spent = await consumeAccountToken(tx, 'verify_email', token);
      if (!spent) return undefined;
      // Bound to the address it was sent to: after an email change an old link proves nothing.
      const [verified] = await tx
        .update(users)
        .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`, updatedAt: sql`now()` })
        .where(and(eq(users.id, spent.userId), eq(users.email, spent.email)))
        .returning();
      return verified;
    });
    if (!user) throw invalidLink();
    return c.json({ user: { id: user.id, email: user.email, name: user.name, emailVerified: true, createdAt: user.createdAt.toISOString() } }, 200);
  },
);

emailVerificationRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/verify-email/resend',
    tags: ['auth'],
    summary: 'Mail a new verification link to the signed-in user (earlier links stop working)',
    security: bearerSecurity,
    responses: { 202: jsonContent(z.object({ sentTo: z.string() }), 'Sent'), ...errorResponses(401, 403, 409, 429) },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    await enforceRateLimit(c.var.redis, `verify-email-resend:user:${principal.userId}`, RESENDS_PER_HOUR, 3600, 'Too many verification mails; try again in an hour');
    const mail = await c.var.db.scoped({ userId: principal.userId }, async (tx) => {
      const [user] = await tx.select().from(users).where(and(eq(users.id, principal.userId), isNull(users.emailVerifiedAt)));
      if (!user) return undefined;
      const [first] = await listUserOrganizations(tx, user.id);
      return issueVerificationMail(c, tx, user, first?.name);
    });
    if (!mail) throw conflict('Your email address is already verified', 'already_verified');
    sendMailLater(c.executionCtx, c.var.config, principal.email, mail);
    return c.json({ sentTo: principal.email }, 202);
  },
);
