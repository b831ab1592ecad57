// SSO sign-in (/auth/sso): `start` finds the organization by the address's domain and answers the
// provider's authorization URL (Authorization Code + PKCE, with `state` and `nonce`); the provider
// sends the browser to the web app's /sso/callback, which posts the code and state to `callback`.
// state, nonce and the PKCE verifier live server-side in Redis for 10 minutes under the state's
// hash, and are taken out by the callback's first use (GETDEL): a state we did not issue, an
// expired one or a replayed one finds nothing.
import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { SsoCallbackInput, SsoStartInput, SsoStartResponse, User } from '@roomcast/schema/api';
import { organizations, ssoConnections, ssoDomains } from '@roomcast/schema/db';
import type { Role } from '@roomcast/schema';
import { randomToken, sha256Hex } from '../auth/crypto.ts';
import { toUser } from '../auth/routes.ts';
import { startSession } from '../auth/start-session.ts';
import type { Tx } from '../db/database.ts';
import { ApiError, isUniqueViolation } from '../errors.ts';
import { createRouter, errorResponses, jsonBody, jsonContent, type AppEnv } from '../http.ts';
import { clientNetwork } from '../platform/client-network.ts';
import { enforceRateLimit } from '../platform/rate-limit.ts';
import { effectivePlan } from '../plans/limits.ts';
import { openSecret } from '../webhooks/secret-box.ts';
import { clientSecretContext, ssoRedirectUri } from './connection-routes.ts';
import { domainOf, findSsoDomain } from './domains.ts';
import { linkSsoIdentity } from './link-identity.ts';
import { authorizationUrl, discover, exchangeCode, pkcePair, verifyIdToken } from './oidc.ts';

export const ssoSignInRoutes = createRouter();

const STATE_TTL_SECONDS = 600;
const stateKey = async (state: string) => `sso:state:${await sha256Hex(state)}`;

interface PendingSignIn {
  organizationId: string;
  issuer: string;
  clientId: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

const notConfigured = (domain: string) =>
  new ApiError(404, 'sso_not_configured', `No organization signs in with SSO for ${domain}; sign in with your password`);

/** The organization's SSO settings and plan, or the reason sign-in through them is refused. */
async function loadSignInTarget(tx: Tx, organizationId: string) {
  const [row] = await tx
    .select({ connection: ssoConnections, organization: organizations })
    .from(ssoConnections)
    .innerJoin(organizations, eq(organizations.id, ssoConnections.organizationId))
    .where(eq(ssoConnections.organizationId, organizationId));
  if (!row) return undefined;
  const plan = await effectivePlan(tx, organizationId);
  if (!plan.sso) {
    throw new ApiError(
      403,
      'sso_plan',
      `SSO sign-in for ${row.organization.name} is not available on its current plan (${plan.name}). An owner can upgrade to Business; meanwhile sign in with your password.`,
      { plan: plan.id },
    );
  }
  const domains = await tx.select({ domain: ssoDomains.domain }).from(ssoDomains).where(eq(ssoDomains.organizationId, organizationId));
  return { ...row, domains: domains.map((d) => d.domain) };
}

async function limitSsoAttempts(c: Context<AppEnv>, action: string) {
  const client = clientNetwork(c.req.header('cf-connecting-ip')) ?? 'unknown';
  await enforceRateLimit(c.var.redis, `sso-${action}:ip:${client}`, c.var.config.authRateLimit.perIp, 60);
}

ssoSignInRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/sso/start',
    tags: ['sso'],
    summary: 'Start an SSO sign-in: the organization is found by the address\'s domain; open authorizationUrl in the browser',
    request: jsonBody(SsoStartInput),
    responses: { 200: jsonContent(SsoStartResponse, 'Go to the provider'), ...errorResponses(400, 403, 404, 429) },
  }),
  async (c) => {
    const { email } = c.req.valid('json');
    await limitSsoAttempts(c, 'start');
    const found = await findSsoDomain(c.var.db, email);
    if (!found) throw notConfigured(domainOf(email));
    const target = await c.var.db.scoped({ organizationId: found.organizationId }, (tx) => loadSignInTarget(tx, found.organizationId));
    if (!target) throw notConfigured(domainOf(email));
    const metadata = await discover(target.connection.issuer);
    const state = randomToken();
    const nonce = randomToken();
    const pkce = await pkcePair();
    const redirectUri = ssoRedirectUri(c);
    const pending: PendingSignIn = {
      organizationId: found.organizationId,
      issuer: target.connection.issuer,
      clientId: target.connection.clientId,
      nonce,
      codeVerifier: pkce.verifier,
      redirectUri,
    };
    await c.var.redis.set(await stateKey(state), JSON.stringify(pending), { ex: STATE_TTL_SECONDS });
    const url = authorizationUrl(metadata, { clientId: target.connection.clientId, redirectUri, state, nonce, codeChallenge: pkce.challenge, loginHint: email });
    return c.json({ authorizationUrl: url, organization: { name: target.organization.name, slug: target.organization.slug } }, 200);
  },
);

ssoSignInRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/sso/callback',
    tags: ['sso'],
    summary: 'Finish an SSO sign-in with the code and state the provider sent to /sso/callback',
    description:
      'The state must be one this API issued in the last 10 minutes and not used before. The id_token must be signed by the provider, for this client, carry the sign-in\'s nonce, and a verified address in one of the organization\'s domains.',
    request: jsonBody(SsoCallbackInput),
    responses: {
      200: jsonContent(z.object({ user: User, token: z.string(), organization: z.object({ id: z.string(), slug: z.string() }), created: z.boolean() }), 'Signed in'),
      ...errorResponses(400, 401, 403, 409, 429),
    },
  }),
  async (c) => {
    const input = c.req.valid('json');
    await limitSsoAttempts(c, 'callback');
    const raw = await c.var.redis.getdel<PendingSignIn | string>(await stateKey(input.state));
    if (!raw) throw new ApiError(400, 'sso_invalid_state', 'This sign-in is unknown, expired or was already used; start the SSO sign-in again');
    const pending: PendingSignIn = typeof raw === 'string' ? JSON.parse(raw) : raw;
    const { config } = c.var;

    const target = await c.var.db.scoped({ organizationId: pending.organizationId }, (tx) => loadSignInTarget(tx, pending.organizationId));
    // Settings changed since the start: this sign-in was for a provider that is no longer configured.
    if (!target || target.connection.issuer !== pending.issuer || target.connection.clientId !== pending.clientId) {
      throw new ApiError(400, 'sso_invalid_state', 'The organization\'s SSO settings changed during this sign-in; start again');
    }
    const clientSecret = await openSecret(config.webhooks.secretKeys, clientSecretContext(pending.organizationId), target.connection.clientSecretSealed);
    const metadata = await discover(pending.issuer);
    const idToken = await exchangeCode(metadata, { clientId: pending.clientId, clientSecret, code: input.code, redirectUri: pending.redirectUri, codeVerifier: pending.codeVerifier });
    const identity = await verifyIdToken(idToken, { issuer: pending.issuer, clientId: pending.clientId, nonce: pending.nonce, jwksUri: metadata.jwks_uri });
    if (!identity.emailVerified) {
      throw new ApiError(403, 'sso_email_unverified', `Your identity provider has not verified ${identity.email}; ask your administrator`);
    }
    if (!target.domains.includes(domainOf(identity.email))) {
      throw new ApiError(403, 'sso_domain_not_allowed', `${identity.email} is not in a domain that ${target.organization.name} signs in with SSO`);
    }
    try {
      const result = await c.var.db.scoped({ organizationId: pending.organizationId }, async (tx) => {
        const { user, created } = await linkSsoIdentity(
          tx,
          { id: pending.organizationId, name: target.organization.name, issuer: pending.issuer, domains: target.domains, defaultRole: target.connection.defaultRole as Role },
          identity,
        );
        return { user: toUser(user), token: await startSession(c, tx, user.id), created };
      });
      return c.json({ ...result, organization: { id: target.organization.id, slug: target.organization.slug } }, 200);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ApiError(409, 'conflict', 'This sign-in raced another one for the same account; try again');
      throw error;
    }
  },
);
