// @roomcast/client on its own, without the web app's pages: a developer's server mints room tokens
// with @roomcast/server, and two bare pages on another origin load the SDK's browser bundle (sdk/client/scripts/
// bundle.ts) in Chromium (fake camera and microphone). The publisher captures and publishes its
// camera (simulcast) and microphone; the viewer decodes them, picks a simulcast layer, and chats;
// events reach both sides typed; ending the room through the server SDK ends it for both.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Roomcast } from '@roomcast/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { bundleClient } from '../../../sdk/client/scripts/bundle.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { apiToken, apiUrl, callApi, newAccount, organizationId, setPlan, signUp } from './helpers.ts';

let chromium: TestBrowser;
let pageServer: Awaited<ReturnType<typeof servePages>>;
const pageLog: string[] = [];
/** Where the test got to, with seconds since it started (printed if it fails, and as timings). */
const steps: string[] = [];
let startedAt = 0;
const step = (what: string) => steps.push(`${((Date.now() - startedAt) / 1000).toFixed(1)} s ${what}`);
beforeAll(async () => {
  [chromium, pageServer] = await Promise.all([launchBrowser(), bundleClient().then(servePages)]);
});
afterAll(async () => {
  await chromium?.close();
  await pageServer?.close();
});

/** A customer's backend: an organization on a plan with API access, and a server SDK client. */
async function developer(tag: string): Promise<Roomcast> {
  const page = await (await chromium.newContext()).newPage();
  const account = newAccount(tag);
  const orgSlug = await signUp(page, account);
  await page.close();
  await setPlan(orgSlug, 'professional');
  const token = await apiToken(account.email);
  const orgId = await organizationId(token, orgSlug);
  const key = await callApi(`/organizations/${orgId}/api-keys`, { method: 'POST', token, body: { name: 'sdk e2e' } });
  expect(key.status).toBe(201);
  return new Roomcast({ apiKey: key.body.secret, organizationId: orgId, baseUrl: `${apiUrl()}/api/v1` });
}

/**
 * A developer's page with nothing but the SDK, served by a plain local HTTP server (its own origin:
 * nothing of the web app runs in it). A real server, not request interception: Chromium treats a
 * document it did not fetch from a local address as public and blocks its sockets to 127.0.0.1.
 */
async function bareSdkPage(permissions: string[] = []): Promise<Page> {
  const context = await chromium.newContext({ permissions });
  const page = await context.newPage();
  // What the page logged, printed if the test fails (the SDK warns about dropped frames, refused joins...).
  page.on('console', (m) => pageLog.push(`[${m.type()}] ${m.text().replace(/token=[^' ]+/, 'token=...')}`));
  page.on('pageerror', (e) => pageLog.push(`[pageerror] ${e.message}`));
  await page.goto(`${pageServer.url}/`);
  await page.waitForFunction(() => window.roomcast !== undefined);
  return page;
}

/** Serves SDK_PAGE at / and the SDK bundle at /roomcast-client.js on an ephemeral port. */
async function servePages(js: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const isBundle = req.url === '/roomcast-client.js';
    res.writeHead(200, { 'content-type': isBundle ? 'text/javascript' : 'text/html' });
    res.end(isBundle ? js : SDK_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a developer's page does: load the bundle as a module (the SDK's whole API on `window.roomcast` for the test). */
const SDK_PAGE = `<!doctype html><title>SDK page</title>
<script type="module">import * as roomcast from '/roomcast-client.js'; window.roomcast = roomcast;</script>`;

declare global {
  interface Window {
    roomcast: typeof import('@roomcast/client');
    room: import('@roomcast/client').RoomClient;
    seen: { type: string; text?: string; identity?: string }[];
  }
}

/** Opens the room in the page with these credentials and records the typed events it receives. */
async function joinIn(page: Page, credentials: unknown, receive: boolean): Promise<void> {
  await page.evaluate(
    async ({ credentials, receive }) => {
      const room = new window.roomcast.RoomClient({ credentials: credentials as never, receive }).connect();
      window.room = room;
      window.seen = [];
      room.on('chat.message', (m) => window.seen.push({ type: m.type, text: m.text }));
      room.on('participant.joined', (m) => window.seen.push({ type: m.type, identity: m.participant.identity }));
      room.on('room.ended', (m) => window.seen.push({ type: m.type }));
      await Promise.race([
        room.ready(),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no welcome in 30 s: ${JSON.stringify({ connection: room.state.connection, closed: room.state.closed, notice: room.state.notice })}`)), 30_000)),
      ]);
    },
    { credentials, receive },
  );
}

/** The viewer's camera frames and width, until `accept` says yes (or the timeout). */
async function cameraStats(page: Page, accept: (s: { framesDecoded: number; frameWidth: number }) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last: { framesDecoded: number; frameWidth: number } | undefined;
  while (Date.now() < deadline) {
    const stats = await page.evaluate(() => window.room.videoStats());
    last = stats.find((s) => s.source === 'camera');
    if (last && accept(last)) return last;
    await page.waitForTimeout(200);
  }
  throw new Error(`camera stats never matched within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

describe('@roomcast/client in Chromium, without the web app', () => {
  it('publishes camera and microphone, a viewer decodes and chooses a layer, chat and events arrive, ending reaches both', async () => {
    startedAt = Date.now();
    onTestFailed(() => console.log(`steps:\n${steps.join('\n')}\npage log:\n${pageLog.slice(-40).join('\n')}`));
    const server = await developer('sdkc');
    step('developer signed up, API key made');
    const [workspace] = await server.workspaces.list();
    const room = await server.rooms.create({ workspaceId: workspace!.id, title: 'SDK client room' });
    await server.rooms.start(room.id);
    const hostToken = await server.rooms.mintToken(room.id, { identity: 'sdk-host', name: 'SDK Host', role: 'host' });
    const viewerToken = await server.rooms.mintToken(room.id, { identity: 'sdk-viewer', name: 'SDK Viewer', role: 'viewer' });

    step('room started, tokens minted');
    const host = await bareSdkPage(['camera', 'microphone']);
    await joinIn(host, hostToken, false);
    step('host joined');
    const cameraWidth = await host.evaluate(async () => {
      const camera = await window.room.publishSource('camera');
      await window.room.publishSource('microphone');
      return camera.getSettings().width ?? 0;
    });
    expect(cameraWidth).toBeGreaterThan(0);
    await host.waitForFunction(() => window.room.state.media.local.filter((l) => l.producerId).length === 2, null, { timeout: 45_000 });
    expect(await host.evaluate(() => window.room.state.phase)).toBe('live');
    step('host publishes camera and microphone');

    const viewer = await bareSdkPage();
    await joinIn(viewer, viewerToken, true);
    step('viewer joined');
    const first = await cameraStats(viewer, (s) => s.framesDecoded > 0, 45_000);
    step('viewer decodes the camera');
    await cameraStats(viewer, (s) => s.framesDecoded > first.framesDecoded + 10, 15_000);
    expect(await viewer.evaluate(() => window.room.state.media.remote.filter((r) => r.producer.kind === 'audio' && r.track.readyState === 'live').length)).toBe(1);
    expect(await viewer.evaluate(() => window.room.state.phase)).toBe('live');

    // Simulcast: the lowest layer is a quarter of the camera's width.
    await viewer.evaluate(() => window.room.setPreferredLayer('camera', 0));
    const low = await cameraStats(viewer, (s) => s.frameWidth > 0 && s.frameWidth <= Math.ceil(cameraWidth / 4), 30_000);
    expect(low.frameWidth).toBeLessThanOrEqual(Math.ceil(cameraWidth / 4));
    step(`viewer on layer 0: ${low.frameWidth} px of ${cameraWidth}`);

    // Chat from the viewer reaches the host as a typed event; the host saw the viewer join.
    expect(await viewer.evaluate(() => window.room.sendChat('hello from the SDK'))).toBe(true);
    await host.waitForFunction(() => window.seen.some((e) => e.type === 'chat.message' && e.text === 'hello from the SDK'), null, { timeout: 10_000 });
    expect(await host.evaluate(() => window.seen.some((e) => e.type === 'participant.joined' && e.identity === 'sdk-viewer'))).toBe(true);

    await server.rooms.end(room.id);
    for (const page of [host, viewer]) {
      await page.waitForFunction(() => window.room.state.phase === 'ended', null, { timeout: 15_000 });
      expect(await page.evaluate(() => window.seen.some((e) => e.type === 'room.ended'))).toBe(true);
    }
    step('room ended for both');
    console.log(`SDK e2e timeline:\n${steps.join('\n')}`);
  }, 240_000);
});
