import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, sql } from 'drizzle-orm';
import { deleteCookie } from 'hono/cookie';
import type { Context } from 'hono';
import { LoginInput, Organization, SignupInput, User } from '@roomcast/schema/api';
import { sessions, users } from '@roomcast/schema/db';
import { ApiError, isUniqueViolation } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent, type AppEnv } from '../http.ts';
import { clientNetwork } from '../platform/client-network.ts';
import { enforceRateLimit } from '../platform/rate-limit.ts';
import { createOrganization, listUserOrganizations, toOrganization } from '../tenancy/create-organization.ts';
import { burnPasswordCheck, hashPassword, verifyPassword } from './password.ts';
import { requireUser, SESSION_COOKIE } from './principal.ts';
import { startSession } from './start-session.ts';
import { issueVerificationMail } from '../accounts/email-verification.ts';
import { sendMailLater } from '../mail/mailer.ts';
import { assertPasswordSignInAllowed } from '../sso/require-sso.ts';
import { issueTwoFactorChallenge } from '../two-factor/routes.ts';

export const authRoutes = createRouter();

export const toUser = (u: typeof users.$inferSelect) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  emailVerified: u.emailVerifiedAt !== null,
  createdAt: u.createdAt.toISOString(),
});

async function limitAuthAttempts(c: Context<AppEnv>, action: 'signup' | 'login', email: string) {
  const { redis, config } = c.var;
  const client = clientNetwork(c.req.header('cf-connecting-ip')) ?? 'unknown';
  await enforceRateLimit(redis, `${action}:ip:${client}`, config.authRateLimit.perIp, 60);
  await enforceRateLimit(redis, `${action}:email:${email}`, config.authRateLimit.perEmail, 60);
  // Every account comes with its own organization on a trial: the per-user organization limits
  // mean nothing if one client can mint accounts at the per-minute rate.
  if (action === 'signup') {
    await enforceRateLimit(redis, `signup-hourly:ip:${client}`, config.authRateLimit.signupsPerIpPerHour, 3600, 'Too many new accounts from your network; try again in an hour');
  }
}

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/signup',
    tags: ['auth'],
    summary: 'Create a user, their organization, its default workspace and owner membership',
    request: jsonBody(SignupInput),
    responses: {
      201: jsonContent(z.object({ user: User, organization: Organization, token: z.string() }), 'Signed up and signed in'),
      ...errorResponses(400, 403, 409, 429),
    },
  }),
  async (c) => {
    const input = c.req.valid('json');
    await limitAuthAttempts(c, 'signup', input.email);
    await assertPasswordSignInAllowed(c, input.email, undefined);
    const passwordHash = await hashPassword(input.password);
    const organizationId = crypto.randomUUID();
    const userId = crypto.randomUUID();
    try {
      const result = await c.var.db.scoped({ organizationId, userId }, async (tx) => {
        const [user] = await tx.insert(users).values({ id: userId, email: input.email, name: input.name, passwordHash }).returning();
        const { organization } = await createOrganization(tx, {
          organizationId,
          name: input.organizationName,
          ownerId: userId,
          trialMs: c.var.config.organizations.trialMs,
        });
        const token = await startSession(c, tx, userId);
        const verification = await issueVerificationMail(c, tx, user!, organization.name);
        return { user: toUser(user!), organization: toOrganization(organization, { role: 'owner', planId: 'starter' }), token, verification };
      });
      // Mailed once the account exists (after commit), without holding up the answer.
      sendMailLater(c.executionCtx, c.var.config, result.user.email, result.verification);
      const { verification: _sent, ...body } = result;
      return c.json(body, 201);
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_unique')) {
        throw new ApiError(409, 'email_taken', 'An account with this email already exists');
      }
      throw error;
    }
  },
);

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/login',
    tags: ['auth'],
    summary: 'Sign in with email and password',
    request: jsonBody(LoginInput),
    responses: {
      200: jsonContent(
        z.object({
          user: User,
          token: z.string().optional().describe('The session; absent when twoFactorRequired'),
          twoFactorRequired: z.boolean().optional(),
          challenge: z.string().optional().describe('With twoFactorRequired: send it with a code to POST /auth/login/two-factor (5 minutes)'),
        }),
        'Signed in, or the password was right and a second factor is needed',
      ),
      ...errorResponses(400, 401, 403, 429),
    },
  }),
  async (c) => {
    const input = c.req.valid('json');
    await limitAuthAttempts(c, 'login', input.email);
    const [user] = await c.var.db.global((tx) => tx.select().from(users).where(eq(users.email, input.email)));
    await assertPasswordSignInAllowed(c, input.email, user?.id);
    const valid = user ? await verifyPassword(input.password, user.passwordHash) : (await burnPasswordCheck(input.password), false);
    if (!user || !valid) throw new ApiError(401, 'invalid_credentials', 'Email or password is incorrect');
    if (user.totpEnabledAt) {
      return c.json({ user: toUser(user), twoFactorRequired: true, challenge: await issueTwoFactorChallenge(c, user.id) }, 200);
    }
    const token = await c.var.db.global((tx) => startSession(c, tx, user.id));
    return c.json({ user: toUser(user), token }, 200);
  },
);

authRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/logout',
    tags: ['auth'],
    summary: 'Revoke the current session',
    security: bearerSecurity,
    responses: { 204: { description: 'Signed out' }, ...errorResponses(401, 403) },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    await c.var.db.global((tx) =>
      tx.update(sessions).set({ revokedAt: sql`now()` }).where(and(eq(sessions.id, principal.sessionId))),
    );
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
    return c.body(null, 204);
  },
);

authRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/me',
    tags: ['auth'],
    summary: 'The signed-in user and their organizations',
    security: bearerSecurity,
    responses: {
      200: jsonContent(z.object({ user: User, organizations: z.array(Organization) }), 'The current user'),
      ...errorResponses(401, 403),
    },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    const result = await c.var.db.scoped({ userId: principal.userId }, async (tx) => {
      const [user] = await tx.select().from(users).where(eq(users.id, principal.userId));
      return { user: toUser(user!), organizations: await listUserOrganizations(tx, principal.userId) };
    });
    return c.json(result, 200);
  },
);
