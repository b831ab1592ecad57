// SSO (OpenID Connect) against a REAL provider (oidc-provider, started by global-setup): the
// settings API and its plan gate, sign-in with just-in-time membership, and the attacks: states
// and nonces we did not issue or already used, id_tokens for another audience or issuer or signed
// by another key, unverified and out-of-domain addresses, an organization's provider reaching for
// an account outside that organization, a downgrade, and "SSO required".
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { SignJWT, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { memberships, ssoConnections } from '@roomcast/schema/db';
import { loadConfig } from '../src/config.ts';
import { Database } from '../src/db/database.ts';
import type { Env } from '../src/env.ts';
import { verifyIdToken } from '../src/sso/oidc.ts';
import { addMember, api, markEmailVerified, setPlan, signUp, unique } from './api-client.ts';
import { idTokenFromProvider, oidc, otherClient, setUpSso, signInAtProvider, ssoClient, ssoSignIn, uniqueDomain } from './sso-helpers.ts';

const withDb = async <T>(work: (db: Database) => Promise<T>) => {
  const db = new Database(loadConfig(env as unknown as Env));
  try {
    return await work(db);
  } finally {
    await db.close();
  }
};

/** Signs up with a password at an address of `domain` (a person who had an account before SSO). */
async function passwordAccount(domain: string, label = 'member') {
  const email = `${unique(label)}@${domain}`;
  const res = await api('POST', '/auth/signup', { body: { email, password: 'correct horse battery', name: label, organizationName: `${label} org` } });
  expect(res.status).toBe(201);
  return { email, token: res.body.token as string, userId: res.body.user.id as string, organizationId: res.body.organization.id as string };
}

describe('SSO settings', () => {
  it('need a Business plan and an admin; the secret is sealed and never shown back', async () => {
    const owner = await signUp('sso-settings');
    const domain = uniqueDomain();
    const url = `/organizations/${owner.organizationId}/sso`;
    const body = { issuer: oidc().issuer, clientId: ssoClient().clientId, clientSecret: ssoClient().clientSecret, domains: [domain] };
    const starter = await api('PUT', url, { token: owner.token, body });
    expect(starter.status).toBe(403);
    expect(starter.body.error.code).toBe('plan_limit');

    await setPlan(owner, 'business');
    const host = await addMember(owner, 'host');
    expect((await api('PUT', url, { token: host.token, body })).status).toBe(403);
    expect((await api('PUT', url, { token: owner.token, body: { ...body, domains: ['gmail.com'] } })).body.error.code).toBe('public_email_domain');
    expect((await api('PUT', url, { token: owner.token, body: { ...body, issuer: 'http://127.0.0.1:1' } })).body.error.code).toBe('sso_provider_error');
    const { clientSecret: _omitted, ...withoutSecret } = body;
    expect((await api('PUT', url, { token: owner.token, body: withoutSecret })).status).toBe(400);

    const saved = await api('PUT', url, { token: owner.token, body: { ...body, defaultRole: 'moderator' } });
    expect(saved.status).toBe(200);
    expect(saved.body.connection).toMatchObject({ issuer: oidc().issuer, domains: [domain], defaultRole: 'moderator', ssoRequired: false, planAllowsSso: true, redirectUri: 'http://roomcast.test/sso/callback' });
    expect(JSON.stringify(saved.body)).not.toContain(ssoClient().clientSecret);
    expect(saved.body.connection.clientSecretHint).toBe(`••••${ssoClient().clientSecret.slice(-4)}`);
    const stored = await withDb((db) => db.scoped({ organizationId: owner.organizationId }, (tx) => tx.select().from(ssoConnections).where(eq(ssoConnections.organizationId, owner.organizationId))));
    expect(stored[0]!.clientSecretSealed).toMatch(/^sealed:v1:/);
    expect(stored[0]!.clientSecretSealed).not.toContain(ssoClient().clientSecret);
    // Saving again without a secret keeps the stored one.
    expect((await api('PUT', url, { token: owner.token, body: withoutSecret })).status).toBe(200);

    // A domain signs in through one organization only.
    const rival = await signUp('sso-rival');
    await setPlan(rival, 'business');
    const taken = await api('PUT', `/organizations/${rival.organizationId}/sso`, { token: rival.token, body });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('domain_taken');
    // Another tenant's settings are not there for it.
    expect((await api('GET', url, { token: rival.token })).status).toBe(404);
  });
});

describe('SSO sign-in', () => {
  it('signs a new person of the domain in with just-in-time membership, and the same account next time', async () => {
    const owner = await signUp('sso-jit');
    const domain = uniqueDomain();
    await setUpSso(owner, domain, { defaultRole: 'host' });
    const email = `ada@${domain}`;
    const first = await ssoSignIn(email);
    expect(first.start.status).toBe(200);
    expect(first.start.body.organization.name).toBe('sso-jit org');
    const authorize = new URL(first.start.body.authorizationUrl);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.callback!.status).toBe(200);
    expect(first.callback!.body).toMatchObject({ created: true, user: { email, emailVerified: true }, organization: { id: owner.organizationId } });
    const me = await api('GET', '/auth/me', { token: first.callback!.body.token });
    expect(me.body.organizations).toEqual([expect.objectContaining({ id: owner.organizationId, role: 'host' })]);
    // No password was ever set: password sign-in does not open the account.
    expect((await api('POST', '/auth/login', { body: { email, password: '!sso-only' } })).status).toBe(401);

    const again = await ssoSignIn(email);
    expect(again.callback!.body).toMatchObject({ created: false, user: { id: first.callback!.body.user.id } });
  });

  it('refuses a state it did not issue, and a state (with its code) used before', async () => {
    const owner = await signUp('sso-state');
    const domain = uniqueDomain();
    await setUpSso(owner, domain);
    const forged = await api('POST', '/auth/sso/callback', { body: { code: 'some-code', state: 'A'.repeat(43) } });
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('sso_invalid_state');

    const done = await ssoSignIn(`replay@${domain}`);
    expect(done.callback!.status).toBe(200);
    const replay = await api('POST', '/auth/sso/callback', { body: { code: done.code, state: done.state } });
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe('sso_invalid_state');

    // A code obtained in one sign-in presented with another sign-in's state: the PKCE verifier of
    // that other sign-in does not match the code, and the provider refuses the exchange.
    const a = await api('POST', '/auth/sso/start', { body: { email: `mix@${domain}` } });
    const b = await api('POST', '/auth/sso/start', { body: { email: `mix@${domain}` } });
    const backA = await signInAtProvider(a.body.authorizationUrl, `mix@${domain}`);
    const stateB = new URL(b.body.authorizationUrl).searchParams.get('state');
    const mixed = await api('POST', '/auth/sso/callback', { body: { code: backA.searchParams.get('code'), state: stateB } });
    expect(mixed.status).toBe(502);
    expect(mixed.body.error.code).toBe('sso_provider_error');
  });

  it('verifies id_tokens: another audience, another issuer, another nonce or another key are refused', async () => {
    const email = `token@${uniqueDomain()}`;
    const ours = await idTokenFromProvider(ssoClient(), email, 'nonce-of-this-sign-in');
    const expected = { issuer: oidc().issuer, clientId: ssoClient().clientId, nonce: 'nonce-of-this-sign-in', jwksUri: ours.metadata.jwks_uri };
    await expect(verifyIdToken(ours.idToken, expected)).resolves.toMatchObject({ email, emailVerified: true });

    const refusal = async (token: string, change: Partial<typeof expected>) => {
      const error = await verifyIdToken(token, { ...expected, ...change }).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 401, code: 'sso_invalid_token' });
      return (error as Error).message;
    };
    // The same provider, the same person, but issued to another application.
    const theirs = await idTokenFromProvider(otherClient(), email, 'nonce-of-this-sign-in');
    expect(await refusal(theirs.idToken, {})).toMatch(/"aud"/);
    expect(await refusal(ours.idToken, { issuer: 'https://idp.elsewhere.example' })).toMatch(/"iss"/);
    expect(await refusal(ours.idToken, { nonce: 'nonce-of-another-sign-in' })).toMatch(/nonce/);
    // Right claims, signed by a key that is not the provider's.
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ email, email_verified: true, nonce: expected.nonce })
      .setProtectedHeader({ alg: 'RS256', kid: 'attacker' })
      .setIssuer(expected.issuer)
      .setAudience(expected.clientId)
      .setSubject('user-forged')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    await refusal(forged, {});
    // Unsigned (alg none) is not even parsed as a candidate.
    const [, payload] = ours.idToken.split('.');
    await refusal(`${btoa(JSON.stringify({ alg: 'none' })).replace(/=+$/, '')}.${payload}.`, {});
  });

  it('needs an address the provider verified, in one of the organization\'s domains', async () => {
    const owner = await signUp('sso-claims');
    const domain = uniqueDomain();
    await setUpSso(owner, domain);
    const unverified = await ssoSignIn(`unverified-kim@${domain}`);
    expect(unverified.callback!.status).toBe(403);
    expect(unverified.callback!.body.error.code).toBe('sso_email_unverified');
    // Started for the domain, but the person at the provider is someone of another domain.
    const outside = await ssoSignIn(`lee@${domain}`, `lee@${uniqueDomain('elsewhere')}`);
    expect(outside.callback!.status).toBe(403);
    expect(outside.callback!.body.error.code).toBe('sso_domain_not_allowed');
    const unknown = await api('POST', '/auth/sso/start', { body: { email: `x@${uniqueDomain('nobody')}` } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('sso_not_configured');
  });

  it('cannot take over an account outside its organization: an existing account is linked only once it is a member', async () => {
    const domain = uniqueDomain('victim');
    // The victim had an account (and an organization of their own) at this address before.
    const victim = await passwordAccount(domain, 'victim');
    // An attacker's organization claims the victim's domain and signs in "as" the victim.
    const attacker = await signUp('sso-attacker');
    await setUpSso(attacker, domain, { defaultRole: 'admin' });
    const takeover = await ssoSignIn(victim.email);
    expect(takeover.callback!.status).toBe(409);
    expect(takeover.callback!.body.error.code).toBe('sso_account_exists');
    const rows = await withDb((db) => db.scoped({ organizationId: attacker.organizationId }, (tx) => tx.select().from(memberships).where(eq(memberships.userId, victim.userId))));
    expect(rows).toEqual([]);
    // The victim still has exactly their own organization, and their password still works.
    const me = await api('GET', '/auth/me', { token: victim.token });
    expect(me.body.organizations.map((o: { id: string }) => o.id)).toEqual([victim.organizationId]);
    expect((await api('POST', '/auth/login', { body: { email: victim.email, password: 'correct horse battery' } })).status).toBe(200);

    // Once the person joined by invitation (their own choice), SSO links to their account.
    const invite = await api('POST', `/organizations/${attacker.organizationId}/invitations`, { token: attacker.token, body: { email: victim.email, role: 'viewer' } });
    await markEmailVerified(victim.userId);
    expect((await api('POST', '/invitations/accept', { token: victim.token, body: { token: invite.body.token } })).status).toBe(200);
    const linked = await ssoSignIn(victim.email);
    expect(linked.callback!.status).toBe(200);
    expect(linked.callback!.body).toMatchObject({ created: false, user: { id: victim.userId } });
  });

  it('after a downgrade keeps the settings but refuses SSO sign-in with a clear message, and SSO required no longer applies', async () => {
    const owner = await signUp('sso-downgrade');
    const domain = uniqueDomain();
    const member = await passwordAccount(domain, 'down');
    await setUpSso(owner, domain, { ssoRequired: true });
    expect((await api('POST', '/auth/login', { body: { email: member.email, password: 'correct horse battery' } })).status).toBe(403);

    await setPlan(owner, 'starter');
    const refused = await api('POST', '/auth/sso/start', { body: { email: member.email } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('sso_plan');
    expect(refused.body.error.message).toMatch(/not available on its current plan \(Starter\)/);
    const settings = await api('GET', `/organizations/${owner.organizationId}/sso`, { token: owner.token });
    expect(settings.body).toMatchObject({ planAllowsSso: false, connection: { domains: [domain], ssoRequired: true, planAllowsSso: false } });
    expect((await api('POST', '/auth/login', { body: { email: member.email, password: 'correct horse battery' } })).status).toBe(200);

    // A sign-in started before the downgrade is refused at the callback as well.
    await setPlan(owner, 'business');
    const start = await api('POST', '/auth/sso/start', { body: { email: `late@${domain}` } });
    const back = await signInAtProvider(start.body.authorizationUrl, `late@${domain}`);
    await setPlan(owner, 'starter');
    const late = await api('POST', '/auth/sso/callback', { body: { code: back.searchParams.get('code'), state: back.searchParams.get('state') } });
    expect(late.status).toBe(403);
    expect(late.body.error.code).toBe('sso_plan');
  });

  it('with "SSO required" refuses password sign-in and signup for the domain (owners keep a way in)', async () => {
    const domain = uniqueDomain('required');
    const owner = await passwordAccount(domain, 'owner');
    const member = await passwordAccount(domain, 'member');
    await setUpSso({ token: owner.token, organizationId: owner.organizationId, userId: owner.userId, email: owner.email, workspaceId: '' }, domain, { ssoRequired: true });

    const refused = await api('POST', '/auth/login', { body: { email: member.email, password: 'correct horse battery' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'sso_required', details: { signInUrl: `/sso?email=${encodeURIComponent(member.email)}` } });
    expect(refused.body.error.message).toMatch(/requires signing in with SSO/);
    // The same answer whether or not an account exists at that address.
    const nobody = await api('POST', '/auth/login', { body: { email: `nobody@${domain}`, password: 'whatever it is' } });
    expect(nobody.body.error.code).toBe('sso_required');
    const signup = await api('POST', '/auth/signup', { body: { email: `new@${domain}`, password: 'correct horse battery', name: 'New', organizationName: 'New org' } });
    expect(signup.body.error.code).toBe('sso_required');
    // The owner can still sign in with a password (a broken provider must not lock the organization out).
    expect((await api('POST', '/auth/login', { body: { email: owner.email, password: 'correct horse battery' } })).status).toBe(200);
    // Other domains are unaffected.
    expect((await api('POST', '/auth/login', { body: { email: `someone@${uniqueDomain('other')}`, password: 'x' } })).status).toBe(401);
  });
});
