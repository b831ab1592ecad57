// The tenant dashboard in real Chromium against the full local stack: workspaces, rooms and the
// Starter room limit, the room page, members and invitations across two browser contexts with
// role-based UI, API keys end to end, the plan page, and a phone-sized layout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, type TestBrowser } from './browser.ts';
import { apiToken, callApi, inbox, newAccount, organizationId, PASSWORD, setPlan, signUp, verifyEmailFromInbox, webUrl } from './helpers.ts';

let chromium: TestBrowser;
beforeAll(async () => {
  chromium = await launchBrowser();
});
afterAll(async () => {
  await chromium?.close();
});

async function createRoom(page: Page, title: string) {
  await page.getByLabel('Title').fill(title);
  await page.getByRole('button', { name: 'Create room' }).click();
  await page.getByRole('list', { name: 'Rooms' }).getByRole('link', { name: title }).waitFor();
}

describe('dashboard', () => {
  it('creates rooms up to the Starter limit, shows the limit before it is hit, and the API enforces it', async () => {
    const page = await chromium.browser.newPage();
    const owner = newAccount('rooms');
    const slug = await signUp(page, owner);
    await page.getByRole('heading', { name: owner.organizationName }).waitFor();
    await screenshot(page, 'overview');

    await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Rooms' }).click();
    await page.waitForURL(`**/app/${slug}/rooms`);
    await page.getByText('No rooms yet').waitFor();
    expect(await page.getByTestId('usage-rooms').textContent()).toBe('0 of 3');

    // A bad slug is refused with the message next to the field, and nothing is created.
    await page.getByLabel('Title').fill('Bad slug room');
    await page.getByLabel('Slug').fill('Not A Slug');
    await page.getByLabel('Slug').evaluate((el) => el.removeAttribute('pattern'));
    await page.getByRole('button', { name: 'Create room' }).click();
    await expect.poll(() => page.locator('[data-field-error="slug"]').textContent()).toContain('lower-case');
    await page.getByLabel('Slug').fill('');

    await createRoom(page, 'Market open');
    await createRoom(page, 'Midday review');
    await expect.poll(() => page.getByTestId('usage-rooms').textContent()).toBe('2 of 3');
    expect(await page.getByRole('button', { name: 'Create room' }).isEnabled()).toBe(true);
    await createRoom(page, 'Closing bell');

    // At the limit: shown, and the form is disabled before the user can hit it.
    await expect.poll(() => page.getByTestId('usage-rooms').textContent()).toBe('3 of 3');
    await page.getByText('Room limit reached').waitFor();
    expect(await page.getByRole('button', { name: 'Create room' }).isDisabled()).toBe(true);
    await screenshot(page, 'rooms-at-limit');

    // And enforced by the API whatever the page shows.
    const token = await apiToken(owner.email);
    const orgId = await organizationId(token, slug);
    const workspaces = await callApi(`/organizations/${orgId}/workspaces`, { token });
    const fourth = await callApi(`/organizations/${orgId}/rooms`, {
      method: 'POST',
      token,
      body: { workspaceId: workspaces.body.workspaces[0].id, title: 'Fourth' },
    });
    expect(fourth.status).toBe(403);
    expect(fourth.body.error).toMatchObject({ code: 'plan_limit', details: { limit: 'rooms', max: 3, current: 3 } });

    // Workspaces: Starter has one; after an upgrade a second one can be created and holds rooms.
    await page.goto(`${webUrl()}/app/${slug}/workspaces`);
    expect(await page.getByTestId('usage-workspaces').textContent()).toBe('1 of 1');
    expect(await page.getByRole('button', { name: 'Create workspace' }).isDisabled()).toBe(true);
    await setPlan(slug, 'professional');
    await page.reload();
    expect(await page.getByTestId('usage-workspaces').textContent()).toBe('1 of 3');
    await page.getByLabel('Name', { exact: true }).fill('Evening desk');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByRole('list', { name: 'Workspaces' }).getByText('Evening desk').waitFor();
    await screenshot(page, 'workspaces');

    await page.goto(`${webUrl()}/app/${slug}/rooms`);
    expect(await page.getByTestId('usage-rooms').textContent()).toBe('3 of 10');
    await page.getByLabel('Workspace').selectOption({ label: 'Evening desk' });
    await createRoom(page, 'After hours');
    await screenshot(page, 'rooms');

    await page.goto(`${webUrl()}/app/${slug}/plan`);
    await page.getByRole('heading', { name: 'Professional plan' }).waitFor();
    expect(await page.getByTestId('usage-rooms').textContent()).toBe('4 of 10');
    await screenshot(page, 'plan');
    await page.close();
  });

  it('runs a room: start and end, share links, embed snippet, edit and delete', async () => {
    const page = await chromium.browser.newPage();
    const owner = newAccount('live');
    const slug = await signUp(page, owner);
    await page.goto(`${webUrl()}/app/${slug}/rooms`);
    await page.getByLabel('Slug').fill('market-open');
    await createRoom(page, 'Market open');
    await page.getByRole('link', { name: 'Market open' }).click();
    await page.waitForURL(/\/rooms\/[0-9a-f-]{36}$/);
    const roomId = page.url().split('/').pop()!;

    expect(await page.getByTestId('viewer-link').textContent()).toBe(`${webUrl()}/r/${slug}/market-open`);
    expect(await page.getByTestId('host-link').textContent()).toBe(`${webUrl()}/r/${slug}/market-open/host`);
    expect(await page.getByTestId('embed-snippet').textContent()).toContain(`<iframe src="${webUrl()}/embed/${roomId}"`);

    await page.getByRole('button', { name: 'Start live session' }).click();
    await expect.poll(() => page.getByTestId('room-status').textContent(), { timeout: 20_000 }).toBe('LIVE');
    expect(await page.getByRole('button', { name: 'Delete room…' }).isDisabled()).toBe(true);
    await screenshot(page, 'room-detail-live');
    await page.getByRole('button', { name: 'End live session' }).click();
    // Ending also closes the room's Durable Object session (and its media), which can take a moment.
    await expect.poll(() => page.getByTestId('room-status').textContent(), { timeout: 20_000 }).toBe('Idle');
    expect(await page.getByRole('alert').count()).toBe(0);

    await page.getByLabel('Title').fill('Market open (renamed)');
    await page.getByLabel('Slug').fill('market-open-2');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Market open (renamed)' }).waitFor();
    await expect.poll(() => page.getByTestId('viewer-link').textContent()).toBe(`${webUrl()}/r/${slug}/market-open-2`);
    await screenshot(page, 'room-detail');

    await page.getByRole('button', { name: 'Delete room…' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.waitForURL(`**/app/${slug}/rooms`);
    await page.getByText('No rooms yet').waitFor();
    await page.close();
  });

  it('invites a member who accepts in a second browser; a viewer sees no admin actions; roles change and members leave', async () => {
    const ownerPage = await chromium.browser.newPage();
    const owner = newAccount('team');
    const slug = await signUp(ownerPage, owner);
    await ownerPage.goto(`${webUrl()}/app/${slug}/rooms`);
    await createRoom(ownerPage, 'Team room');

    const member = newAccount('member');
    await ownerPage.goto(`${webUrl()}/app/${slug}/members`);
    await ownerPage.getByLabel('Email').fill(member.email);
    await ownerPage.getByLabel('Role', { exact: true }).selectOption('viewer');
    await ownerPage.getByRole('button', { name: 'Create invitation' }).click();
    const acceptUrl = (await ownerPage.getByTestId('invite-url').textContent())!;
    expect(acceptUrl).toMatch(new RegExp(`^${webUrl()}/invite/[\\w-]+$`));
    await ownerPage.getByRole('list', { name: 'Pending invitations' }).getByText(member.email).waitFor();
    await screenshot(ownerPage, 'members-invited');

    // The invited person, in a browser context of their own: signs up from the link and accepts.
    const memberContext = await chromium.newContext();
    const memberPage = await memberContext.newPage();
    await memberPage.goto(acceptUrl);
    await screenshot(memberPage, 'invite-signed-out');
    await memberPage.getByRole('link', { name: 'Create account' }).click();
    await memberPage.waitForURL(/\/signup\?next=/);
    await memberPage.getByLabel('Your name').fill(member.name);
    await memberPage.getByLabel('Email').fill(member.email);
    await memberPage.getByLabel('Password').fill(PASSWORD);
    await memberPage.getByLabel('Organization name').fill(member.organizationName);
    await memberPage.getByRole('button', { name: 'Create account' }).click();
    await memberPage.waitForURL(/\/invite\//);
    // Unverified, the invitation cannot be accepted yet; the mailed link fixes that.
    await memberPage.getByRole('button', { name: 'Accept invitation' }).click();
    await expect.poll(() => memberPage.getByRole('alert').textContent()).toContain('Verify your email address first');
    // The invitation itself was mailed too, naming the organization and carrying the same link.
    const invitationMail = async () => (await inbox(member.email)).find((m) => m.subject.includes(`invited you to ${owner.organizationName}`));
    await expect.poll(invitationMail, { timeout: 15_000 }).toBeDefined();
    expect((await invitationMail())!.text).toContain(acceptUrl);
    await verifyEmailFromInbox(memberPage, member.email);
    await memberPage.goto(acceptUrl);
    await memberPage.getByRole('button', { name: 'Accept invitation' }).click();
    await memberPage.waitForURL(`**/app/${slug}`);

    // As a viewer: no admin actions anywhere.
    expect(await memberPage.getByTestId('my-role').textContent()).toBe('viewer');
    const nav = memberPage.getByRole('navigation', { name: 'Dashboard' });
    expect(await nav.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Billing' }).count()).toBe(0);
    expect(await memberPage.getByRole('link', { name: 'New room' }).count()).toBe(0);
    await memberPage.goto(`${webUrl()}/app/${slug}/members`);
    await memberPage.getByRole('list', { name: 'Members' }).getByText(owner.email, { exact: false }).waitFor();
    expect(await memberPage.getByRole('button', { name: 'Create invitation' }).count()).toBe(0);
    expect(await memberPage.getByRole('button', { name: 'Change role' }).count()).toBe(0);
    expect(await memberPage.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    await screenshot(memberPage, 'members-as-viewer');
    await memberPage.goto(`${webUrl()}/app/${slug}/rooms`);
    await memberPage.getByRole('link', { name: 'Team room' }).click();
    await memberPage.getByTestId('viewer-link').waitFor();
    for (const action of ['Start live session', 'Save changes', 'Delete room…']) {
      expect(await memberPage.getByRole('button', { name: action }).count()).toBe(0);
    }
    expect(await memberPage.getByTestId('host-link').count()).toBe(0);
    await memberPage.goto(`${webUrl()}/app/${slug}/workspaces`);
    await memberPage.getByRole('list', { name: 'Workspaces' }).waitFor();
    expect(await memberPage.getByRole('button', { name: 'Create workspace' }).count()).toBe(0);
    expect(await memberPage.getByRole('button', { name: /^Rename/ }).count()).toBe(0);
    await memberPage.goto(`${webUrl()}/app/${slug}/api-keys`);
    await memberPage.getByText('Only owners and admins manage API keys.').waitFor();

    // The owner changes the role; the host seat limit (Starter: 1) answers next to the form.
    await ownerPage.reload();
    const row = ownerPage.locator(`[data-member="${member.email}"]`);
    await row.getByRole('combobox').selectOption('moderator');
    await row.getByRole('button', { name: 'Change role' }).click();
    await expect.poll(() => row.getByRole('combobox').inputValue()).toBe('moderator');
    await row.getByRole('combobox').selectOption('host');
    await row.getByRole('button', { name: 'Change role' }).click();
    await expect.poll(() => ownerPage.getByRole('alert').first().textContent()).toContain('The Starter plan allows 1 hosts');

    await memberPage.goto(`${webUrl()}/app/${slug}`);
    expect(await memberPage.getByTestId('my-role').textContent()).toBe('moderator');

    await row.getByRole('button', { name: `Remove ${member.name}` }).click();
    await expect.poll(() => ownerPage.locator(`[data-member="${member.email}"]`).count(), { timeout: 10_000 }).toBe(0);
    // Removed: the organization is gone from the member's dashboard.
    await memberPage.goto(`${webUrl()}/app/${slug}`);
    await memberPage.getByText('You are not a member of this organization').waitFor();
    expect(await memberPage.getByRole('navigation', { name: 'Dashboard' }).count()).toBe(0);
    await ownerPage.close();
    await memberContext.close();
  });

  it('hides API keys on Starter with the reason; creates a key shown once, revokes it, and the API refuses it', async () => {
    const page = await chromium.browser.newPage();
    const owner = newAccount('keys');
    const slug = await signUp(page, owner);
    await page.goto(`${webUrl()}/app/${slug}/api-keys`);
    expect(await page.getByTestId('api-access-reason').textContent()).toContain('The Starter plan has no API access');
    expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0);
    await screenshot(page, 'api-keys-starter');

    await setPlan(slug, 'professional');
    await page.reload();
    await page.getByText('No API keys yet').waitFor();
    await page.getByLabel('Key name').fill('backend');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('api-key-secret').textContent())!;
    expect(secret).toMatch(/^rck_[0-9a-f]{32}_[\w-]{43}$/);
    await page.locator('[data-key="backend"]').waitFor();
    await screenshot(page, 'api-keys-created');

    const before = await callApi('/organizations', { token: secret });
    expect(before.status).toBe(200);
    expect(before.body.organizations[0].slug).toBe(slug);

    // Shown once: a reload does not bring the secret back.
    await page.reload();
    await page.locator('[data-key="backend"]').waitFor();
    expect(await page.content()).not.toContain(secret);

    await page.getByRole('button', { name: 'Revoke backend' }).click();
    await page.locator('[data-key="backend"]').getByText('Revoked').waitFor();
    const after = await callApi('/organizations', { token: secret });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthenticated');
    await page.close();
  });

  it('after a downgrade keeps existing keys listed and revocable while the API refuses them', async () => {
    const page = await chromium.browser.newPage();
    const owner = newAccount('keys-down');
    const slug = await signUp(page, owner);
    await setPlan(slug, 'professional');
    await page.goto(`${webUrl()}/app/${slug}/api-keys`);
    await page.getByLabel('Key name').fill('ci');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('api-key-secret').textContent())!;
    const org = await organizationId(await apiToken(owner.email), slug);
    expect((await callApi(`/organizations/${org}/rooms`, { token: secret })).status).toBe(200);

    await setPlan(slug, 'starter');
    await page.reload();
    expect(await page.getByTestId('api-access-reason').textContent()).toContain('The Starter plan has no API access');
    await page.locator('[data-key="ci"]').waitFor();
    expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0);
    const refused = await callApi(`/organizations/${org}/rooms`, { token: secret });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('plan_limit');
    await screenshot(page, 'api-keys-downgraded');

    await page.getByRole('button', { name: 'Revoke ci' }).click();
    await page.getByText('API access is not included in your plan').waitFor();
    await page.locator('[data-key="ci"]').waitFor({ state: 'detached' });
    expect((await callApi(`/organizations/${org}/rooms`, { token: secret })).status).toBe(401);
    await page.close();
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const context = await chromium.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const slug = await signUp(page, newAccount('phone'));
    for (const path of ['', '/rooms', '/members']) {
      await page.goto(`${webUrl()}/app/${slug}${path}`);
      await page.getByRole('navigation', { name: 'Dashboard' }).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `horizontal overflow on ${path || '/'}`).toBeLessThanOrEqual(0);
    }
    await screenshot(page, 'phone-members');
    await context.close();
  });
});
