// The Webhooks page in real Chromium against the full local stack: add an endpoint (the signing
// secret shown once), send a test event that a local receiver gets and the standardwebhooks library
// verifies, read the delivery log with its attempt, redeliver (same webhook-id), disable. And the
// embeddable player script (web/public/player.js): <roomcast-player> renders the room embed.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../schema/test/support/wait.ts';
import { startWebhookReceiver } from '../../../scripts/test/webhook-receiver.ts';
import { launchBrowser, screenshot, type TestBrowser } from './browser.ts';
import { apiUrl, newAccount, setPlan, signUp, webUrl } from './helpers.ts';

let chromium: TestBrowser;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  chromium = await launchBrowser();
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await chromium?.close();
  await receiver?.close();
});

describe('dashboard webhooks', () => {
  it('adds an endpoint, sends a verified test event, shows the delivery log, redelivers and disables', async () => {
    const page = await chromium.browser.newPage();
    page.on('pageerror', (error) => console.error('page error:', error.message));
    const owner = newAccount('hooks');
    const slug = await signUp(page, owner);
    await setPlan(slug, 'professional');
    await page.goto(`${webUrl()}/app/${slug}/webhooks`);
    await page.getByText('No webhook endpoints yet').waitFor();

    const name = `e2e-${crypto.randomUUID().slice(0, 8)}`;
    const url = `http://127.0.0.1:${receiver.port}/hooks/${name}`;
    await page.getByLabel('URL').fill(url);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByTestId('webhook-secret').waitFor({ timeout: 15_000 }).catch(async (error: unknown) => {
      await screenshot(page, 'webhooks-create-failed');
      throw new Error(`no secret shown; the page says: ${await page.locator('body').innerText().catch(() => '?')}`, { cause: error });
    });
    const secret = (await page.getByTestId('webhook-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    const endpoint = page.locator(`[data-endpoint="${url}"]`);
    await endpoint.waitFor();
    await screenshot(page, 'webhooks');

    await endpoint.getByRole('button', { name: 'Send test event' }).click();
    const received = async () => (await (await fetch(`http://127.0.0.1:${receiver.port}/hooks/${name}/received`)).json()) as { headers: Record<string, string>; body: string }[];
    const [first] = await waitFor('the test event', async () => ((await received()).length >= 1 ? received() : undefined));
    const event = new Webhook(secret).verify(first!.body, first!.headers) as { id: string; type: string };
    expect(event.type).toBe('webhook.test');

    await endpoint.getByRole('link', { name: 'Delivery log' }).click();
    const delivery = page.locator(`[data-delivery="${event.id}"]`);
    await delivery.waitFor();
    expect(await delivery.getByTestId('delivery-status').textContent()).toBe('delivered');
    expect(await delivery.getByTestId('attempt').count()).toBe(1);
    await screenshot(page, 'webhook-deliveries');
    await delivery.getByRole('button', { name: 'Redeliver' }).click();
    const again = await waitFor('the redelivery', async () => {
      const got = await received();
      return got.length >= 2 ? got[1] : undefined;
    });
    expect(again.headers['webhook-id']).toBe(event.id);

    await page.getByRole('link', { name: 'All endpoints' }).click();
    await endpoint.getByRole('button', { name: 'Disable' }).click();
    await waitFor('the endpoint to show disabled', async () => (await endpoint.getByTestId('endpoint-state').textContent()) === 'disabled');
    await page.close();
  });
});

describe('embeddable player script', () => {
  it('renders <roomcast-player> as the room embed from the script’s own origin', async () => {
    const page = await chromium.browser.newPage();
    const missingRoom = crypto.randomUUID();
    await page.setContent(`<!doctype html><body style="width:640px"><roomcast-player room="${missingRoom}" name="Ada"></roomcast-player><script src="${webUrl()}/player.js"></script></body>`);
    const frame = page.locator('roomcast-player iframe');
    await frame.waitFor();
    expect(await frame.getAttribute('src')).toBe(`${webUrl()}/embed/${missingRoom}?name=Ada`);
    const box = await page.locator('roomcast-player').boundingBox();
    expect(Math.round(box!.width / box!.height * 9)).toBe(16);
    await page.frameLocator('roomcast-player iframe').getByText('This room is not available.').waitFor();
    await page.close();
  });
});

describe('API reference page', () => {
  it('renders every route and webhook event of the OpenAPI document, from assets the Worker serves', async () => {
    const page = await chromium.browser.newPage();
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(apiUrl())) foreign.push(r.url());
    });
    await page.goto(`${apiUrl()}/api/v1/reference`);
    await page.getByText('Roomcast API', { exact: false }).first().waitFor();
    await page.getByText('/organizations/{org}/webhooks/{endpoint}/redeliver').first().waitFor();
    await page.getByText('participant.joined').first().waitFor();
    await screenshot(page, 'api-reference');
    expect(foreign).toEqual([]);
    await page.close();
  });
});
