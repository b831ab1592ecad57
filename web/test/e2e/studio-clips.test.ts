// Pre-recorded clips played into the show, end to end in real Chromium through the whole local
// stack: the host uploads a 60 s clip (ffmpeg: test pattern + 440 Hz tone, VP8/Opus WebM) and a
// 3 s one through the Files API, records a few seconds of the show, queues the three from the
// library in the studio and plays them. A viewer decodes the clip's picture and receives its sound
// (the 'video' and 'video_audio' producers); pause holds the clip, Next skips to the following
// one, a clip that ends gives way to the next (the recording), and Stop takes the clip off the
// air, out of the viewer's picture.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, type TestBrowser } from './browser.ts';
import { callApi, hostGoesLive, uploadFile, waitForPublished, webUrl } from './helpers.ts';

const run = promisify(execFile);

let chromium: TestBrowser;
let dir: string;
let clips: { long: Uint8Array; short: Uint8Array };
beforeAll(async () => {
  chromium = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'roomcast-clips-e2e-'));
  const [long, short] = await Promise.all([makeClip('opening.webm', { seconds: 60, size: '480x270', hz: 440 }), makeClip('sting.webm', { seconds: 3, size: '320x180', hz: 880 })]);
  clips = { long, short };
}, 120_000);
afterAll(async () => {
  await chromium?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A WebM clip Debian's Chromium decodes: a moving test pattern and a steady tone. */
async function makeClip(name: string, o: { seconds: number; size: string; hz: number }): Promise<Uint8Array> {
  const path = join(dir, name);
  await run('ffmpeg', [
    ...['-v', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc=size=${o.size}:rate=30:duration=${o.seconds}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=${o.hz}:sample_rate=48000:duration=${o.seconds}`],
    ...['-c:v', 'libvpx', '-b:v', '600k', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', '-b:a', '64k', '-shortest', path],
  ]);
  return readFileSync(path);
}

/** What the viewer receives of the clip: the 'video' and 'video_audio' consumers' inbound stats. */
async function clipReceived(page: Page) {
  return page.evaluate(async () => {
    const remote = window.__roomcast!.state().media.remote;
    const sum = async (source: string) => {
      const r = remote.find((x) => x.producer.source === source);
      const out = { producerId: r?.producer.producerId, framesDecoded: 0, bytes: 0, audioEnergy: 0 };
      if (!r) return out;
      (await r.consumer.getStats()).forEach((s: Record<string, unknown>) => {
        if (s.type !== 'inbound-rtp') return;
        out.framesDecoded += Number(s.framesDecoded ?? 0);
        out.bytes += Number(s.bytesReceived ?? 0);
        out.audioEnergy += Number(s.totalAudioEnergy ?? 0);
      });
      return out;
    };
    return { video: await sum('video'), audio: await sum('video_audio') };
  });
}

/** The clip element in the host's studio: where it is and whether it plays. */
async function hostClip(page: Page) {
  return page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>('[data-testid=clip-element][data-on-air]');
    return { time: v?.currentTime ?? -1, paused: v?.paused ?? true, width: v?.videoWidth ?? 0 };
  });
}

const logs: string[] = [];
function watch(page: Page, who: string): Page {
  page.on('pageerror', (error) => logs.push(`${who} pageerror: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') logs.push(`${who} ${m.type()}: ${m.text()}`);
  });
  return page;
}

describe('studio clips', () => {
  it('plays uploaded clips from the library into the show, picture and sound, with pause, next and a queue', { timeout: 300_000 }, async () => {
    onTestFailed(() => console.log(`[e2e] page logs:\n${logs.slice(-40).join('\n')}`));
    // Recording needs a plan that has it: a few seconds of the show become a clip in the library.
    const room = await hostGoesLive(chromium, 'clips', { plan: 'professional' });
    const host = watch(room.host, 'host');
    const hostIdentity = await host.evaluate(() => window.__roomcast!.state().self!.identity);
    const longId = await uploadFile(room, 'Opening bell.webm', 'video/webm', clips.long);
    const shortId = await uploadFile(room, 'Sting.webm', 'video/webm', clips.short);

    const viewerContext = await chromium.newContext();
    const viewer = watch(await viewerContext.newPage(), 'viewer');
    await viewer.goto(`${webUrl()}/r/${room.orgSlug}/${room.roomSlug}?name=Vera`);
    await viewer.locator(`[data-testid=player] [data-testid=stage-tile][data-identity="${hostIdentity}"] video`).waitFor({ timeout: 30_000 });
    // Sound starts muted for a viewer (autoplay rules): they press Unmute, as a person would.
    await viewer.getByTestId('unmute').click();
    // Recorded last, so it stays short: it is played to its end below, and a recording started
    // before the uploads and the viewer's join ran 73 s in a loaded CI run (2026-12-02), past
    // that wait. ffmpeg on the node writes nothing until it has probed both streams (a few seconds
    // on a loaded machine), hence 8 s.
    const recordingStarted = Date.now();
    const recording = await callApi(`/organizations/${room.orgId}/rooms/${room.roomId}/recordings`, { method: 'POST', token: room.token });
    expect(recording.status).toBe(201);
    await new Promise((r) => setTimeout(r, Math.max(0, recordingStarted + 8_000 - Date.now())));
    const stopped = await callApi(`/organizations/${room.orgId}/recordings/${recording.body.recording.id}/stop`, { method: 'POST', token: room.token });
    expect(stopped.body.recording).toMatchObject({ status: 'ready' });
    const recordingId = stopped.body.recording.id as string;

    // The library lists the uploads and the recording (Refresh: they arrived after the studio opened); queue long, short, recording.
    const deck = host.getByTestId('clip-deck');
    await deck.getByRole('button', { name: 'Refresh' }).click();
    const library = host.getByTestId('clip-library');
    await library.locator(`option[value="recording:${recordingId}"]`).waitFor({ state: 'attached', timeout: 10_000 });
    for (const value of [`file:${longId}`, `file:${shortId}`, `recording:${recordingId}`]) {
      await library.selectOption(value);
      await host.getByTestId('clip-add').click();
    }
    await expect.poll(() => host.getByTestId('clip-item').count()).toBe(3);

    // Play: the head goes on the air as the clip's picture and sound.
    await host.getByTestId('clip-play').click();
    await waitForPublished(host, ['video', 'video_audio']);
    expect(await deck.getAttribute('data-current')).toBe('Opening bell.webm');
    const clipTile = viewer.locator(`[data-testid=player] [data-testid=stage-tile][data-identity="${hostIdentity}#video"]`);
    await clipTile.waitFor({ timeout: 20_000 });
    await viewer.waitForFunction(() => window.__roomcast!.state().media.remote.some((r) => r.producer.source === 'video_audio'), null, { timeout: 20_000 });
    const first = await clipReceived(viewer);
    await viewer.waitForTimeout(2_500);
    const second = await clipReceived(viewer);
    console.log(`[e2e] viewer clip over 2.5 s: ${JSON.stringify({ first, second })}`);
    // The viewer decodes the clip (frames grow, its tile's element advances)...
    expect(second.video.framesDecoded).toBeGreaterThan(first.video.framesDecoded + 10);
    const tileTime = () => clipTile.locator('video').evaluate((v: HTMLVideoElement) => ({ time: v.currentTime, width: v.videoWidth }));
    const before = await tileTime();
    await viewer.waitForTimeout(1_000);
    const after = await tileTime();
    expect(after.width).toBeGreaterThan(0);
    expect(after.time).toBeGreaterThan(before.time);
    // ...and hears it: audio bytes arrive and carry energy (a tone, not silence). The energy counts
    // what the viewer's page plays out, which starts after the bytes: a CI run at load average 17
    // had bytes growing and no energy yet after 2.5 s, so it is polled.
    expect(second.audio.bytes).toBeGreaterThan(first.audio.bytes);
    await expect
      .poll(async () => (await clipReceived(viewer)).audio.audioEnergy, { timeout: 20_000, interval: 500, message: 'the clip\'s tone plays out on the viewer' })
      .toBeGreaterThan(first.audio.audioEnergy);
    console.log(`[e2e] viewer with the clip: ${await screenshot(viewer, 'studio-clip-viewer')}`);
    console.log(`[e2e] host studio with the clip deck: ${await screenshot(host, 'studio-clip-host')}`);

    // Pause holds the clip where it is; Play carries on from there.
    await host.getByTestId('clip-play').click();
    await host.locator('[data-testid=clip-deck][data-state=paused]').waitFor({ timeout: 5_000 });
    const held = await hostClip(host);
    await host.waitForTimeout(1_000);
    expect(await hostClip(host)).toMatchObject({ paused: true, time: held.time });
    await host.getByTestId('clip-play').click();
    await host.locator('[data-testid=clip-deck][data-state=playing]').waitFor({ timeout: 5_000 });
    // 5 s ran out once in a CI run at load average 18: the host page then plays at a crawl.
    await host.waitForFunction((t) => document.querySelector<HTMLVideoElement>('[data-testid=clip-element][data-on-air]')!.currentTime > t + 0.5, held.time, { timeout: 20_000 });
    // The long clip is 60 s (at 480x270: about 4 s to make) so that a loaded host still pauses and
    // resumes it well before its end: a 10 s clip was 9.07 s in once at load average 18, and a 20 s
    // one ended under a CI run's load before the resume was seen.
    expect(held.time).toBeLessThan(50);

    // Next skips to the short clip; when it ends, the one after it (the recording) starts by itself.
    await host.getByTestId('clip-next').click();
    await host.waitForFunction(() => document.querySelectorAll('[data-testid=clip-item]').length === 2, null, { timeout: 5_000 });
    await host.locator('[data-testid=clip-deck][data-state=playing][data-current="Sting.webm"]').waitFor({ timeout: 10_000 });
    const onAirWidth = (width: number) => host.waitForFunction((w) => document.querySelector<HTMLVideoElement>('[data-testid=clip-element][data-on-air]')?.videoWidth === w, width, { timeout: 10_000 });
    await onAirWidth(320);
    const skipped = await clipReceived(viewer);
    await host.waitForFunction(() => document.querySelectorAll('[data-testid=clip-item]').length === 1, null, { timeout: 10_000 });
    await host.locator('[data-testid=clip-deck][data-state=playing][data-current^="clips desk · recorded"]').waitFor({ timeout: 10_000 });
    // The recording holds the show's program: 1280x720.
    await onAirWidth(1280);
    // The viewer kept decoding one clip tile through both switches: the same producers, frames still growing.
    await viewer.waitForTimeout(1_500);
    const later = await clipReceived(viewer);
    expect([later.video.producerId, later.audio.producerId]).toEqual([first.video.producerId, first.audio.producerId]);
    expect(later.video.framesDecoded).toBeGreaterThan(skipped.video.framesDecoded);
    console.log(`[e2e] viewer with the recording as a clip: ${await screenshot(viewer, 'studio-clip-recording-viewer')}`);

    // Stop takes the clip off the air (out of the viewer's picture) and keeps it at the head of the queue.
    const offAir = async () => {
      await viewer.waitForFunction(() => !window.__roomcast!.state().media.producers.some((p) => p.source === 'video' || p.source === 'video_audio'), null, { timeout: 10_000 });
      await clipTile.waitFor({ state: 'detached', timeout: 10_000 });
    };
    await host.getByTestId('clip-stop').click();
    await host.locator('[data-testid=clip-deck][data-state=idle]').waitFor({ timeout: 10_000 });
    await offAir();
    expect(await host.getByTestId('clip-item').count()).toBe(1);
    // Play again: it starts over, and when it ends the queue has run out and the clip leaves the air.
    await host.getByTestId('clip-play').click();
    await clipTile.waitFor({ timeout: 20_000 });
    // The recording is 8-12 s long; a loaded machine may play it slower than real time.
    await host.getByTestId('clip-queue').waitFor({ state: 'detached', timeout: 60_000 }).catch(async (error: unknown) => {
      const element = await host.evaluate(() => {
        const v = document.querySelector<HTMLVideoElement>('[data-testid=clip-element][data-on-air]');
        return v && { currentTime: v.currentTime, duration: v.duration, readyState: v.readyState, paused: v.paused, ended: v.ended, error: v.error?.message ?? null };
      });
      console.log(`[e2e] the recording clip did not end: ${JSON.stringify(element)}`);
      throw error;
    });
    expect(await host.getByTestId('clip-deck').getAttribute('data-state')).toBe('idle');
    await offAir();
    expect(await host.getByTestId('clip-problem').count()).toBe(0);
    await viewerContext.close();
  });
});
