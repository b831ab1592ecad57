// SSO test helpers: a person at the local OIDC provider (scripts/local/oidc-provider.ts, started by
// global-setup), driven over HTTP the way a browser would (cookies, the sign-in form, redirects),
// up to the provider's redirect back to the web app's /sso/callback.
import { inject } from 'vitest';
import { api, setPlan, unique, type Tenant } from './api-client.ts';

/** Every address signs in at the test provider with this password (OIDC_TEST_PASSWORD). */
export const IDP_PASSWORD = 'idp-test-password';
export const oidc = () => inject('oidc');
export const ssoClient = () => oidc().clients[0]!;
export const otherClient = () => oidc().clients[1]!;

/** A fresh domain per test, so no two tests (or runs) claim the same one. */
export const uniqueDomain = (label = 'sso') => `${unique(label)}.example-corp.test`;

class CookieJar {
  #cookies = new Map<string, string>();
  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  keep(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      this.#cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1));
    }
  }
}

/**
 * Signs in at the provider as `email` from `authorizationUrl` and returns where the provider sends
 * the browser back (the redirect URI with code and state), without following it.
 */
export async function signInAtProvider(authorizationUrl: string, email: string, password = IDP_PASSWORD): Promise<URL> {
  const jar = new CookieJar();
  const go = async (url: URL, init: RequestInit = {}) => {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header() } });
    jar.keep(response);
    return response;
  };
  let response = await go(new URL(authorizationUrl));
  let interaction: URL | undefined;
  for (let hops = 0; hops < 10; hops++) {
    if (response.status < 300 || response.status >= 400) break;
    const next = new URL(response.headers.get('location')!, authorizationUrl);
    if (!next.href.startsWith(oidc().issuer)) return next;
    if (next.pathname.startsWith('/interaction/') && !interaction) {
      interaction = next;
      await (await go(next)).text();
      response = await go(new URL(`${next.pathname}/login`, next), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email, password }).toString(),
      });
      continue;
    }
    response = await go(next);
  }
  throw new Error(`the provider did not redirect back: ${response.status} ${(await response.text()).slice(0, 300)}`);
}

/** A Business organization whose SSO is set up against the test provider for `domain`. */
export async function setUpSso(owner: Tenant, domain: string, extra: Record<string, unknown> = {}) {
  await setPlan(owner, 'business');
  const saved = await api('PUT', `/organizations/${owner.organizationId}/sso`, {
    token: owner.token,
    body: { issuer: oidc().issuer, clientId: ssoClient().clientId, clientSecret: ssoClient().clientSecret, domains: [domain], ...extra },
  });
  if (saved.status !== 200) throw new Error(`SSO setup failed: ${saved.status} ${JSON.stringify(saved.body)}`);
  return saved.body.connection;
}

/** The whole sign-in: start for `email`, sign in at the provider as `as` (default: the same), callback. */
export async function ssoSignIn(email: string, as = email) {
  const start = await api('POST', '/auth/sso/start', { body: { email } });
  if (start.status !== 200) return { start, callback: undefined, state: undefined };
  const back = await signInAtProvider(start.body.authorizationUrl, as);
  const state = back.searchParams.get('state')!;
  const callback = await api('POST', '/auth/sso/callback', { body: { code: back.searchParams.get('code'), state } });
  return { start, callback, state, code: back.searchParams.get('code')! };
}

/**
 * An id_token straight from the provider for `client` (any of its clients), for `email` with
 * `nonce`: what an attacker could obtain from the same provider through another application.
 */
export async function idTokenFromProvider(client: { clientId: string; clientSecret: string; redirectUris: string[] }, email: string, nonce: string) {
  const { authorizationUrl, discover, exchangeCode, pkcePair } = await import('../src/sso/oidc.ts');
  const metadata = await discover(oidc().issuer);
  const pkce = await pkcePair();
  const redirectUri = client.redirectUris[0]!;
  const url = authorizationUrl(metadata, { clientId: client.clientId, redirectUri, state: 'test-state', nonce, codeChallenge: pkce.challenge });
  const back = await signInAtProvider(url, email);
  const idToken = await exchangeCode(metadata, { clientId: client.clientId, clientSecret: client.clientSecret, code: back.searchParams.get('code')!, redirectUri, codeVerifier: pkce.verifier });
  return { idToken, metadata };
}
