// The relying-party half of OpenID Connect (Authorization Code + PKCE), for an organization's own
// provider: discovery, the authorization URL, the code exchange and the id_token check (jose:
// signature against the provider's JWKS, iss, aud, exp/iat, nonce, azp). Everything the provider
// answers is validated before use; a provider that answers badly is the organization's problem,
// reported as `sso_provider_error` (502), never as our 500.
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { z } from 'zod';
import { base64url } from '../auth/crypto.ts';
import { ApiError } from '../errors.ts';

const TIMEOUT_MS = 10_000;
/** Clock skew tolerated on exp/iat/nbf between us and the provider. */
const CLOCK_TOLERANCE_SECONDS = 60;

const Discovery = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
});
export type ProviderMetadata = z.infer<typeof Discovery>;

const TokenResponse = z.object({ id_token: z.string().min(1), token_type: z.string().optional() });

export const providerError = (message: string) => new ApiError(502, 'sso_provider_error', `The organization's identity provider: ${message}`);

/**
 * The issuer must be https (and, in production, a public host): the provider's answers decide who
 * signs in. Outside production http is allowed so the local provider can play the part.
 */
export function checkIssuerUrl(issuer: string, publicOnly: boolean): string {
  const url = new URL(issuer);
  if (url.username || url.password || url.search || url.hash) throw new ApiError(400, 'invalid_issuer', 'The issuer URL may not carry credentials, a query or a fragment');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !publicOnly)) throw new ApiError(400, 'invalid_issuer', 'The issuer URL must use https');
  if (publicOnly) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (host === 'localhost' || !host.includes('.') || /^[\d.]+$/.test(host) || host.includes(':') || /\.(localhost|local|internal|home\.arpa)$/.test(host)) {
      throw new ApiError(400, 'invalid_issuer', 'The issuer must be a public host name');
    }
  }
  // As the provider names itself (no trailing slash unless it had a path ending in one).
  return url.toString().replace(/\/$/, url.pathname === '/' ? '' : '/');
}

async function fetchJson(url: string, init: RequestInit, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw providerError(`${what} could not be reached (${(error as Error).message})`);
  }
  const text = await response.text();
  if (!response.ok) throw providerError(`${what} answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  try {
    return JSON.parse(text);
  } catch {
    throw providerError(`${what} did not answer JSON`);
  }
}

/** The provider's metadata from `{issuer}/.well-known/openid-configuration`; its `issuer` must be ours. */
export async function discover(issuer: string): Promise<ProviderMetadata> {
  const body = await fetchJson(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {}, 'discovery');
  const parsed = Discovery.safeParse(body);
  if (!parsed.success) throw providerError('the discovery document lacks authorization_endpoint, token_endpoint or jwks_uri');
  if (parsed.data.issuer !== issuer) throw providerError(`the discovery document names issuer ${parsed.data.issuer}, not ${issuer}`);
  return parsed.data;
}

export interface PkcePair {
  verifier: string;
  challenge: string;
}

export async function pkcePair(): Promise<PkcePair> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  return { verifier, challenge: base64url(digest) };
}

export function authorizationUrl(
  metadata: ProviderMetadata,
  p: { clientId: string; redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string },
): string {
  const url = new URL(metadata.authorization_endpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', p.clientId);
  url.searchParams.set('redirect_uri', p.redirectUri);
  url.searchParams.set('scope', 'openid email profile');
  url.searchParams.set('state', p.state);
  url.searchParams.set('nonce', p.nonce);
  url.searchParams.set('code_challenge', p.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  if (p.loginHint) url.searchParams.set('login_hint', p.loginHint);
  return url.toString();
}

/** Exchanges the code (client_secret_basic, with the PKCE verifier) for the id_token. */
export async function exchangeCode(
  metadata: ProviderMetadata,
  p: { clientId: string; clientSecret: string; code: string; redirectUri: string; codeVerifier: string },
): Promise<string> {
  const basic = btoa(`${encodeURIComponent(p.clientId)}:${encodeURIComponent(p.clientSecret)}`);
  const body = await fetchJson(
    metadata.token_endpoint,
    {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: p.code, redirect_uri: p.redirectUri, code_verifier: p.codeVerifier }),
    },
    'the token endpoint',
  );
  const parsed = TokenResponse.safeParse(body);
  if (!parsed.success) throw providerError('the token response has no id_token');
  return parsed.data.id_token;
}

export interface VerifiedIdentity {
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string | undefined;
}

/** JWKS per URI, per isolate: jose caches the keys and refetches on an unknown `kid`. */
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
function keySet(jwksUri: string) {
  let found = keySets.get(jwksUri);
  if (!found) {
    found = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: TIMEOUT_MS });
    keySets.set(jwksUri, found);
  }
  return found;
}

export const invalidIdToken = (reason: string) => new ApiError(401, 'sso_invalid_token', `The identity provider's answer was refused: ${reason}`);

/**
 * Verifies an id_token: signed by a key of the provider's JWKS (asymmetric algorithms only), issued
 * by `issuer` for `clientId` (and, with several audiences, authorized for it), unexpired, carrying
 * the nonce of this sign-in. Anything else is `sso_invalid_token` (401).
 */
export async function verifyIdToken(
  idToken: string,
  expected: { issuer: string; clientId: string; nonce: string; jwksUri: string },
): Promise<VerifiedIdentity> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, keySet(expected.jwksUri), {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw invalidIdToken(`claim "${error.claim}" ${error.reason === 'check_failed' ? 'does not match' : error.reason}`);
    if (error instanceof joseErrors.JWTExpired) throw invalidIdToken('the id_token has expired');
    if (error instanceof joseErrors.JOSEError) throw invalidIdToken(`${error.code}`);
    throw error;
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (audiences.length > 1 && payload.azp !== expected.clientId) throw invalidIdToken('claim "azp" does not match');
  if (typeof payload.nonce !== 'string' || payload.nonce !== expected.nonce) throw invalidIdToken('claim "nonce" does not match this sign-in');
  const email = typeof payload.email === 'string' ? payload.email.toLowerCase() : undefined;
  if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw invalidIdToken('the id_token carries no email address (ask for the "email" scope)');
  return {
    subject: payload.sub!,
    email,
    emailVerified: payload.email_verified === true,
    name: typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim().slice(0, 120) : undefined,
  };
}
