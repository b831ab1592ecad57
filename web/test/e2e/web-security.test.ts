// The web server (BFF) against an attacker, in real Chromium: links and forms on another site,
// server functions called by GET, open redirects after sign-in, and what the no-JS form path
// writes into cookies. "Another site" is http://evil.example, served by the test (page.route), so
// the browser really navigates cross-site with the victim's SameSite=Lax cookie.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { toJSONAsync } from 'seroval';
import { FormDataPlugin } from 'seroval-plugins/web';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { apiToken, callApi, newAccount, organizationId, PASSWORD, setPlan, signUp, webUrl } from './helpers.ts';

const EVIL = 'http://evil.example';

let chromium: TestBrowser;
beforeAll(async () => {
  chromium = await launchBrowser();
});
afterAll(async () => {
  await chromium?.close();
});

/** Serves `html` as the attacker's page at http://evil.example/ (and a stub for anything else there). */
async function attackerSite(context: BrowserContext, html: string) {
  await context.route(`${EVIL}/**`, (route) =>
    route.fulfill({ contentType: 'text/html', body: new URL(route.request().url()).pathname === '/' ? html : 'evil landing page' }),
  );
}

/** A server function's URL with its arguments in the query string, as SolidStart's no-JS GET path reads them. */
async function serverFunctionGet(action: string, args: unknown[]): Promise<string> {
  const url = new URL(action, webUrl());
  url.searchParams.set('args', JSON.stringify(await toJSONAsync(args, { plugins: [FormDataPlugin] })));
  return url.toString();
}

const formData = (fields: Record<string, string>) => {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return form;
};

/** The `/_server?id=...--{function}_N&name=...` address a page's form posts to. */
async function formAction(page: Page, name: string): Promise<string> {
  const action = await page.locator(`form[action*="--${name}_"]`).first().getAttribute('action');
  expect(action, `a form for ${name}`).toBeTruthy();
  return action!;
}

async function roomStatus(token: string, orgId: string, roomId: string): Promise<string> {
  return (await callApi(`/organizations/${orgId}/rooms/${roomId}`, { token })).body.status as string;
}

describe('web server against cross-site requests', () => {
  it('a link on another site cannot run a server function: the victim’s room is not started', async () => {
    const victim = await chromium.newContext();
    const page = await victim.newPage();
    const account = newAccount('csrf-victim');
    const slug = await signUp(page, account);
    const token = await apiToken(account.email);
    const orgId = await organizationId(token, slug);
    const workspaces = await callApi(`/organizations/${orgId}/workspaces`, { token });
    const room = await callApi(`/organizations/${orgId}/rooms`, { method: 'POST', token, body: { workspaceId: workspaces.body.workspaces[0].id, title: 'Target' } });
    expect(room.status).toBe(201);
    await page.goto(`${webUrl()}/app/${slug}/rooms/${room.body.id}`);
    const startRoom = await serverFunctionGet(await formAction(page, 'startRoom'), [
      formData({ organizationId: orgId, orgSlug: slug, roomId: room.body.id }),
    ]);

    // The attacker's page links to that GET; the victim follows it.
    await attackerSite(victim, `<a id="prize" href="${startRoom}">You won a prize</a>`);
    await page.goto(`${EVIL}/`);
    const [answer] = await Promise.all([page.waitForResponse((r) => r.url().startsWith(`${webUrl()}/_server`)), page.click('#prize')]);
    expect(await roomStatus(token, orgId, room.body.id)).toBe('idle');
    expect(answer.status()).toBe(403);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('csrf_rejected');
    await victim.close();
  });

  it('a link on another site cannot sign the visitor into the attacker’s account', async () => {
    const setup = await chromium.browser.newPage();
    const account = newAccount('csrf-attacker');
    await signUp(setup, account);
    await setup.close();
    const stranger = await chromium.newContext();
    const strangerPage = await stranger.newPage();
    await strangerPage.goto(`${webUrl()}/login`);
    const login = await serverFunctionGet(await formAction(strangerPage, 'login'), [formData({ email: account.email, password: PASSWORD, next: '/app' })]);
    await attackerSite(stranger, `<a id="prize" href="${login}">You won a prize</a>`);
    await strangerPage.goto(`${EVIL}/`);
    const [loginAnswer] = await Promise.all([strangerPage.waitForResponse((r) => r.url().startsWith(`${webUrl()}/_server`)), strangerPage.click('#prize')]);
    expect((await stranger.cookies(webUrl())).some((c) => c.name === 'rc_web')).toBe(false);
    expect(loginAnswer.status()).toBe(403);
    await stranger.close();
  });

  it('a server function cannot be called by GET (or any method but POST) even from this site', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    const account = newAccount('get-fn');
    const slug = await signUp(page, account);
    const token = await apiToken(account.email);
    const orgId = await organizationId(token, slug);
    const workspaces = await callApi(`/organizations/${orgId}/workspaces`, { token });
    const room = await callApi(`/organizations/${orgId}/rooms`, { method: 'POST', token, body: { workspaceId: workspaces.body.workspaces[0].id, title: 'Target' } });
    await page.goto(`${webUrl()}/app/${slug}/rooms/${room.body.id}`);
    const startRoom = new URL(
      await serverFunctionGet(await formAction(page, 'startRoom'), [formData({ organizationId: orgId, orgSlug: slug, roomId: room.body.id })]),
    );
    const cookie = (await context.cookies(webUrl())).map((c) => `${c.name}=${c.value}`).join('; ');

    // Typed into the address bar or followed from a page of ours: no Origin, Sec-Fetch-Site none/same-origin.
    const answers: Record<string, number> = {};
    for (const [method, site] of [
      ['GET', 'none'],
      ['GET', 'same-origin'],
      ['HEAD', 'same-origin'],
      ['OPTIONS', 'same-origin'],
    ] as const) {
      const res = await fetch(startRoom, { method, headers: { cookie, 'sec-fetch-site': site }, redirect: 'manual' });
      answers[`${method} ${site}`] = res.status;
      if (method === 'GET' && res.status === 405) expect(((await res.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    }
    expect(await roomStatus(token, orgId, room.body.id)).toBe('idle');
    expect(answers).toEqual({ 'GET none': 405, 'GET same-origin': 405, 'HEAD same-origin': 405, 'OPTIONS same-origin': 405 });
    // The same endpoint spelled differently reaches no server function either.
    for (const path of ['/_server/', '//_server', '/%5Fserver']) {
      const res = await fetch(`${webUrl()}${path}${startRoom.search}`, { headers: { cookie }, redirect: 'manual' });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
    }
    expect(await roomStatus(token, orgId, room.body.id)).toBe('idle');

    // The page's own POST still works (JS on): the room starts.
    await page.getByRole('button', { name: 'Start live session' }).click();
    await expect.poll(() => roomStatus(token, orgId, room.body.id)).toBe('live');
    await context.close();
  });
});

describe('sign-in redirects (next)', () => {
  for (const javaScriptEnabled of [false, true]) {
    it(`stays on this site whatever next says (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const context = await chromium.newContext({ javaScriptEnabled });
      await attackerSite(context, 'evil');
      const page = await context.newPage();
      const account = newAccount(`next-${javaScriptEnabled ? 'js' : 'nojs'}`);
      const setup = await chromium.browser.newPage();
      await signUp(setup, account);
      await setup.close();
      for (const next of ['/\\evil.example', '/\\/evil.example', '//evil.example', '/.//evil.example', '/%2F%2Fevil.example', '/%5Cevil.example', '/%09/evil.example']) {
        await context.clearCookies();
        await page.goto(`${webUrl()}/login?next=${encodeURIComponent(next)}`);
        await page.getByLabel('Email').fill(account.email);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL((url) => !url.pathname.startsWith('/login') && !url.pathname.startsWith('/_server'));
        expect(new URL(page.url()).origin, next).toBe(new URL(webUrl()).origin);
      }
      // A path on this site is still where signing in leads.
      await context.clearCookies();
      await page.goto(`${webUrl()}/login?next=${encodeURIComponent('/app?from=next')}`);
      await page.getByLabel('Email').fill(account.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/app'));
      await context.close();
    });
  }
});

describe('no-JS forms', () => {
  /** Submits a form without JavaScript and returns the Set-Cookie lines of the server function's answer. */
  async function submitNoJs(page: Page, button: string): Promise<string> {
    const [answer] = await Promise.all([page.waitForResponse((r) => r.url().startsWith(`${webUrl()}/_server`)), page.getByRole('button', { name: button }).click()]);
    await page.waitForLoadState();
    return (await answer.headerValue('set-cookie')) ?? '';
  }

  const holds = (setCookie: string, secret: string) => setCookie.includes(secret) || decodeURIComponent(setCookie).includes(secret);

  it('a failed sign-in or sign-up never writes the password into a cookie, and still shows the error', async () => {
    const context = await chromium.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const account = newAccount('flash');
    const setup = await chromium.browser.newPage();
    await signUp(setup, account);
    await setup.close();
    const wrong = 'wrong password 7c1f0e9a';

    await page.goto(`${webUrl()}/login`);
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(wrong);
    const loginCookies = await submitNoJs(page, 'Sign in');
    expect(loginCookies).toContain('flash=');
    expect(holds(loginCookies, wrong)).toBe(false);
    expect(loginCookies).toMatch(/flash=[^;]*; Path=\/; HttpOnly; SameSite=Lax/);
    await page.getByRole('alert').getByText('Email or password is incorrect').waitFor();
    for (const c of await context.cookies()) expect(holds(c.value, wrong), c.name).toBe(false);

    // Sign-up with an email that is taken: refused by the API, the password stays out of cookies.
    await page.goto(`${webUrl()}/signup`);
    await page.getByLabel('Your name').fill('Second Try');
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(wrong);
    await page.getByLabel('Organization name').fill('Second desk');
    const signupCookies = await submitNoJs(page, 'Create account');
    expect(signupCookies).toContain('flash=');
    expect(holds(signupCookies, wrong)).toBe(false);
    for (const c of await context.cookies()) expect(holds(c.value, wrong), c.name).toBe(false);
    await context.close();
  });

  it('creating an API key without JavaScript creates nothing and says why, so no secret travels in a cookie', async () => {
    const page = await chromium.browser.newPage();
    const account = newAccount('nojs-key');
    const slug = await signUp(page, account);
    await setPlan(slug, 'professional');
    const token = await apiToken(account.email);
    const orgId = await organizationId(token, slug);
    await page.goto(`${webUrl()}/app/${slug}/api-keys`);
    const action = await formAction(page, 'createApiKey');

    // Dashboard pages stream their data, so a no-JS browser is simulated: the same form post,
    // without the header SolidStart's client adds (X-Server-Instance).
    const cookie = (await chromium.browser.cookies(webUrl())).map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(new URL(action, webUrl()), {
      method: 'POST',
      headers: { cookie, origin: webUrl(), referer: `${webUrl()}/app/${slug}/api-keys`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ organizationId: orgId, name: 'no script' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(302);
    const flash = res.headers.getSetCookie().join('\n');
    expect(flash).not.toContain('rck_');
    expect(decodeURIComponent(flash)).toContain('javascript_required');
    expect((await callApi(`/organizations/${orgId}/api-keys`, { token })).body.apiKeys).toEqual([]);
    await page.close();
  });
});
