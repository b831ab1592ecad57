// A WHIP encoder for the ingest test and bench: whip-whep (medooze's WHIP client, written by
// others) in Chromium publishing the fake camera and microphone, and the room it publishes into
// (an organization with API access in local billing mode, a public room, its stream key, and a
// webhook endpoint whose delivery log shows the ingest events).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import type { TestBrowser } from '../../web/test/e2e/browser.ts';
import { markVerified, rest } from './stack.ts';

const WHIP_CLIENT = readFileSync(createRequire(import.meta.url).resolve('whip-whep/whip.js'), 'utf8');

/** An organization with API access (local billing mode), a public room and its stream key. */
export async function ingestRoom(url: string, title: string) {
  const signup = await rest(url, 'POST', '/auth/signup', {
    email: `ingest-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`,
    password: 'a long enough password',
    name: 'Host',
    organizationName: title,
  });
  const org = signup.organization.id as string;
  const token = signup.token as string;
  // Going live needs a verified address (accounts); the room's host would have clicked the mailed link.
  await markVerified(signup.user.email);
  await rest(url, 'POST', `/organizations/${org}/subscription/local-plan`, { plan: 'professional' }, token);
  const { workspaces } = await rest(url, 'GET', `/organizations/${org}/workspaces`, undefined, token);
  const room = await rest(url, 'POST', `/organizations/${org}/rooms`, { workspaceId: workspaces[0].id, title, visibility: 'public' }, token);
  const ingest = await rest(url, 'POST', `/organizations/${org}/rooms/${room.id}/ingest`, undefined, token);
  // A webhook endpoint subscribed to ingest events: its delivery log shows what was emitted.
  const hook = await rest(url, 'POST', `/organizations/${org}/webhooks`, { url: 'http://127.0.0.1:9/ingest-hook', events: ['ingest.connected', 'ingest.disconnected'] }, token);
  return {
    org,
    token,
    roomId: room.id as string,
    streamKey: ingest.streamKey as string,
    whipUrl: ingest.whipUrl as string,
    rtmpUrl: ingest.rtmpUrl as string | null,
    settings: () => rest(url, 'GET', `/organizations/${org}/rooms/${room.id}/ingest`, undefined, token),
    start: () => rest(url, 'POST', `/organizations/${org}/rooms/${room.id}/start`, undefined, token),
    end: () => rest(url, 'POST', `/organizations/${org}/rooms/${room.id}/end`, undefined, token),
    joinViewer: (name: string) => rest(url, 'POST', `/public/rooms-by-id/${room.id}/join`, { name }) as Promise<{ signalingUrl: string; token: string }>,
    hookEvents: async () =>
      ((await rest(url, 'GET', `/organizations/${org}/webhooks/${hook.endpoint.id}/deliveries`, undefined, token)).deliveries as { eventType: string }[]).map((d) => d.eventType),
  };
}

/** A page on the Worker's origin (a secure context for getUserMedia) with whip-whep loaded. */
export async function encoderPage(chromium: TestBrowser, url: string): Promise<Page> {
  const page = await chromium.browser.newPage();
  await page.goto(`${url}/health`);
  await page.addScriptTag({ type: 'module', content: `${WHIP_CLIENT}\nwindow.WHIPClient = WHIPClient;` });
  await page.waitForFunction(() => 'WHIPClient' in window);
  return page;
}

/** whip-whep publishes the fake camera and microphone, one sendonly transceiver each. */
/** `postedAt`: Date.now() in the page just before the offer is made and POSTed. */
export function publish(page: Page, url: string, streamKey: string): Promise<{ location: string; etag: string; postedAt: number }> {
  return page.evaluate(
    async ({ url, streamKey }) => {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360 } });
      const pc = new RTCPeerConnection();
      for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
      const client = new (window as any).WHIPClient();
      const postedAt = Date.now();
      await client.publish(pc, url, streamKey);
      Object.assign(window, { whip: client, pc });
      return { location: String(client.resourceURL), etag: String(client.etag), postedAt };
    },
    { url, streamKey },
  );
}

