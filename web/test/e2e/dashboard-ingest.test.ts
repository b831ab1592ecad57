// The room page's ingest card in real Chromium against the full local stack: a plan without API
// access is refused with the plan's reason; on Professional the owner creates a stream key (shown once, with the WHIP URL
// and OBS steps), the key works at the WHIP endpoint (a wrong one does not), and after a reload
// only its prefix is left on the page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from './browser.ts';
import { newAccount, setPlan, signUp, webUrl } from './helpers.ts';

let chromium: TestBrowser;
beforeAll(async () => {
  chromium = await launchBrowser();
});
afterAll(async () => {
  await chromium?.close();
});

describe('dashboard ingest', () => {
  it('creates a stream key shown once with the WHIP URL and OBS steps', async () => {
    const page = await chromium.browser.newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
    const owner = newAccount('ingest');
    const slug = await signUp(page, owner);
    await page.goto(`${webUrl()}/app/${slug}/rooms`);
    await page.getByLabel('Title').fill('Encoder desk');
    await page.getByRole('button', { name: 'Create room' }).click();
    await page.getByRole('list', { name: 'Rooms' }).getByRole('link', { name: 'Encoder desk' }).click();

    // Starter has no API access: creating a key is refused with the plan's reason.
    const card = page.getByTestId('ingest-card');
    await card.getByRole('button', { name: 'Create stream key' }).click();
    await page.getByText('is not included in the Starter plan').waitFor();
    expect(await page.getByTestId('ingest-stream-key').count()).toBe(0);

    await setPlan(slug, 'professional');
    await page.reload();
    await card.getByRole('button', { name: 'Create stream key' }).click();
    const keyField = page.getByTestId('ingest-stream-key');
    await keyField.waitFor({ timeout: 15_000 });
    const streamKey = (await keyField.textContent())!.trim();
    expect(streamKey).toMatch(/^rcs_[0-9a-f]{32}_[\w-]{43}$/);
    const whipUrl = (await page.getByTestId('ingest-whip-url').textContent())!.trim();
    expect(whipUrl).toMatch(/\/api\/v1\/ingest\/whip$/);
    await card.getByText('Service: WHIP').waitFor();
    await screenshot(page, 'room-ingest');

    // The key is the WHIP credential: a wrong one is refused before the offer is read.
    const post = (key: string) => fetch(whipUrl, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/sdp' }, body: 'v=0\r\n' });
    expect((await post(streamKey)).status).toBe(400);
    expect((await post(`${streamKey.slice(0, -1)}x`)).status).toBe(401);

    await page.reload();
    await card.getByText(`key ${streamKey.slice(0, 12)}`).waitFor();
    expect(await page.getByTestId('ingest-stream-key').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain(streamKey.slice(20));
    await card.getByRole('button', { name: 'Rotate stream key' }).waitFor();
  });
});
