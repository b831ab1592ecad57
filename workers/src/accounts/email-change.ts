// Email change: asked for by the signed-in user with their password; a one-time link goes to the
// NEW address (the change happens only when it is opened, which proves the new mailbox), and the
// OLD address is told about the request. Confirming revokes every other session of the account.
// The token is bound to the user and the new address it was mailed to (account-tokens.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { EmailChangeConfirmInput, EmailChangeInput, User } from '@roomcast/schema/api';
import { sessions, users } from '@roomcast/schema/db';
import { verifyPassword } from '../auth/password.ts';
import { requireUser } from '../auth/principal.ts';
import { toUser } from '../auth/routes.ts';
import { ApiError, conflict, isUniqueViolation } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent } from '../http.ts';
import { sendMailLater } from '../mail/mailer.ts';
import { emailChangeMail, emailChangeNoticeMail } from '../mail/templates.ts';
import { clientNetwork } from '../platform/client-network.ts';
import { enforceRateLimit } from '../platform/rate-limit.ts';
import { assertPasswordSignInAllowed } from '../sso/require-sso.ts';
import { consumeAccountToken, issueAccountToken } from './account-tokens.ts';
import { invalidLink } from './email-verification.ts';
import { webLink } from './links.ts';

export const emailChangeRoutes = createRouter();

const CHANGES_PER_HOUR = 5;

/** `jo***@example.com`: enough for the owner of the old address to recognise it, no more. */
const hint = (email: string) => {
  const at = email.indexOf('@');
  return `${email.slice(0, Math.min(2, at))}***${email.slice(at)}`;
};

const emailTaken = () => new ApiError(409, 'email_taken', 'An account with this email already exists');

emailChangeRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/email-change',
    tags: ['auth'],
    summary: 'Ask to change the account\'s email address (needs the password): a link is mailed to the new address, the old one is told',
    security: bearerSecurity,
    request: jsonBody(EmailChangeInput),
    responses: { 202: jsonContent(z.object({ sentTo: z.string() }), 'Link sent to the new address'), ...errorResponses(400, 401, 403, 409, 429) },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    const input = c.req.valid('json');
    await enforceRateLimit(c.var.redis, `email-change:user:${principal.userId}`, CHANGES_PER_HOUR, 3600, 'Too many email change requests; try again in an hour');
    if (input.newEmail === principal.email) throw conflict('That is already your email address', 'same_email');
    const [user] = await c.var.db.global((tx) => tx.select().from(users).where(eq(users.id, principal.userId)));
    if (!user || !(await verifyPassword(input.password, user.passwordHash))) throw new ApiError(401, 'invalid_credentials', 'The password is incorrect');
    // An address whose organization requires SSO belongs to that organization's provider.
    await assertPasswordSignInAllowed(c, input.newEmail, undefined);
    const ttlMs = c.var.config.accounts.verificationTtlMs;
    const token = await c.var.db.scoped({ userId: user.id }, async (tx) => {
      const [taken] = await tx.select({ id: users.id }).from(users).where(eq(users.email, input.newEmail));
      if (taken) throw emailTaken();
      return issueAccountToken(tx, { userId: user.id, email: input.newEmail, purpose: 'change_email', ttlMs });
    });
    const url = webLink(c, '/confirm-email-change', token);
    sendMailLater(c.executionCtx, c.var.config, input.newEmail, emailChangeMail({ name: user.name, newEmail: input.newEmail, url, ttlHours: Math.round(ttlMs / 3600_000) }));
    sendMailLater(c.executionCtx, c.var.config, user.email, emailChangeNoticeMail({ name: user.name, newEmailHint: hint(input.newEmail) }));
    return c.json({ sentTo: input.newEmail }, 202);
  },
);

emailChangeRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/email-change/confirm',
    tags: ['auth'],
    summary: 'Confirm an email change with the token mailed to the new address; every other session of the account is revoked',
    request: jsonBody(EmailChangeConfirmInput),
    responses: { 200: jsonContent(z.object({ user: User, revokedSessions: z.number() }), 'Changed'), ...errorResponses(400, 409, 429) },
  }),
  async (c) => {
    const { token } = c.req.valid('json');
    const client = clientNetwork(c.req.header('cf-connecting-ip')) ?? 'unknown';
    await enforceRateLimit(c.var.redis, `email-change-confirm:ip:${client}`, c.var.config.authRateLimit.perIp, 60);
    // The session that confirms (when the link is opened signed in as that user) stays.
    const principal = c.var.principal?.kind === 'user' ? c.var.principal : undefined;
    try {
      const result = await c.var.db.scoped({}, async (tx) => {
        const spent = await consumeAccountToken(tx, 'change_email', token);
        if (!spent) return undefined;
        const [user] = await tx
          .update(users)
          .set({ email: spent.email, emailVerifiedAt: sql`now()`, updatedAt: sql`now()` })
          .where(eq(users.id, spent.userId))
          .returning();
        if (!user) return undefined;
        const keep = principal?.userId === user.id ? principal.sessionId : undefined;
        const revoked = await tx
          .update(sessions)
          .set({ revokedAt: sql`now()` })
          .where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt), keep ? ne(sessions.id, keep) : undefined))
          .returning({ id: sessions.id });
        return { user: toUser(user), revokedSessions: revoked.length };
      });
      if (!result) throw invalidLink();
      return c.json(result, 200);
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_unique')) throw emailTaken();
      throw error;
    }
  },
);
