// Second factor (TOTP) for the signed-in user: enroll (a secret and its otpauth:// URI, sealed at
// rest), confirm with a first code (then it is on, and 10 single-use recovery codes are shown
// once), disable with the password. Password sign-in of an account with TOTP answers a challenge
// instead of a session; POST /auth/login/two-factor finishes it with a code or a recovery code.
// A code is accepted once (the last accepted step is stored); 5 wrong answers end a challenge.
// Organizations can require a second factor of their members (/organizations/{org}/security).
import { createRoute, z } from '@hono/zod-openapi';
import { and, count, eq, isNull, sql } from 'drizzle-orm';
import type { Context } from 'hono';
import { LoginTwoFactorInput, OrganizationSecurityInput, TwoFactorConfirmInput, TwoFactorDisableInput, TwoFactorEnrollment, TwoFactorStatus, User } from '@roomcast/schema/api';
import { organizations, recoveryCodes, users } from '@roomcast/schema/db';
import { randomToken, sha256Hex } from '../auth/crypto.ts';
import { verifyPassword } from '../auth/password.ts';
import { requireUser } from '../auth/principal.ts';
import { toUser } from '../auth/routes.ts';
import { startSession } from '../auth/start-session.ts';
import type { Tx } from '../db/database.ts';
import { ApiError, conflict } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent, OrgParam, type AppEnv } from '../http.ts';
import { enforceRateLimit } from '../platform/rate-limit.ts';
import { withOrganization } from '../tenancy/access.ts';
import { audit } from '../tenancy/audit.ts';
import { openSecret, sealSecret } from '../webhooks/secret-box.ts';
import { generateTotpSecret, matchTotp, otpauthUri } from './totp.ts';

export const twoFactorRoutes = createRouter();
export const organizationSecurityRoutes = createRouter();

const RECOVERY_CODES = 10;
const CHALLENGE_TTL_SECONDS = 300;
const CHALLENGE_ATTEMPTS = 5;
const totpContext = (userId: string) => `totp:${userId}`;
const challengeKey = async (challenge: string) => `2fa:challenge:${await sha256Hex(challenge)}`;
/** Recovery codes are compared without their hyphen and case: `abcde-12345`. */
const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/-/g, '');

function newRecoveryCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

const wrongPassword = () => new ApiError(401, 'invalid_credentials', 'The password is incorrect');

async function loadUser(tx: Tx, userId: string) {
  const [user] = await tx.select().from(users).where(eq(users.id, userId));
  if (!user) throw new ApiError(401, 'unauthenticated', 'Sign in again');
  return user;
}

twoFactorRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/two-factor',
    tags: ['auth'],
    summary: 'Whether the signed-in user has a second factor, and how many recovery codes are left',
    security: bearerSecurity,
    responses: { 200: jsonContent(TwoFactorStatus, 'Status'), ...errorResponses(401, 403) },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    const status = await c.var.db.scoped({ userId: principal.userId }, async (tx) => {
      const user = await loadUser(tx, principal.userId);
      const [left] = await tx.select({ n: count() }).from(recoveryCodes).where(and(eq(recoveryCodes.userId, user.id), isNull(recoveryCodes.usedAt)));
      return { enabled: user.totpEnabledAt !== null, recoveryCodesLeft: user.totpEnabledAt ? left!.n : 0 };
    });
    return c.json(status, 200);
  },
);

twoFactorRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/two-factor/enroll',
    tags: ['auth'],
    summary: 'Start enrolling a TOTP authenticator: the secret and otpauth:// URI (for a QR code); confirm with a code to turn it on',
    security: bearerSecurity,
    responses: { 200: jsonContent(TwoFactorEnrollment, 'Add this to the authenticator app'), ...errorResponses(401, 403, 409) },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    if (principal.twoFactorEnabled) throw conflict('Two-factor authentication is already on; turn it off first to use another authenticator', 'two_factor_enabled');
    const secret = generateTotpSecret();
    const sealed = await sealSecret(c.var.config.webhooks.secretKeys, totpContext(principal.userId), secret);
    await c.var.db.global((tx) => tx.update(users).set({ totpSecretSealed: sealed, totpLastStep: null }).where(and(eq(users.id, principal.userId), isNull(users.totpEnabledAt))));
    return c.json({ secret, otpauthUri: otpauthUri(secret, principal.email) }, 200);
  },
);

twoFactorRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/two-factor/confirm',
    tags: ['auth'],
    summary: 'Turn two-factor on with a first code from the authenticator; answers the recovery codes, shown only here',
    security: bearerSecurity,
    request: jsonBody(TwoFactorConfirmInput),
    responses: { 200: jsonContent(z.object({ recoveryCodes: z.array(z.string()) }), 'On'), ...errorResponses(400, 401, 403, 409, 429) },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    const { code } = c.req.valid('json');
    await enforceRateLimit(c.var.redis, `2fa-confirm:user:${principal.userId}`, 10, 300);
    const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    const hashes = await Promise.all(codes.map((rc) => sha256Hex(normalizeRecoveryCode(rc))));
    await c.var.db.scoped({ userId: principal.userId }, async (tx) => {
      const user = await loadUser(tx, principal.userId);
      if (user.totpEnabledAt) throw conflict('Two-factor authentication is already on', 'two_factor_enabled');
      if (!user.totpSecretSealed) throw conflict('Start with POST /auth/two-factor/enroll', 'two_factor_not_enrolling');
      const secret = await openSecret(c.var.config.webhooks.secretKeys, totpContext(user.id), user.totpSecretSealed);
      const step = await matchTotp(secret, code);
      if (step === undefined) throw new ApiError(400, 'invalid_code', 'That code is not right; check the time on your device and enter the current code');
      await tx.update(users).set({ totpEnabledAt: sql`now()`, totpLastStep: step }).where(eq(users.id, user.id));
      await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
      await tx.insert(recoveryCodes).values(hashes.map((codeHash) => ({ userId: user.id, codeHash })));
    });
    return c.json({ recoveryCodes: codes }, 200);
  },
);

twoFactorRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/two-factor/disable',
    tags: ['auth'],
    summary: 'Turn two-factor off (needs the password); recovery codes are deleted',
    security: bearerSecurity,
    request: jsonBody(TwoFactorDisableInput),
    responses: { 200: jsonContent(TwoFactorStatus, 'Off'), ...errorResponses(400, 401, 403, 429) },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    const { password } = c.req.valid('json');
    await enforceRateLimit(c.var.redis, `2fa-disable:user:${principal.userId}`, 10, 300);
    const user = await c.var.db.global(async (tx) => loadUser(tx, principal.userId));
    if (!(await verifyPassword(password, user.passwordHash))) throw wrongPassword();
    await c.var.db.scoped({ userId: user.id }, async (tx) => {
      await tx.update(users).set({ totpEnabledAt: null, totpSecretSealed: null, totpLastStep: null }).where(eq(users.id, user.id));
      await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
    });
    return c.json({ enabled: false, recoveryCodesLeft: 0 }, 200);
  },
);

/** Called by password sign-in for an account with a second factor: a challenge instead of a session. */
export async function issueTwoFactorChallenge(c: Context<AppEnv>, userId: string): Promise<string> {
  const challenge = randomToken();
  await c.var.redis.set(await challengeKey(challenge), JSON.stringify({ userId, attempts: 0 }), { ex: CHALLENGE_TTL_SECONDS });
  return challenge;
}

const invalidChallenge = () => new ApiError(401, 'invalid_challenge', 'This sign-in expired or had too many wrong codes; sign in again with your password');

twoFactorRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/login/two-factor',
    tags: ['auth'],
    summary: 'Finish a password sign-in that answered twoFactorRequired: the challenge and a TOTP code or a recovery code',
    request: jsonBody(LoginTwoFactorInput),
    responses: { 200: jsonContent(z.object({ user: User, token: z.string() }), 'Signed in'), ...errorResponses(400, 401, 429) },
  }),
  async (c) => {
    const input = c.req.valid('json');
    const key = await challengeKey(input.challenge);
    const raw = await c.var.redis.get<{ userId: string } | string>(key);
    if (!raw) throw invalidChallenge();
    const { userId } = typeof raw === 'string' ? (JSON.parse(raw) as { userId: string }) : raw;
    // Wrong answers are counted per challenge: past the limit the challenge is gone.
    const attempts = await c.var.redis.incr(`${key}:attempts`);
    if (attempts === 1) await c.var.redis.expire(`${key}:attempts`, CHALLENGE_TTL_SECONDS);
    if (attempts > CHALLENGE_ATTEMPTS) {
      await c.var.redis.del(key);
      throw invalidChallenge();
    }
    const result = await c.var.db.scoped({ userId }, async (tx) => {
      const user = await loadUser(tx, userId);
      if (!user.totpEnabledAt || !user.totpSecretSealed) return undefined;
      if (input.code) {
        const secret = await openSecret(c.var.config.webhooks.secretKeys, totpContext(user.id), user.totpSecretSealed);
        const step = await matchTotp(secret, input.code);
        if (step === undefined) return undefined;
        // One conditional update: a code (its step) is accepted once, even by two requests at once.
        const [accepted] = await tx
          .update(users)
          .set({ totpLastStep: step })
          .where(and(eq(users.id, user.id), sql`(${users.totpLastStep} is null or ${users.totpLastStep} < ${step})`))
          .returning({ id: users.id });
        if (!accepted) return undefined;
      } else {
        const codeHash = await sha256Hex(normalizeRecoveryCode(input.recoveryCode!));
        const [spent] = await tx
          .update(recoveryCodes)
          .set({ usedAt: sql`now()` })
          .where(and(eq(recoveryCodes.userId, user.id), eq(recoveryCodes.codeHash, codeHash), isNull(recoveryCodes.usedAt)))
          .returning({ id: recoveryCodes.id });
        if (!spent) return undefined;
      }
      return { user: toUser(user), token: await startSession(c, tx, user.id) };
    });
    if (!result) throw new ApiError(401, 'invalid_code', 'That code is not right, or was already used');
    await c.var.redis.del(key, `${key}:attempts`);
    return c.json(result, 200);
  },
);

organizationSecurityRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/security',
    tags: ['organizations'],
    summary: 'Sign-in rules of the organization (owner, admin)',
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: { 200: jsonContent(OrganizationSecurityInput, 'Rules'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const [row] = await withOrganization(c.var.db, c.var.principal, org, 'security.manage', (tx) =>
      tx.select({ requireTwoFactor: organizations.requireTwoFactor }).from(organizations).where(eq(organizations.id, org)),
    );
    return c.json({ requireTwoFactor: row?.requireTwoFactor ?? false }, 200);
  },
);

organizationSecurityRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/{org}/security',
    tags: ['organizations'],
    summary: 'Sign-in rules of the organization: require a second factor of every member (owner, admin)',
    description: 'Turning the requirement on needs a second factor on your own account first, so you cannot lock yourself out.',
    security: bearerSecurity,
    request: { params: OrgParam, ...jsonBody(OrganizationSecurityInput) },
    responses: { 200: jsonContent(OrganizationSecurityInput, 'Saved'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const input = c.req.valid('json');
    const principal = requireUser(c.var.principal);
    if (input.requireTwoFactor && !principal.twoFactorEnabled) {
      throw conflict('Turn on two-factor authentication for your own account first', 'two_factor_required_for_you');
    }
    await withOrganization(c.var.db, principal, org, 'security.manage', async (tx, access) => {
      await tx.update(organizations).set({ requireTwoFactor: input.requireTwoFactor, updatedAt: sql`now()` }).where(eq(organizations.id, org));
      await audit(tx, access, 'security.updated', { type: 'organization', id: org }, input);
    });
    return c.json(input, 200);
  },
);
