// HLS egress end to end, through the whole local stack: a host goes live in Chromium with a fake
// camera and microphone, the API starts HLS, the real media node encodes the room (VP8 transcoded
// once to H.264, Opus to AAC) into fMP4 segments uploaded to the local S3 store, and the Worker
// serves them at /hls/{room}/...: the viewer page in HLS mode plays it with hls.js (the video
// element advances, the mode badge says HLS),
// ffprobe reads the playlist and its segments, and ending the room ends the playlist; the ended run
// is in the recordings library and its player page plays it (hls.js in the VOD player).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from './browser.ts';
import { apiUrl, callApi, hostGoesLive, webUrl } from './helpers.ts';

const run = promisify(execFile);

let chromium: TestBrowser;
beforeAll(async () => {
  chromium = await launchBrowser();
});
afterAll(async () => {
  await chromium?.close();
});

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('HLS egress in the browser', () => {
  it('plays the live room on the viewer page over HLS (hls.js), ffprobe reads H.264 + AAC segments, and the playlist ends with the room', async () => {
    const { host, orgSlug, orgId, token, roomId, roomSlug } = await hostGoesLive(chromium, 'hls', { plan: 'professional' });
    const context = host.context();

    const startedAt = Date.now();
    const started = await callApi(`/organizations/${orgId}/rooms/${roomId}/hls`, { method: 'POST', token });
    expect(started.status).toBe(201);
    const playlistUrl = started.body.playlistUrl as string;
    expect(playlistUrl).toBe(`${apiUrl()}/hls/${roomId}/index.m3u8`);
    // Live once the first playlist is in the store (the room state says so).
    await until('HLS live', async () => ((await callApi(`/organizations/${orgId}/rooms/${roomId}/hls`, { token })).body.hls.state === 'live' ? true : undefined), 30_000);
    const liveAfterMs = Date.now() - startedAt;

    // The viewer page in HLS mode (as when WebRTC fails or the room is full): hls.js plays the
    // playlist (served by the API's origin: CORS), and the badge says which mode the viewer is in.
    const viewer = await (await chromium.newContext()).newPage();
    await viewer.goto(`${webUrl()}/r/${orgSlug}/${roomSlug}?name=Viewer&playback=hls`);
    await viewer.locator('[data-testid="playback-mode"][data-mode="hls"]').waitFor({ timeout: 30_000 });
    expect(await viewer.getByTestId('playback-mode').textContent()).toBe('HLS');
    const played = (s: number) => `(document.querySelector('[data-testid="hls-video"]')?.currentTime ?? 0) > ${s}`;
    await viewer.waitForFunction(played(1), null, { timeout: 30_000 });
    const at = await viewer.evaluate(() => (document.querySelector('[data-testid="hls-video"]') as HTMLVideoElement).currentTime);
    await viewer.waitForFunction(played(at + 1), null, { timeout: 15_000 });
    expect(await viewer.evaluate(() => (document.querySelector('[data-testid="hls-video"]') as HTMLVideoElement).videoWidth)).toBeGreaterThan(0);
    await screenshot(viewer, 'hls-viewer');

    // ffprobe reads the playlist and its fMP4 segments: the transcoded video and the audio.
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'json', playlistUrl], { timeout: 20_000 });
    const streams = (JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string }[] }).streams;
    expect(streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);

    // Ending the room ends the playlist; the segments stay (the session's VOD).
    expect((await callApi(`/organizations/${orgId}/rooms/${roomId}/end`, { method: 'POST', token })).status).toBe(200);
    const ended = await until('#EXT-X-ENDLIST', async () => {
      const text = await (await fetch(playlistUrl)).text();
      return text.includes('#EXT-X-ENDLIST') ? text : undefined;
    }, 20_000);
    const segments = ended.split('\n').filter((l) => l.endsWith('.m4s'));
    expect(segments.length).toBeGreaterThan(2);
    const last = await fetch(new URL(segments.at(-1)!, playlistUrl));
    expect(last.status).toBe(200);
    expect(last.headers.get('cache-control')).toContain('immutable');
    expect((await callApi(`/organizations/${orgId}/rooms/${roomId}/hls`, { token })).body.hls.state).toBe('ended');

    // The run is in the recordings library (source hls), and its player page plays it.
    const hlsId = started.body.hls.id as string;
    const listed = (await callApi(`/organizations/${orgId}/recordings?roomId=${roomId}`, { token })).body.recordings as { id: string; source: string; status: string; durationMs: number; sizeBytes: number }[];
    expect(listed).toEqual([expect.objectContaining({ id: hlsId, source: 'hls', status: 'ready' })]);
    expect(listed[0]!.durationMs).toBeGreaterThan(2000);
    expect(listed[0]!.sizeBytes).toBeGreaterThan(0);
    const library = await context.newPage();
    await library.goto(`${webUrl()}/app/${orgSlug}/recordings`);
    await library.locator(`[data-recording="${hlsId}"] [data-testid="recording-hls"]`).waitFor();
    const player = await context.newPage();
    await player.goto(`${webUrl()}/app/${orgSlug}/recordings/${hlsId}`);
    const vod = '[data-testid="vod-player"]';
    await player.waitForFunction((s) => ((document.querySelector(s) as HTMLVideoElement | null)?.readyState ?? 0) >= HTMLMediaElement.HAVE_METADATA, vod, { timeout: 20_000 });
    await player.locator(vod).evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    await player.waitForFunction((s) => ((document.querySelector(s) as HTMLVideoElement | null)?.currentTime ?? 0) > 1, vod, { timeout: 20_000 });
    await screenshot(player, 'hls-vod-player');
    console.info(`hls: live ${liveAfterMs} ms after the start request, ${segments.length} segments when the room ended (under shared load)`);
    await context.close();
  });
});
