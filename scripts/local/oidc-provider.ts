// A REAL OpenID Connect provider for local runs and tests: panva's oidc-provider (certified OP),
// playing an organization's identity provider for Roomcast's SSO. `npm run dev` starts it with a
// couple of users; the test stacks start it with `anyUser`, where any address signs in with the
// shared test password (the directory is "everyone"), so a test can make up the people it needs.
// Addresses whose local part starts with `unverified` come with email_verified=false.
//
//   GET  /.well-known/openid-configuration, /jwks, /auth, POST /token, ...   oidc-provider itself
//   GET  /interaction/{uid}         the sign-in form (our own page: oidc-provider ships no UI)
//   POST /interaction/{uid}/login   email + password; consent is granted at once (a company IdP)
//   GET  /health
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** The body of GET /health: how setups recognise a provider another run already started. */
export const OIDC_HEALTH = 'roomcast local oidc provider';
/** The password of every user of an `anyUser` provider. */
export const OIDC_TEST_PASSWORD = 'idp-test-password';

/** The client and users `npm run dev` (and the e2e stack) start the provider with. */
export const LOCAL_OIDC_CLIENT = { clientId: 'roomcast-local', clientSecret: 'roomcast-local-oidc-secret' } as const;
export const LOCAL_OIDC_USERS: OidcUser[] = [
  { email: 'ada@acme.test', name: 'Ada Lovelace', password: 'idp-password' },
  { email: 'grace@acme.test', name: 'Grace Hopper', password: 'idp-password' },
];

export interface OidcClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface OidcUser {
  email: string;
  password: string;
  name: string;
  emailVerified?: boolean;
}

export interface LocalOidcOptions {
  port: number;
  host?: string;
  clients: OidcClient[];
  /** Fixed users, or 'any': any address with OIDC_TEST_PASSWORD. */
  users: OidcUser[] | 'any';
  log?: (line: string) => void;
}

export interface LocalOidc {
  issuer: string;
  close(): Promise<void>;
}

/** A stable subject per address, like a directory's immutable user id. */
const subjectOf = (email: string) => `user-${createHash('sha256').update(email).digest('hex').slice(0, 20)}`;

export async function startLocalOidc(options: LocalOidcOptions): Promise<LocalOidc> {
  const host = options.host ?? '127.0.0.1';
  const issuer = `http://${host}:${options.port}`;
  const log = options.log ?? (() => {});
  const accounts = new Map<string, { email: string; name: string; emailVerified: boolean }>();

  const findUser = (email: string, password: string) => {
    if (options.users === 'any') {
      if (password !== OIDC_TEST_PASSWORD || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return undefined;
      return { email, name: email.slice(0, email.indexOf('@')), emailVerified: !email.startsWith('unverified') };
    }
    const user = options.users.find((u) => u.email === email && u.password === password);
    return user ? { email: user.email, name: user.name, emailVerified: user.emailVerified ?? true } : undefined;
  };

  // A fresh signing key per start: relying parties fetch it from /jwks.
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    jwks: { keys: [{ ...signingKey, kid: `local-${Date.now()}`, use: 'sig', alg: 'RS256' }] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Claims of the requested scopes go into the id_token, as with common company providers.
    conformIdTokenClaims: false,
    // Every client must use PKCE (S256), not only public ones.
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['roomcast-local-oidc-cookie-key'] },
    findAccount: (_ctx: unknown, id: string) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => ({ sub: id, email: account.email, email_verified: account.emailVerified, name: account.name }),
      };
    },
  });
  const callback = provider.callback();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`oidc: ${(error as Error).message}`);
      if (!res.headersSent) page(res, 400, `<p>${escapeHtml((error as Error).message)}</p>`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', issuer);
    if (url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(OIDC_HEALTH);
      return;
    }
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(url.pathname);
    if (!match) {
      callback(req, res);
      return;
    }
    const details = await provider.interactionDetails(req, res);
    const clientId = String(details.params.client_id);
    // Signed in already (another client asked): grant this one too.
    if (details.prompt.name === 'consent' && details.session?.accountId) {
      const grantId = await grantFor(details.session.accountId, clientId, String(details.params.scope));
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    if (req.method === 'POST' && match[2]) {
      const form = new URLSearchParams(await readBody(req));
      const email = (form.get('email') ?? '').trim().toLowerCase();
      const user = findUser(email, form.get('password') ?? '');
      if (!user) {
        page(res, 200, loginForm(details.uid, email, 'Unknown email or wrong password'));
        return;
      }
      const accountId = subjectOf(user.email);
      accounts.set(accountId, user);
      const grantId = await grantFor(accountId, clientId, String(details.params.scope));
      log(`oidc: ${user.email} signed in for ${clientId}`);
      await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
      return;
    }
    page(res, 200, loginForm(details.uid, String(details.params.login_hint ?? ''), undefined));
  }

  async function grantFor(accountId: string, clientId: string, scope: string) {
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(scope);
    return grant.save();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  log(`oidc: provider at ${issuer} (port ${(server.address() as AddressInfo).port})`);
  return {
    issuer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 64 * 1024) req.destroy(new Error('form too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Local identity provider</title></head><body style="font-family:sans-serif;max-width:24rem;margin:3rem auto">${body}</body></html>`);
}

function loginForm(uid: string, email: string, error: string | undefined) {
  return `<h1>Local identity provider</h1>
<p>Sign in to continue to Roomcast.</p>
${error ? `<p role="alert" style="color:#b91c1c">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <label>Email <input name="email" type="email" value="${escapeHtml(email)}" required></label><br><br>
  <label>Password <input name="password" type="password" required></label><br><br>
  <button type="submit">Sign in</button>
</form>`;
}
