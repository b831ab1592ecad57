// Local recording in the studio, in real Chromium through the whole local stack: the live host
// presses "Record locally"; MediaRecorder records the studio's program (WebM) and the parts go to
// the local S3 store WHILE recording (at least one full 5 MiB part before stop); stop uploads the
// rest, writes the duration into the file and completes it; the recording is `ready` in the
// library (source local) with its duration and size; ffprobe reads video and audio and the
// duration through the presigned playback URL; the player page plays it. Store failures are
// injected on the browser's part PUTs (Playwright routes answering 503): retried with backoff while
// recording, and at stop a store that stays down leaves the recording unsaved but kept, saved by
// Retry upload once the store is back.
// The fake camera shows random noise (a y4m made with ffmpeg) so the 8 Mbit/s recording fills a
// 5 MiB part in seconds: the fake device's own pattern compresses to well under 1 Mbit/s.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from './browser.ts';
import { callApi, hostGoesLive, webUrl } from './helpers.ts';

const run = promisify(execFile);
const PART_BYTES = 5 * 1024 * 1024;

let chromium: TestBrowser;
let noiseDir: string;
beforeAll(async () => {
  noiseDir = mkdtempSync(join(tmpdir(), 'roomcast-noise-'));
  const noise = join(noiseDir, 'noise.y4m');
  // One second of 640x360 noise at 30 fps (about 10 MB); Chromium loops it.
  await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'nullsrc=s=640x360:r=30,geq=lum=random(1)*255:cb=128:cr=128', '-t', '1', '-pix_fmt', 'yuv420p', '-y', noise]);
  // The noise at its own 30 fps (the e2e browsers' fake cameras run at 5 fps to spare the CPU,
  // which would leave the program a sixth of the noise to encode and the first part far off).
  chromium = await launchBrowser({}, [`--use-file-for-fake-video-capture=${noise}`, '--use-fake-device-for-media-stream=fps=30']);
});
afterAll(async () => {
  await chromium?.close();
  if (noiseDir) rmSync(noiseDir, { recursive: true, force: true });
});

const attr = async (locator: { getAttribute(name: string): Promise<string | null> }, name: string) => Number(await locator.getAttribute(name));

describe('local recording in the studio', () => {
  it('records the program locally, uploads parts while recording, and lands in the library as a ready file that plays', async () => {
    const { host, orgSlug, orgId, token } = await hostGoesLive(chromium, 'localrec', { plan: 'professional' });
    const context = host.context();
    // The store hiccups: part 1's first three PUTs answer 503. The part is kept and retried with
    // backoff, the studio says so, and the part lands.
    const isPartPut = (url: URL) => url.searchParams.has('uploadId') && url.searchParams.has('partNumber');
    let refusedPart1 = 0;
    await host.route(isPartPut, (route) => {
      const url = new URL(route.request().url());
      if (route.request().method() === 'PUT' && url.searchParams.get('partNumber') === '1' && refusedPart1 < 3) {
        refusedPart1++;
        return route.fulfill({ status: 503, headers: { 'access-control-allow-origin': '*' }, body: 'SlowDown' });
      }
      return route.continue();
    });
    await host.getByTestId('local-record').click();
    const control = host.locator('[data-testid="local-recording"][data-state="recording"]');
    await control.waitFor({ timeout: 15_000 });
    const recordFrom = Date.now();
    const id = await control.getAttribute('data-recording-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    // While recording: the first full part reaches the store before stop (no giant upload at the end),
    // after the studio showed the refused attempts.
    const status = host.getByTestId('local-recording-status');
    // Part 1 (5 MiB) must fill before its PUTs are refused: 30 s ran out once in a CI run at load average 14.
    const retryShown = await host.getByTestId('local-recording-error').textContent({ timeout: 90_000 });
    await host.waitForFunction(
      (min) => Number(document.querySelector('[data-testid="local-recording-status"]')?.getAttribute('data-uploaded-bytes') ?? 0) >= min,
      PART_BYTES,
      // 20 s ran out once in a CI run at load average 8 (the studio's encoder makes fewer bytes then).
      { timeout: 90_000, polling: 250 },
    );
    const uploadedWhileLive = await attr(status, 'data-uploaded-bytes');
    expect(refusedPart1).toBe(3);
    expect(retryShown).toContain('Retrying');
    await host.unroute(isPartPut);
    // Then up to ~8 s in all.
    const left = 8_000 - (Date.now() - recordFrom);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    await screenshot(host, 'local-recording-studio');
    // At stop the store is down for good: every attempt fails, the studio says the recording is not
    // saved yet and keeps its data; once the store is back, Retry upload saves all of it.
    // Unreachable (the connection refused), so a refused PUT costs no round trip of its 5 MiB body
    // through the test's route: answered with 503 here, a loaded CI run once took over 120 s.
    await host.route(isPartPut, (route) => (route.request().method() === 'PUT' ? route.abort('connectionrefused') : route.continue()));
    const stopAt = Date.now();
    await host.getByTestId('local-record-stop').click();
    // The part in flight and then the first pending one exhaust their retries (about 8 s of backoff
    // each): 24-29 s in CI runs, but once past 90 s (still at attempt 3) while the other lane's
    // browser tests ran beside it (2026-12-02), so 180 s.
    await host
      .locator('[data-testid="local-recording"][data-state="failed"]')
      .waitFor({ timeout: 180_000 })
      .catch(async (error: unknown) => {
        const shown = await host.getByTestId('local-recording').evaluate((el) => ({ state: el.getAttribute('data-state'), text: el.textContent }));
        const progress = await status.evaluate((el) => Object.fromEntries([...el.attributes].map((a) => [a.name, a.value])));
        throw new Error(`${String(error)}; the studio shows ${JSON.stringify(shown)}, status ${JSON.stringify(progress)}`);
      });
    console.log(`[e2e] local recording: failed ${Date.now() - stopAt} ms after stop with the store down`);
    expect(await host.getByTestId('local-recording-error').textContent()).toContain('Retry upload');
    await host.unroute(isPartPut);
    const retryAt = Date.now();
    await host.getByRole('button', { name: 'Retry upload' }).click();
    await host.locator('[data-testid="local-recording"][data-state="done"]').waitFor({ timeout: 30_000 });
    const savedAfterMs = Date.now() - retryAt;
    expect(await host.getByTestId('local-recording-error').count()).toBe(0);
    expect(await attr(status, 'data-pending-parts')).toBe(0);

    // In the library: ready, local, with the recording time as its duration and its size.
    const one = await callApi(`/organizations/${orgId}/recordings/${id}`, { token });
    const recorded = one.body.recording;
    expect(recorded).toMatchObject({ status: 'ready', source: 'local', videoCodec: 'vp8', audioCodec: 'opus', error: null });
    const wallMs = stopAt - recordFrom;
    expect(recorded.sizeBytes).toBe(await attr(status, 'data-uploaded-bytes'));
    // The recorder's clock against the test's: 1,068 ms apart once at load average 12 (bound 1 s then).
    expect(Math.abs(recorded.durationMs - wallMs)).toBeLessThan(2_000);
    expect(recorded.sizeBytes).toBeGreaterThan(PART_BYTES);

    // The file as anyone with the short-lived link gets it: video and audio, the duration it claims.
    const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', one.body.playbackUrl]);
    const probe = JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string }[]; format: { duration: string; size: string } };
    expect(probe.streams.map((st) => `${st.codec_type}:${st.codec_name}`).sort()).toEqual(['audio:opus', 'video:vp8']);
    expect(Math.abs(Number(probe.format.duration) * 1000 - recorded.durationMs)).toBeLessThan(5);
    expect(Number(probe.format.size)).toBe(recorded.sizeBytes);
    console.info(
      `local recording: ${recorded.durationMs} ms of ${wallMs} ms, ${recorded.sizeBytes} bytes, ${uploadedWhileLive} uploaded while recording, saved ${savedAfterMs} ms after Retry upload (under shared load)`,
    );

    const library = await context.newPage();
    await library.goto(`${webUrl()}/app/${orgSlug}/recordings`);
    const row = library.locator(`[data-recording="${id}"]`);
    await row.waitFor();
    expect(await row.getByTestId('recording-status').textContent()).toBe('ready');
    expect(await row.getByTestId('recording-local').count()).toBe(1);
    // The player page plays it: its video element advances, and it knows the duration.
    const player = await context.newPage();
    await player.goto(`${webUrl()}/app/${orgSlug}/recordings/${id}`);
    const video = player.getByTestId('vod-player');
    await video.waitFor();
    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    await player.waitForFunction(() => ((document.querySelector('[data-testid="vod-player"]') as HTMLVideoElement | null)?.currentTime ?? 0) > 1, null, { timeout: 20_000 });
    expect(await video.evaluate((v: HTMLVideoElement) => Math.round(v.duration * 1000))).toBeGreaterThan(recorded.durationMs - 300);
    await screenshot(player, 'local-recording-player');
    await context.close();
    // Its waits add up past the project's 120 s on a loaded machine (a CI run at load average 18 ran out).
  }, 360_000);
});
