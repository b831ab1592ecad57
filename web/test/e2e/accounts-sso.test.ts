// SSO in Chromium against the local stack and its REAL OpenID Connect provider (oidc-provider,
// started by scripts/dev.ts): an admin on the Business plan sets SSO up for acme.test from the
// Security page; a person of that domain signs in through the provider and joins the organization
// just in time; with "Require SSO" the password sign-in for that domain is refused. And a second
// factor: an authenticator app (the otpauth package) is turned on from the account page, after which
// password sign-in asks for its code.
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from './browser.ts';
import * as OTPAuth from 'otpauth';
import { callApi, newAccount, PASSWORD, setPlan, signUp, webUrl } from './helpers.ts';

// The stack's provider: client and users from scripts/local/oidc-provider.ts (LOCAL_OIDC_*).
const CLIENT = { id: 'roomcast-local', secret: 'roomcast-local-oidc-secret' };
const IDP_PASSWORD = 'idp-password';

describe('SSO', () => {
  let chromium: TestBrowser;
  beforeAll(async () => {
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
  });

  it('an admin sets SSO up, a member signs in through the provider, and SSO required refuses passwords', async () => {
    const admin = newAccount('sso-admin');
    const adminPage = await (await chromium.newContext()).newPage();
    const slug = await signUp(adminPage, admin);
    await adminPage.goto(`${webUrl()}/app/${slug}/security`);
    // Starter: the plan gate explains itself and the form cannot be saved.
    await adminPage.getByTestId('sso-plan-reason').waitFor();
    await setPlan(slug, 'business');
    await adminPage.reload();
    await adminPage.getByLabel('Issuer URL').waitFor();
    expect(await adminPage.getByTestId('sso-plan-reason').count()).toBe(0);
    expect(await adminPage.getByTestId('sso-redirect-uri').textContent()).toBe(`${webUrl()}/sso/callback`);

    await adminPage.getByLabel('Issuer URL').fill(inject('oidcIssuer'));
    await adminPage.getByLabel('Client ID').fill(CLIENT.id);
    await adminPage.getByLabel('Client secret').fill(CLIENT.secret);
    await adminPage.getByLabel('Email domains').fill('acme.test');
    await adminPage.getByLabel('Role of new members').selectOption('host');
    await adminPage.getByRole('button', { name: 'Save SSO settings' }).click();
    await adminPage.getByText('SSO settings saved.').waitFor();
    // The secret is never shown back: only its last characters, as a hint.
    expect(await adminPage.content()).not.toContain(CLIENT.secret);
    await adminPage.reload();
    await adminPage.getByLabel('Client secret').waitFor();
    expect(await adminPage.getByLabel('Client secret').getAttribute('placeholder')).toContain(CLIENT.secret.slice(-4));
    await screenshot(adminPage, 'sso-settings');

    // Grace had a password account at acme.test before SSO required.
    const grace = await callApi('/auth/signup', { method: 'POST', body: { email: 'grace@acme.test', password: 'a long test password', name: 'Grace', organizationName: 'Grace org' } });
    expect(grace.status).toBe(201);

    // Ada signs in through the provider from the login page.
    const member = await (await chromium.newContext()).newPage();
    await member.goto(`${webUrl()}/login`);
    await member.getByRole('link', { name: 'Sign in with SSO' }).click();
    await member.waitForURL(/\/sso$/);
    await member.getByLabel('Work email').fill('ada@acme.test');
    await member.getByRole('button', { name: 'Continue with SSO' }).click();
    await member.waitForURL((url) => url.origin === inject('oidcIssuer'));
    await member.getByText('Local identity provider').first().waitFor();
    expect(await member.getByLabel('Email').inputValue()).toBe('ada@acme.test');
    await member.getByLabel('Password').fill(IDP_PASSWORD);
    await screenshot(member, 'sso-provider');
    await member.getByRole('button', { name: 'Sign in' }).click();
    await member.waitForURL(new RegExp(`/app/${slug}$`), { timeout: 60_000 });
    await member.getByTestId('my-role').waitFor();
    expect(await member.getByTestId('my-role').textContent()).toMatch(/host/i);
    await screenshot(member, 'sso-signed-in');

    // SSO required: password sign-in for acme.test is refused with where to go instead.
    await adminPage.getByLabel('Require SSO').check();
    await adminPage.getByRole('button', { name: 'Save SSO settings' }).click();
    await adminPage.getByText('SSO settings saved.').waitFor();
    const refused = await (await chromium.newContext()).newPage();
    await refused.goto(`${webUrl()}/login`);
    await refused.getByLabel('Email').fill('grace@acme.test');
    await refused.getByLabel('Password').fill('a long test password');
    await refused.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => refused.getByRole('alert').textContent(), { timeout: 15_000 }).toContain('requires signing in with SSO');
    await screenshot(refused, 'sso-required');
  });

  it('turns on an authenticator app; password sign-in then asks for its code', async () => {
    const account = newAccount('totp');
    const page = await (await chromium.newContext()).newPage();
    await signUp(page, account);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.waitForURL(/\/account\/two-factor$/);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    // The person's authenticator app: an independent TOTP implementation.
    const app = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    await page.getByLabel('Code from the app').fill(app.generate());
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    expect(await page.getByTestId('recovery-codes').locator('li').count()).toBe(10);
    await screenshot(page, 'two-factor-on');

    const other = await (await chromium.newContext()).newPage();
    await other.goto(`${webUrl()}/login`);
    await other.getByLabel('Email').fill(account.email);
    await other.getByLabel('Password').fill(PASSWORD);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.waitForURL(/\/two-factor/);
    await other.getByLabel('Code').fill('000000');
    await other.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => other.getByRole('alert').textContent(), { timeout: 15_000 }).toContain('not right');
    // The next step's code: the one just used to turn it on is not accepted twice.
    await other.getByLabel('Code').fill(app.generate({ timestamp: Date.now() + 30_000 }));
    await other.getByRole('button', { name: 'Verify' }).click();
    await other.waitForURL(/\/app/);
    await other.getByTestId('my-role').waitFor();
  });
});
