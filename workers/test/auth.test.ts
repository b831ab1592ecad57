import { describe, expect, it } from 'vitest';
import { api, signUp, unique, withinOneRateWindow } from './api-client.ts';

const password = 'correct horse battery';

describe('signup', () => {
  it('creates user, organization, default workspace and owner membership, and signs in', async () => {
    const email = `${unique('signup')}@Example.TEST`;
    const res = await api('POST', '/auth/signup', { body: { email, password, name: 'Ada', organizationName: 'Ada Trading' } });
    expect(res.status).toBe(201);
    expect(res.body.user.email).toBe(email.toLowerCase());
    expect(res.body.organization).toMatchObject({ name: 'Ada Trading', role: 'owner', planId: 'starter' });
    expect(res.body.token).toMatch(/^[0-9a-f-]{36}\|[\w-]{43}$/);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/rc_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Lax/);

    const me = await api('GET', '/auth/me', { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body.organizations).toEqual([expect.objectContaining({ id: res.body.organization.id, role: 'owner' })]);
    const workspaces = await api('GET', `/organizations/${res.body.organization.id}/workspaces`, { token: res.body.token });
    expect(workspaces.body.workspaces).toHaveLength(1);
    const members = await api('GET', `/organizations/${res.body.organization.id}/members`, { token: res.body.token });
    expect(members.body.members).toEqual([expect.objectContaining({ userId: res.body.user.id, role: 'owner' })]);
  });

  it('rejects invalid input with field details', async () => {
    const res = await api('POST', '/auth/signup', { body: { email: 'not-an-email', password: 'short', name: '', organizationName: 'x' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['email', 'password', 'name']));
  });

  it('rejects malformed JSON and a missing body', async () => {
    const malformed = await api('POST', '/auth/signup', { rawBody: '{"email": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');
    const missing = await api('POST', '/auth/signup', { headers: { 'content-type': 'text/plain' }, rawBody: 'hello' });
    expect(missing.status).toBe(415);
    expect(missing.body.error.code).toBe('unsupported_media_type');
  });

  it('refuses a second account with the same email (any case)', async () => {
    const email = `${unique('dup')}@example.test`;
    const first = await api('POST', '/auth/signup', { body: { email, password, name: 'A', organizationName: 'A' } });
    expect(first.status).toBe(201);
    const second = await api('POST', '/auth/signup', { body: { email: email.toUpperCase(), password, name: 'B', organizationName: 'B' } });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('email_taken');
  });

  it('gives two organizations with the same name distinct slugs', async () => {
    const name = unique('Same Name');
    const a = await api('POST', '/auth/signup', { body: { email: `${unique('a')}@example.test`, password, name: 'A', organizationName: name } });
    const b = await api('POST', '/auth/signup', { body: { email: `${unique('b')}@example.test`, password, name: 'B', organizationName: name } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.organization.slug).not.toBe(b.body.organization.slug);
  });
});

describe('login, me and logout', () => {
  it('logs in with the right password only', async () => {
    const tenant = await signUp('login');
    const ok = await api('POST', '/auth/login', { body: { email: tenant.email.toUpperCase(), password } });
    expect(ok.status).toBe(200);
    expect(ok.body.user.id).toBe(tenant.userId);
    const wrong = await api('POST', '/auth/login', { body: { email: tenant.email, password: 'wrong password!' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const unknown = await api('POST', '/auth/login', { body: { email: 'nobody@example.test', password } });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('invalid_credentials');
  });

  it('accepts the session cookie as well as the bearer token', async () => {
    const tenant = await signUp('cookie');
    const me = await api('GET', '/auth/me', { headers: { cookie: `rc_session=${encodeURIComponent(tenant.token)}` } });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(tenant.userId);
  });

  it('refuses cross-site writes made with the cookie', async () => {
    const tenant = await signUp('csrf');
    const res = await api('POST', `/organizations/${tenant.organizationId}/workspaces`, {
      headers: { cookie: `rc_session=${encodeURIComponent(tenant.token)}`, origin: 'https://evil.example' },
      body: { name: 'Evil' },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf_rejected');
  });

  it('revokes the session on logout', async () => {
    const tenant = await signUp('logout');
    expect((await api('POST', '/auth/logout', { token: tenant.token })).status).toBe(204);
    const me = await api('GET', '/auth/me', { token: tenant.token });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('unauthenticated');
  });

  it('rejects missing, malformed and forged tokens', async () => {
    const tenant = await signUp('forged');
    expect((await api('GET', '/auth/me')).status).toBe(401);
    expect((await api('GET', '/auth/me', { token: 'garbage' })).status).toBe(401);
    const [id] = tenant.token.split('|');
    const forged = await api('GET', '/auth/me', { token: `${id}|${'A'.repeat(43)}` });
    expect(forged.status).toBe(401);
    expect((await api('GET', '/auth/me', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
  });
});

describe('auth rate limits', () => {
  it('limits login attempts per IP', async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    const statuses: number[] = [];
    await withinOneRateWindow();
    for (let i = 0; i < 32; i++) {
      const res = await api('POST', '/auth/login', { ip, body: { email: `${unique('rl')}@example.test`, password: 'x' } });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
  });

  it('counts login attempts from any address of one IPv6 /64 against one budget', async () => {
    const network = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const statuses: number[] = [];
    await withinOneRateWindow();
    for (let i = 0; i < 31; i++) {
      const ip = `${network}:${(i + 1).toString(16)}::${(i * 7 + 3).toString(16)}`;
      statuses.push((await api('POST', '/auth/login', { ip, body: { email: `${unique('rl6')}@example.test`, password: 'x' } })).status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Another /64 has its own budget.
    const elsewhere = await api('POST', '/auth/login', { ip: '2001:db8:ffff:ffff::1', body: { email: `${unique('rl6')}@example.test`, password: 'x' } });
    expect(elsewhere.status).toBe(401);
  });

  it('limits login attempts per email across IPs', async () => {
    const email = `${unique('rl-email')}@example.test`;
    const statuses: number[] = [];
    await withinOneRateWindow();
    for (let i = 0; i < 11; i++) statuses.push((await api('POST', '/auth/login', { body: { email, password: 'x' } })).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    const last = await api('POST', '/auth/login', { body: { email, password: 'x' } });
    expect(last.status).toBe(429);
    expect(last.body.error.code).toBe('rate_limited');
    expect(last.headers.get('retry-after')).toBe('60');
  });
});
