// Accounts through mail, in Chromium against the local stack and its real inbox: sign up and verify
// from the mailed link; forget the password, reset it from the mail, and every old session is gone;
// the sessions page signs the other browsers out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from './browser.ts';
import { logIn, mailLink, newAccount, PASSWORD, signUp, waitForMail, webUrl } from './helpers.ts';

describe('accounts by mail', () => {
  let chromium: TestBrowser;
  beforeAll(async () => {
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
  });

  it('signs up, receives the verification mail in the local inbox, and verifies from its link', async () => {
    const page = await chromium.browser.newPage();
    const account = newAccount('verify');
    const slug = await signUp(page, account, '/signup', { verify: false });
    const banner = page.getByTestId('verify-email-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(account.email);
    await screenshot(page, 'verify-banner');

    const mail = await waitForMail(account.email, '/verify-email');
    expect(mail.subject).toBe(`Verify your email address for ${account.organizationName} on Roomcast`);
    expect(mail.html).toContain(account.organizationName);
    const link = mailLink(mail, '/verify-email');
    expect(link.startsWith(`${webUrl()}/verify-email?token=`)).toBe(true);

    // A new link replaces the first one.
    await banner.getByRole('button', { name: 'Resend link' }).click();
    await expect.poll(() => banner.textContent(), { timeout: 15_000 }).toContain(`We sent a new link to ${account.email}`);
    const second = mailLink(await waitForMail(account.email, '/verify-email', [link]), '/verify-email');
    await page.goto(link);
    await page.getByRole('button', { name: 'Verify my email address' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 }).toContain('invalid, has expired or was already used');

    await page.goto(second);
    await page.getByRole('button', { name: 'Verify my email address' }).click();
    await page.getByText(`${account.email} is verified.`).waitFor();
    await screenshot(page, 'verified');
    await page.goto(`${webUrl()}/app/${slug}`);
    await page.getByTestId('my-role').waitFor();
    expect(await page.getByTestId('verify-email-banner').count()).toBe(0);
    await page.close();
  });

  it('resets a forgotten password from the mail; the sessions signed in before are gone', async () => {
    const account = newAccount('forgot');
    const before = await chromium.newContext();
    const beforePage = await before.newPage();
    await signUp(beforePage, account);

    const other = await chromium.newContext();
    const page = await other.newPage();
    await page.goto(`${webUrl()}/login`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL(/\/forgot-password$/);
    await page.getByLabel('Email').fill(account.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByText('If an account exists for that address').waitFor();
    await screenshot(page, 'reset-requested');

    const mail = await waitForMail(account.email, '/reset-password');
    expect(mail.subject).toBe('Reset your Roomcast password');
    await page.goto(mailLink(mail, '/reset-password'));
    await page.getByLabel('New password').fill('a different long password');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.waitForURL(/\/app\//);

    // The browser signed in before the reset is signed out.
    await beforePage.goto(`${webUrl()}/app`);
    await beforePage.waitForURL(/\/login/);
    // The old password no longer works; the new one does.
    await beforePage.getByLabel('Email').fill(account.email);
    await beforePage.getByLabel('Password').fill(PASSWORD);
    await beforePage.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => beforePage.getByRole('alert').textContent()).toContain('Email or password is incorrect');

    // The link was single-use.
    await page.goto(mailLink(mail, '/reset-password'));
    await page.getByLabel('New password').fill('yet another long password');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 }).toContain('invalid, has expired or was already used');
    await before.close();
    await other.close();
  });

  it('lists the sessions and signs out everywhere else', async () => {
    const account = newAccount('sessions');
    const laptop = await chromium.newContext();
    const laptopPage = await laptop.newPage();
    await signUp(laptopPage, account);
    const phone = await chromium.newContext({ userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1' });
    const phonePage = await phone.newPage();
    await logIn(phonePage, account.email);

    await laptopPage.goto(`${webUrl()}/account/sessions`);
    const list = laptopPage.getByRole('list', { name: 'Sessions' });
    await expect.poll(() => list.getByTestId('session').count()).toBe(2);
    expect(await list.getByText('Safari on iOS').count()).toBe(1);
    expect(await list.getByText('This browser').count()).toBe(1);
    await screenshot(laptopPage, 'sessions');

    await laptopPage.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await laptopPage.getByText('Signed out of 1 other session.').waitFor();
    await expect.poll(() => list.getByTestId('session').count()).toBe(1);
    await phonePage.goto(`${webUrl()}/app`);
    await phonePage.waitForURL(/\/login/);
    await laptop.close();
    await phone.close();
  });
});
