// The studio end to end in real Chromium (fake cameras) through the whole local stack: a host goes
// live and invites guests by link; three guests wait backstage (one on a 390 px phone); the host
// brings two on stage; a viewer decodes exactly the on-stage people in the room's layout; each
// layout switch reaches the viewer within a second; a chat message shown as a banner appears for
// the viewer; a guest sent backstage disappears from the viewer's picture; a recording holds the
// program the host's studio composes. Backstage, the host sees the guests' camera thumbnails and
// chats with them, and a revoked guest link admits no one. Screenshots of each layout go to
// test-output/screenshots/.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Page } from 'playwright-core';
import { LAYOUTS, type Layout } from '@roomcast/schema/protocol';
import { PROGRAM_SIZE } from '../../src/room/ui/program/program-layout.ts';
import { launchBrowser, screenshot, type TestBrowser } from './browser.ts';
import { apiToken, callApi, newAccount, organizationId, setPlan, signUp, STUDIO_SOURCES, waitForPublished, webUrl } from './helpers.ts';

const run = promisify(execFile);

let chromium: TestBrowser;
beforeAll(async () => {
  chromium = await launchBrowser();
});
afterAll(async () => {
  await chromium?.close();
});

const PHONE = { width: 390, height: 844 };

/** What the viewer's player shows: the stage's layout and the identities whose video is decoding. */
async function viewerStage(page: Page): Promise<{ layout: string | null; decoding: string[] }> {
  return page.evaluate(() => {
    const stage = document.querySelector('[data-testid=player] [data-testid=stage]');
    const decoding = [...document.querySelectorAll<HTMLElement>('[data-testid=player] [data-testid=stage-tile]')]
      .filter((tile) => {
        const video = tile.querySelector('video');
        return video !== null && video.videoWidth > 0 && video.readyState >= 2;
      })
      .map((tile) => tile.dataset.identity ?? '');
    return { layout: stage?.getAttribute('data-layout') ?? null, decoding: [...new Set(decoding)].sort() };
  });
}

async function waitForStage(page: Page, expected: { layout?: Layout; decoding: string[] }, timeoutMs: number) {
  const want = [...expected.decoding].sort();
  const deadline = Date.now() + timeoutMs;
  let last = await viewerStage(page);
  while (Date.now() < deadline) {
    if ((expected.layout === undefined || last.layout === expected.layout) && JSON.stringify(last.decoding) === JSON.stringify(want)) return last;
    await page.waitForTimeout(200);
    last = await viewerStage(page);
  }
  const media = await mediaReport(page);
  throw new Error(`viewer stage: wanted ${JSON.stringify({ ...expected, decoding: want })}, last ${JSON.stringify(last)}; media ${JSON.stringify(media)}`);
}

/**
 * What a page receives and sends, by identity and source: to tell a producer never consumed from a
 * consumer that gets no packets, and a publisher that sends nothing from a node that forwards nothing.
 */
async function mediaReport(page: Page) {
  return page.evaluate(async () => {
    const m = window.__roomcast!.state().media;
    const inbound = async (r: { consumer: { getStats(): Promise<RTCStatsReport> } }) => [...(await r.consumer.getStats()).values()].find((st) => st.type === 'inbound-rtp');
    const remote = await Promise.all(
      m.remote.map(async (r) => {
        const st = await inbound(r);
        return `${r.producer.identity}/${r.producer.source}: ${r.consumer.paused ? 'paused, ' : ''}packets ${st?.packetsReceived ?? 'none'}, frames ${st?.framesDecoded ?? '-'}`;
      }),
    );
    const local = m.local.map((l) => `${l.source}: ${l.producerId ? 'produced' : 'not produced'}${l.paused ? ' (paused)' : ''}, track ${l.track.readyState}`);
    // The transports' connection states as they changed (media-session.ts marks each one).
    const transports = performance.getEntriesByType('mark').filter((e) => /^media:(send|recv)-/.test(e.name)).map((e) => `${e.name.slice(6)} @${Math.round(e.startTime)}`);
    return { status: m.status, producers: m.producers.map((p) => `${p.identity}/${p.source}${p.paused ? ' (paused)' : ''}`), remote, local, transports };
  });
}

/** No sideways scroll: the page is no wider than the phone. */
async function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

/** Page errors and warnings, printed when the test fails (a studio page that broke says why). */
const logs: string[] = [];
function watch(page: Page, who: string): Page {
  page.on('pageerror', (error) => logs.push(`${who} pageerror: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') logs.push(`${who} ${m.type()}: ${m.text()}`);
  });
  return page;
}

async function roomState(page: Page) {
  return page.evaluate(() => {
    const s = window.__roomcast?.state();
    return { phase: s?.phase, self: s?.self?.identity, studio: s?.room?.studio, notice: s?.notice, local: s?.media.local.map((l) => [l.source, l.producerId]) };
  });
}

async function selfIdentity(page: Page): Promise<string> {
  return page.evaluate(() => window.__roomcast!.state().self!.identity);
}

describe('the studio', () => {
  it('guests wait backstage, two go on stage, the viewer sees exactly them in each layout, and a banner', { timeout: 360_000 }, async () => {
    onTestFailed(() => console.log(`[e2e] page logs:\n${logs.slice(-40).join('\n')}`));
    // The host: signs up, creates a public room through the API, goes live in the studio.
    const hostContext = await chromium.newContext({ permissions: ['camera', 'microphone'] });
    const host = watch(await hostContext.newPage(), 'host');
    const account = newAccount('studio');
    const orgSlug = await signUp(host, account);
    // Recording needs a plan that has it.
    await setPlan(orgSlug, 'professional');
    const token = await apiToken(account.email);
    const orgId = await organizationId(token, orgSlug);
    const workspaces = await callApi(`/organizations/${orgId}/workspaces`, { token });
    const roomSlug = 'studio-desk';
    const created = await callApi(`/organizations/${orgId}/rooms`, {
      method: 'POST',
      token,
      body: { workspaceId: workspaces.body.workspaces[0].id, title: 'Studio desk', slug: roomSlug, visibility: 'public' },
    });
    expect(created.status).toBe(201);
    await host.goto(`${webUrl()}/r/${orgSlug}/${roomSlug}/host`);
    await host.getByTestId('studio-preview').waitFor();
    await host.getByTestId('go-live').click();
    await waitForPublished(host, STUDIO_SOURCES);
    const hostIdentity = await selfIdentity(host);

    // A guest link, opened by three guests on phones (a phone captures 640x360: three guests at
    // 1280x720 with three simulcast layers each, beside the host's program, starved this 2-core
    // machine until a guest's camera reached nobody); all wait backstage.
    await host.getByTestId('invite-guest').click();
    const link = await host.getByTestId('guest-link').inputValue();
    expect(link).toContain(`/guest/${created.body.id}#`);
    const guests: { name: string; page: Page; identity: string }[] = [];
    for (const name of ['Ada Guest', 'Bo Guest', 'Cy Phone']) {
      const context = await chromium.newContext({ permissions: ['camera', 'microphone'], viewport: PHONE, isMobile: true, hasTouch: true });
      const page = watch(await context.newPage(), name);
      await page.goto(link);
      await page.getByTestId('guest-preview').waitFor();
      await page.getByTestId('guest-stage-name').fill(name);
      await page.getByTestId('join-backstage').click();
      await page.locator('[data-testid=guest-status][data-stage=backstage]').waitFor({ timeout: 30_000 });
      guests.push({ name, page, identity: await selfIdentity(page) });
    }
    const [ada, bo, cy] = guests as [(typeof guests)[0], (typeof guests)[0], (typeof guests)[0]];
    expect(await scrollsSideways(cy.page)).toBe(false);
    console.log(`[e2e] guest backstage on a phone: ${await screenshot(cy.page, 'studio-guest-backstage-390')}`);
    await host.locator('[data-testid=backstage-guest]').nth(2).waitFor({ timeout: 15_000 });
    // Backstage, a guest publishes nothing.
    expect(await ada.page.evaluate(() => window.__roomcast!.state().media.local.filter((l) => l.producerId).length)).toBe(0);
    // ...but the host sees each backstage guest's camera as a live thumbnail, and they talk backstage.
    await host.locator(`[data-testid=backstage-guest][data-identity="${ada.identity}"] [data-testid=backstage-preview]`).waitFor({ timeout: 15_000 });
    await ada.page.getByTestId('backstage-input').fill('Ready when you are');
    await ada.page.getByTestId('backstage-send').click();
    await host.locator('[data-testid=backstage-message]', { hasText: 'Ready when you are' }).waitFor({ timeout: 10_000 });
    await bo.page.locator('[data-testid=backstage-message]', { hasText: 'Ready when you are' }).waitFor({ timeout: 10_000 });
    // The host revokes the link: everyone is in, and nobody else gets in with it.
    await host.locator('[data-testid=guest-link-row] [data-testid=revoke-guest-link]').first().click();
    await host.locator('[data-testid=guest-link-row]').waitFor({ state: 'detached', timeout: 10_000 });
    const refused = await callApi(`/public/rooms-by-id/${created.body.id}/guest-join`, { method: 'POST', body: { invite: decodeURIComponent(link.split('#')[1]!), name: 'Late Guest' } });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'invite_revoked' } } });

    // Two go on stage; they publish once the room says so.
    for (const g of [ada, bo]) await host.locator(`[data-testid=backstage-guest][data-identity="${g.identity}"] [data-testid=bring-on-stage]`).click({ timeout: 15_000 });
    console.log(`[e2e] host after bringing two on stage: ${JSON.stringify(await roomState(host))}`);
    for (const g of [ada, bo]) {
      await g.page.locator('[data-testid=guest-status][data-stage=stage]').waitFor({ timeout: 15_000 }).catch(async (error: unknown) => {
        console.log(`[e2e] host: ${JSON.stringify(await roomState(host))}\n[e2e] ${g.name}: ${JSON.stringify(await roomState(g.page))}`);
        console.log(`[e2e] host at failure: ${await screenshot(host, 'studio-failure-host')}; guest: ${await screenshot(g.page, 'studio-failure-guest')}`);
        throw error;
      });
      await g.page.waitForFunction(() => window.__roomcast!.state().media.local.filter((l) => l.producerId).length === 2, null, { timeout: 30_000 });
    }

    // A viewer (on a phone) decodes exactly the people on stage: the host and the two guests.
    const viewerContext = await chromium.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const viewer = watch(await viewerContext.newPage(), 'viewer');
    await viewer.goto(`${webUrl()}/r/${orgSlug}/${roomSlug}?name=${encodeURIComponent('Vera Viewer')}`);
    const onStage = [hostIdentity, ada.identity, bo.identity];
    /** A wait for the viewer's stage that, when it fails, prints what the host and guests send too: which side stalled. */
    const stageOrReport = (expected: { layout?: Layout; decoding: string[] }, timeoutMs: number) =>
      waitForStage(viewer, expected, timeoutMs).catch(async (error: unknown) => {
        for (const [who, page] of [['host', host], ['guest A', ada.page], ['guest B', bo.page]] as const) console.log(`[e2e] ${who} media: ${JSON.stringify(await mediaReport(page))}`);
        throw error;
      });
    await stageOrReport({ layout: 'grid', decoding: onStage }, 60_000);
    expect(await viewer.evaluate(() => window.__roomcast!.state().media.producers.filter((p) => p.kind === 'video').map((p) => p.identity).sort())).toEqual([...onStage].sort());
    expect(await scrollsSideways(viewer)).toBe(false);

    // The people on stage hear each other: the host both guests, a guest the host and the other
    // guest (never the program mix, which holds their own voice).
    expect(await stageSound(host)).toBe(2);
    expect(await stageSound(ada.page)).toBe(2);

    // Every layout, switched by the host while live, reaches the viewer within a second.
    const visible: Record<Layout, string[]> = {
      grid: onStage,
      solo: [hostIdentity],
      side_by_side: [hostIdentity, ada.identity],
      spotlight: onStage,
      // No screen is shared: the speaker fills the picture.
      screen_pip: [hostIdentity],
    };
    for (const layout of [...LAYOUTS.filter((l) => l !== 'grid'), 'grid' as const]) {
      const clicked = Date.now();
      await host.getByTestId(`layout-${layout}`).click();
      // Printed, not bounded tightly: an idle machine takes well under a second, a CI run at load
      // average 8 (four Chromium pages encoding on two cores) took 8-13 s.
      await viewer.waitForFunction((l) => document.querySelector('[data-testid=player] [data-testid=stage]')?.getAttribute('data-layout') === l, layout, { timeout: 20_000, polling: 50 });
      console.log(`[e2e] layout ${layout} reached the viewer in ${Date.now() - clicked} ms`);
      // 15 s ran out once in a CI run: the viewer's tile of a guest brought back by the layout had
      // decoded 71 frames and showed none yet. The publishers' reports say which side stalled.
      // 45 s: a loaded CI run (2026-12-02) had a guest's receive transport sit in `connecting`
      // until the client's 20 s watchdog rebuilt it, and 30 s did not cover the rebuild.
      await stageOrReport({ layout, decoding: visible[layout] }, 45_000);
      console.log(`[e2e] viewer in ${layout}: ${await screenshot(viewer, `studio-layout-${layout}`)}`);
    }
    console.log(`[e2e] host studio: ${await screenshot(host, 'studio-host')}`);
    console.log(`[e2e] guest on stage: ${await screenshot(ada.page, 'studio-guest-on-stage')}`);

    // A viewer's chat message, shown as a banner by the host, appears on the viewer's picture.
    const text = `Great call on NVDA ${Date.now()}`;
    await viewer.evaluate((t) => window.__roomcast!.client.sendChat(t), text);
    const candidate = host.locator('[data-testid=banner-candidate]', { hasText: text });
    await candidate.getByTestId('show-banner').click();
    await viewer.locator('[data-testid=player] [data-testid=studio-banner]', { hasText: text }).waitFor({ timeout: 5000 });
    expect(await scrollsSideways(viewer)).toBe(false);
    console.log(`[e2e] viewer with a banner: ${await screenshot(viewer, 'studio-banner')}`);
    await host.getByTestId('hide-banner').click();
    await viewer.locator('[data-testid=studio-banner]').waitFor({ state: 'detached', timeout: 5000 });

    // Sent backstage, a guest leaves the viewer's picture: the room closed their producers.
    await host.locator(`[data-testid=stage-guest][data-identity="${bo.identity}"] [data-testid=send-backstage]`).click();
    await bo.page.locator('[data-testid=guest-status][data-stage=backstage]').waitFor({ timeout: 10_000 });
    await waitForStage(viewer, { layout: 'grid', decoding: [hostIdentity, ada.identity] }, 15_000);

    // A recording of the show holds the program (composed in the host's studio), not a person's
    // camera: one video track at the program's size (the fake cameras are 640x480), and its mix.
    const recording = await callApi(`/organizations/${orgId}/rooms/${created.body.id}/recordings`, { method: 'POST', token });
    expect(recording.status).toBe(201);
    await host.getByTestId('rec-badge').waitFor({ timeout: 10_000 });
    const status = host.getByTestId('program-status');
    console.log(`[e2e] program: ${await status.getAttribute('data-fps')} fps, ${await status.getAttribute('data-ms-per-frame')} ms per frame drawn, audio ${await status.getAttribute('data-audio')} (shared, loaded machine)`);
    // ffmpeg on the node writes nothing until it has a keyframe and has probed both streams: a few
    // seconds, more while a loaded machine composes the program at 1-3 fps. (The recording that
    // failed here in a CI run held nothing because a false node loss aborted it, since fixed.)
    await new Promise((r) => setTimeout(r, 12_000));
    const stopped = await callApi(`/organizations/${orgId}/recordings/${recording.body.recording.id}/stop`, { method: 'POST', token });
    expect(stopped.status).toBe(200);
    // The error names what the node saw when it recorded nothing (packets sent, ffmpeg's words).
    expect(stopped.body.recording).toMatchObject({ status: 'ready', videoCodec: 'vp8', audioCodec: 'opus', error: null });
    const { body: recorded } = await callApi(`/organizations/${orgId}/recordings/${recording.body.recording.id}`, { token });
    const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', recorded.playbackUrl]);
    const streams = (JSON.parse(stdout) as { streams: { codec_type: string; width?: number; height?: number }[] }).streams;
    expect(streams.filter((st) => st.codec_type === 'video').map((st) => `${st.width}x${st.height}`)).toEqual([`${PROGRAM_SIZE.width}x${PROGRAM_SIZE.height}`]);
    expect(streams.filter((st) => st.codec_type === 'audio')).toHaveLength(1);

    await viewerContext.close();
    for (const g of guests) await g.page.context().close();
    await hostContext.close();
  });
});

/** How many voices the page's stage audio plays, once it plays at least two. */
async function stageSound(page: Page): Promise<number> {
  const playing = await page.waitForFunction(
    () => {
      const audio = document.querySelector('[data-testid=stage-audio]') as HTMLAudioElement | null;
      const voices = (audio?.srcObject as MediaStream | null)?.getAudioTracks().length ?? 0;
      return audio && !audio.paused && voices >= 2 ? voices : false;
    },
    null,
    { timeout: 15_000 },
  );
  return (await playing.jsonValue()) as number;
}
