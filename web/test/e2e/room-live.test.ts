// Going live end to end in real Chromium (fake camera and microphone) through the whole local
// stack: studio -> RoomDO -> FleetDO -> media node (werift or mediasoup) -> viewers. Then a media
// node dies mid-stream and the viewers must decode again within a bound.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DEV_FLEET_SECRET } from '../../../scripts/fleet/node-token.ts';
import { signNodeToken } from '../../../workers/src/fleet/fleet-token.ts';
import { launchBrowser, screenshot, type TestBrowser } from './browser.ts';
import { apiUrl, callApi, hostGoesLive, type LiveRoom, uploadFile, webUrl } from './helpers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** scripts/dev.ts's local defaults, which the e2e stack runs with. */
const FLEET_SECRET = process.env.FLEET_SECRET || DEV_FLEET_SECRET;
const ADMIN_TOKEN = process.env.ADMIN_TOKEN || 'dev-only-admin-token-0123456789abcdef0123';
/** The node scripts/dev.ts starts (MEDIA_NODE_ID default). */
const STACK_NODE = 'media-local';
/** How long viewers may take to decode again after their media node is killed. */
const FAILOVER_BOUND_MS = 20_000;

let chromium: TestBrowser;
beforeAll(async () => {
  chromium = await launchBrowser();
});
afterAll(async () => {
  await chromium?.close();
});

async function openViewer(room: LiveRoom, name: string, viaForm = false): Promise<{ page: Page; context: BrowserContext }> {
  const context = await chromium.newContext();
  const page = await context.newPage();
  if (viaForm) {
    await page.goto(`${webUrl()}/r/${room.orgSlug}/${room.roomSlug}`);
    await page.getByLabel('Your name').fill(name);
    await page.getByRole('button', { name: 'Join' }).click();
  } else {
    await page.goto(`${webUrl()}/r/${room.orgSlug}/${room.roomSlug}?name=${encodeURIComponent(name)}`);
  }
  return { page, context };
}

interface VideoSample {
  producerId: string;
  framesDecoded: number;
}

async function cameraFrames(page: Page): Promise<VideoSample | undefined> {
  const stats = (await page.evaluate(() => window.__roomcast?.videoStats() ?? Promise.resolve([]))) as (VideoSample & { source: string })[];
  return stats.find((s) => s.source === 'camera');
}

/** Waits until the viewer decodes the camera and the count keeps growing; returns the last sample. */
async function expectDecoding(page: Page, timeoutMs: number, notProducer?: string): Promise<VideoSample> {
  const deadline = Date.now() + timeoutMs;
  let first: VideoSample | undefined;
  for (;;) {
    const sample = await cameraFrames(page);
    if (sample && sample.producerId !== notProducer && sample.framesDecoded > 0) {
      if (!first || first.producerId !== sample.producerId) first = sample;
      else if (sample.framesDecoded > first.framesDecoded + 5) return sample;
    }
    if (Date.now() > deadline) {
      const media = await page.evaluate(() => {
        const c = window.__roomcast?.client;
        const s = c?.state;
        return { phase: s?.phase, status: s?.media.status, error: s?.media.error, producers: s?.media.producers, transports: c?.media?.transportStates() };
      });
      throw new Error(`no growing framesDecoded within ${timeoutMs} ms (last: ${JSON.stringify(sample)}; media: ${JSON.stringify(media)})`);
    }
    await page.waitForTimeout(100);
  }
}

async function audioTracks(page: Page): Promise<number> {
  return page.evaluate(
    () => window.__roomcast?.state().media.remote.filter((r) => r.producer.kind === 'audio' && r.track.readyState === 'live').length ?? 0,
  );
}

async function phase(page: Page): Promise<string | null> {
  return page.getByTestId('room-phase').first().getAttribute('data-phase');
}

describe('going live', () => {
  it('a host publishes, two viewers (and the embed player) watch and hear, chat reaches the host, and ending the room reaches everyone', async () => {
    const room = await hostGoesLive(chromium, 'live');
    const first = await openViewer(room, 'Viewer One');
    const second = await openViewer(room, 'Viewer Two', true);

    for (const viewer of [first.page, second.page]) {
      const sample = await expectDecoding(viewer, 45_000);
      expect(sample.framesDecoded).toBeGreaterThan(5);
      expect(await audioTracks(viewer)).toBe(1);
      expect(await phase(viewer)).toBe('live');
    }
    // The viewer's player asks for the simulcast layer that fits it, and decodes a real picture.
    const width = await first.page.evaluate(async () => ((await window.__roomcast!.videoStats()) as { frameWidth: number }[])[0]?.frameWidth ?? 0);
    expect(width).toBeGreaterThanOrEqual(320);

    // The embeddable player of the same room (by id, no chrome) plays too, as a guest.
    const roomId = await room.host.evaluate(() => window.__roomcast!.state().room!.roomId);
    const embedContext = await chromium.newContext();
    const embed = await embedContext.newPage();
    await embed.goto(`${webUrl()}/embed/${roomId}`);
    await expectDecoding(embed, 45_000);
    expect(await embed.getByTestId('chat-input').count()).toBe(0);
    await embedContext.close();

    // Chat from a viewer reaches the host, as plain text.
    const message = `Hello from viewer one <b>${Date.now()}</b>`;
    await first.page.getByTestId('chat-input').fill(message);
    await first.page.getByRole('button', { name: 'Send' }).click();
    await room.host.getByTestId('chat-messages').getByText(message, { exact: true }).waitFor({ timeout: 10_000 });
    expect(await room.host.locator('[data-testid=chat-messages] b').count()).toBe(0);
    // Both viewers appear in the host's participant list.
    await room.host.getByTestId('participants').getByText('Viewer Two').waitFor();

    // The host shares one of the organization's files into the chat; a viewer downloads it (a
    // short-lived link asked for on click: the message holds only the file's reference).
    const sheet = 'symbol,level\nES,5120\n';
    await uploadFile(room, 'levels.csv', 'text/csv', sheet);
    await room.host.getByTestId('share-file').click();
    await room.host.getByTestId('share-file-choice').filter({ hasText: 'levels.csv' }).click();
    const shared = first.page.getByTestId('chat-file');
    await shared.waitFor({ timeout: 10_000 });
    const download = first.page.waitForEvent('download');
    await shared.click();
    expect(readFileSync(await (await download).path(), 'utf8')).toBe(sheet);

    console.log(`[e2e] studio screenshot: ${await screenshot(room.host, 'room-studio')}`);
    console.log(`[e2e] viewer screenshot: ${await screenshot(first.page, 'room-viewer')}`);

    room.host.once('dialog', (dialog) => void dialog.accept());
    await room.host.getByTestId('end-room').click();
    for (const viewer of [first.page, second.page]) {
      await viewer.getByTestId('ended-message').waitFor({ timeout: 15_000 });
      expect(await phase(viewer)).toBe('ended');
    }
    await first.context.close();
    await second.context.close();
    await room.host.context().close();
  });

  // Retried: on a loaded 2-core CI run the viewers once missed the bound (47 s); it passes alone and in most full runs.
  it('when the media node serving the room dies, viewers decode again from another node within the bound', { retry: 1 }, async () => {
    const nodes: MediaNodeProcess[] = [];
    let room: LiveRoom | undefined;
    const contexts: BrowserContext[] = [];
    // The room must land on a node this test owns (so it may kill it): keep the stack's node out of placement.
    await admin(`/admin/fleet/nodes/${STACK_NODE}/drain`, 'POST');
    try {
      const doomed = await MediaNodeProcess.start('e2e-node-a', 41900);
      onTestFailed(() => console.log(`[e2e] media node logs:\n${nodes.map((n) => n.log).join('\n')}`));
      nodes.push(doomed);
      room = await hostGoesLive(chromium, 'failover');
      contexts.push(room.host.context());
      const viewers = [await openViewer(room, 'Failover One'), await openViewer(room, 'Failover Two')];
      contexts.push(...viewers.map((v) => v.context));
      const before = await Promise.all(viewers.map((v) => expectDecoding(v.page, 45_000)));
      const serving = await nodeList();
      expect(serving.find((n) => n.nodeId === 'e2e-node-a')?.rooms).toBeGreaterThanOrEqual(1);

      const standby = await MediaNodeProcess.start('e2e-node-b', 41905);
      nodes.push(standby);
      await waitForNode('e2e-node-b');

      const killedAt = Date.now();
      doomed.kill();
      const recovered = await Promise.all(
        viewers.map(async (v, i) => {
          await expectDecoding(v.page, FAILOVER_BOUND_MS, before[i]!.producerId);
          return Date.now() - killedAt;
        }),
      );
      console.log(`[e2e] failover: viewers decoding again ${recovered.join(' ms, ')} ms after the media node was killed (bound ${FAILOVER_BOUND_MS} ms)`);
      for (const ms of recovered) expect(ms).toBeLessThan(FAILOVER_BOUND_MS);
      // The room moved to the standby (the only other node taking rooms); other files' rooms still
      // live on the stack may have followed it there, so at least this one.
      expect((await nodeList()).find((n) => n.nodeId === 'e2e-node-b')?.rooms).toBeGreaterThanOrEqual(1);
      // Chat and room state survived the media failover: the socket never dropped.
      for (const v of viewers) expect(await phase(v.page)).toBe('live');

    } finally {
      // Nothing of a failed attempt may stay live: a retry's node would be handed its room too.
      if (room) await callApi(`/organizations/${room.orgId}/rooms/${room.roomId}/end`, { method: 'POST', token: room.token });
      for (const context of contexts) await context.close();
      for (const node of nodes) node.kill();
      await admin(`/admin/fleet/nodes/${STACK_NODE}/undrain`, 'POST');
    }
  });
});

async function admin(path: string, method = 'GET') {
  const res = await fetch(`${apiUrl()}/api/v1${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const body = (await res.json().catch(() => null)) as any;
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function nodeList(): Promise<{ nodeId: string; rooms: number; healthy: boolean; drained: boolean }[]> {
  return (await admin('/admin/fleet/nodes')).nodes;
}

async function waitForNode(nodeId: string) {
  await vi.waitFor(
    async () => {
      if (!(await nodeList()).some((n) => n.nodeId === nodeId && n.healthy && !n.drained)) throw new Error(`${nodeId} did not register with the fleet`);
    },
    { timeout: 20_000, interval: 250 },
  );
}

/** A media node process this test starts (and may kill), dialing the e2e stack's fleet. */
class MediaNodeProcess {
  #log = '';
  private constructor(private readonly child: ChildProcess) {
    const keep = (d: Buffer) => (this.#log = (this.#log + d.toString()).slice(-8000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(nodeId: string, rtcPort: number): Promise<MediaNodeProcess> {
    const token = await signNodeToken(FLEET_SECRET, { nodeId, region: 'local' }, 3600);
    const child = spawn(process.execPath, ['--import', 'tsx', 'media-node/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        MEDIA_NODE_ID: nodeId,
        MEDIA_REGION: 'local',
        MEDIA_WORKERS: '1',
        MEDIA_RTC_MIN_PORT: String(rtcPort),
        MEDIA_RTC_MAX_PORT: String(rtcPort + 4),
        MEDIA_FLEET_URL: `${apiUrl().replace(/^http/, 'ws')}/api/v1/fleet/connect`,
        MEDIA_FLEET_TOKEN: token,
        MEDIA_METRICS_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const node = new MediaNodeProcess(child);
    await vi.waitFor(
      () => {
        if (!node.#log.includes('registered with the fleet')) throw new Error(`media node ${nodeId} did not start (exit code ${child.exitCode}):\n${node.#log}`);
      },
      { timeout: 30_000, interval: 100 },
    );
    return node;
  }

  get log(): string {
    return this.#log;
  }

  /** SIGKILL: the node vanishes the way a crashed VM does, without closing anything. */
  kill() {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
