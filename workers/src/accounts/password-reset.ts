// Password reset by mail. The request answers the same whether or not the address has an account
// (and mails after the response, so its timing says nothing either); the link is single-use and
// short-lived (PASSWORD_RESET_TTL_MINUTES); a reset revokes every session of the account and
// signs in only the browser that made it.
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { PasswordResetInput, PasswordResetRequestInput, User } from '@roomcast/schema/api';
import { sessions, users } from '@roomcast/schema/db';
import { hashPassword } from '../auth/password.ts';
import { toUser } from '../auth/routes.ts';
import { startSession } from '../auth/start-session.ts';
import { createRouter, errorResponses, jsonBody, jsonContent } from '../http.ts';
import { sendMailLater } from '../mail/mailer.ts';
import { passwordResetMail } from '../mail/templates.ts';
import { clientNetwork } from '../platform/client-network.ts';
import { enforceRateLimit } from '../platform/rate-limit.ts';
import { consumeAccountToken, issueAccountToken } from './account-tokens.ts';
import { invalidLink } from './email-verification.ts';
import { issueTwoFactorChallenge } from '../two-factor/routes.ts';
import { webLink } from './links.ts';

export const passwordResetRoutes = createRouter();

const REQUESTED = 'If an account exists for that address, we have sent it a link to reset the password.';

passwordResetRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/password-reset/request',
    tags: ['auth'],
    summary: 'Mail a password reset link (the answer is the same whether the address has an account)',
    request: jsonBody(PasswordResetRequestInput),
    responses: { 202: jsonContent(z.object({ message: z.string() }), 'Requested'), ...errorResponses(400, 429) },
  }),
  async (c) => {
    const { email } = c.req.valid('json');
    const { redis, config } = c.var;
    const client = clientNetwork(c.req.header('cf-connecting-ip')) ?? 'unknown';
    await enforceRateLimit(redis, `password-reset:ip:${client}`, config.authRateLimit.perIp, 60);
    // Counted for every address alike, so the limit itself reveals nothing either.
    await enforceRateLimit(redis, `password-reset:email:${email}`, config.accounts.resetsPerEmailPerHour, 3600, 'Too many reset requests for this address; try again in an hour');
    const mail = await c.var.db.scoped({}, async (tx) => {
      const [user] = await tx.select().from(users).where(eq(users.email, email));
      if (!user) return undefined;
      const token = await issueAccountToken(tx, { userId: user.id, email: user.email, purpose: 'reset_password', ttlMs: config.accounts.resetTtlMs });
      return passwordResetMail({ name: user.name, url: webLink(c, '/reset-password', token), ttlMinutes: Math.round(config.accounts.resetTtlMs / 60_000) });
    });
    if (mail) sendMailLater(c.executionCtx, config, email, mail);
    return c.json({ message: REQUESTED }, 202);
  },
);

passwordResetRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/password-reset',
    tags: ['auth'],
    summary: 'Set a new password with the token from the mailed link; revokes every session and signs in this one',
    request: jsonBody(PasswordResetInput),
    responses: {
      200: jsonContent(
        z.object({ user: User, token: z.string().optional(), twoFactorRequired: z.boolean().optional(), challenge: z.string().optional() }),
        'Password changed and signed in; or, with a second factor, a challenge for POST /auth/login/two-factor',
      ),
      ...errorResponses(400, 429),
    },
  }),
  async (c) => {
    const input = c.req.valid('json');
    const client = clientNetwork(c.req.header('cf-connecting-ip')) ?? 'unknown';
    await enforceRateLimit(c.var.redis, `password-reset-use:ip:${client}`, c.var.config.authRateLimit.perIp, 60);
    const passwordHash = await hashPassword(input.password);
    const result = await c.var.db.scoped({}, async (tx) => {
      const spent = await consumeAccountToken(tx, 'reset_password', input.token);
      if (!spent) return undefined;
      // The link went to this address, so it also proves the address.
      const [user] = await tx
        .update(users)
        .set({ passwordHash, emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`, updatedAt: sql`now()` })
        .where(and(eq(users.id, spent.userId), eq(users.email, spent.email)))
        .returning();
      if (!user) return undefined;
      await tx.update(sessions).set({ revokedAt: sql`now()` }).where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt)));
      // The mailbox is one factor: an account with a second factor still answers it before a session.
      if (user.totpEnabledAt) return { user: toUser(user), twoFactor: true as const };
      return { user: toUser(user), token: await startSession(c, tx, user.id) };
    });
    if (!result) throw invalidLink();
    if ('twoFactor' in result) {
      return c.json({ user: result.user, twoFactorRequired: true, challenge: await issueTwoFactorChallenge(c, result.user.id) }, 200);
    }
    return c.json(result, 200);
  },
);
