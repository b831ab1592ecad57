// RTMP ingest end to end, every part real: the Worker under wrangler dev (ingest API, FleetDO,
// RoomDO), a media node on the embedded engine with its RTMP listener, Debian's ffmpeg as the
// encoder (an H.264/AAC test pattern pushed to rtmpUrl/streamKey, as OBS would), and a viewer in
// Chromium (the SDK the web app uses; the Node bot's libwebrtc has no H.264) decoding the video and
// receiving the Opus audio through the room like any viewer. An encoder restart within the grace period keeps the same producers (the
// viewer is not reset); a second encoder with the same key replaces the first; a wrong key is
// refused; FLV1 video gets a typed error in the ingest state.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../web/test/e2e/browser.ts';
import { BrowserViewer } from './support/browser-viewer.ts';
import { PORTS, sleep, startFleetStack, waitUntil, type FleetStack } from './support/stack.ts';
import { ingestRoom } from './support/whip-encoder.ts';

const verbose = process.env.FLEET_IT_VERBOSE === '1';
const RTMP_URL = `rtmp://127.0.0.1:${PORTS.rtmp}/live`;

let stack: FleetStack;
let chromium: TestBrowser;
beforeAll(async () => {
  stack = await startFleetStack(verbose ? (l) => console.log(l) : undefined, { INGEST_RTMP_URL: RTMP_URL });
  await stack.startNode('it-rtmp-node', 0, { MEDIA_RTMP_PORT: String(PORTS.rtmp) });
  chromium = await launchBrowser();
}, 180_000);
afterAll(async () => {
  for (const e of encoders) e.kill('SIGKILL');
  await chromium?.close();
  await stack?.stop();
});

const encoders: ReturnType<typeof spawn>[] = [];

/** Debian's ffmpeg pushing a 30 fps test pattern and a tone, as an encoder would (GOP 1 s, no B-frames). */
function encoder(url: string, video: 'h264' | 'flv1' = 'h264') {
  const videoArgs = video === 'h264' ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-g', '30', '-b:v', '500k'] : ['-c:v', 'flv1'];
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', ...videoArgs, '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', url], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  encoders.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    exited,
    stderr: () => stderr,
    /** ffmpeg's q: ends the stream (deleteStream) as an operator stopping OBS would. */
    stop: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

const decodedBeyond = (viewer: BrowserViewer, frames: number, timeoutMs: number, what: string) =>
  waitUntil(what, timeoutMs, async () => {
    const stats = await viewer.stats();
    return stats.framesDecoded >= frames ? stats : undefined;
  });

describe('ingest over RTMP', () => {
  it('ffmpeg pushes H.264/AAC, a viewer decodes and hears it, a restart and a takeover keep the producers, wrong keys and FLV1 are refused', async () => {
    const room = await ingestRoom(stack.url, 'RTMP desk');
    expect(room.rtmpUrl).toBe(RTMP_URL);

    // A wrong key is refused before any media flows: ffmpeg gives up with the server's reason.
    const wrong = encoder(`${RTMP_URL}/rcs_${'0'.repeat(32)}_${'A'.repeat(43)}`);
    expect(await wrong.exited).not.toBe(0);
    expect(wrong.stderr()).toMatch(/invalid_stream_key|BadName/);

    // The encoder makes the room live by itself; a viewer joins and gets both producers.
    const startedAt = Date.now();
    const first = encoder(`${room.rtmpUrl}/${room.streamKey}`);
    await waitUntil('the ingest live over RTMP', 30_000, async () => (await room.settings()).state === 'live');
    expect(await room.settings()).toMatchObject({ state: 'live', protocol: 'rtmp', lastError: null, lastErrorCode: null });
    const joiningAt = Date.now();
    const join = await room.joinViewer('Viewer');
    const viewer = await BrowserViewer.join(chromium, stack.url, join);
    await waitUntil('the viewer receiving video and audio', 20_000, async () => ((await viewer.stats()).producerIds.length >= 2 ? true : undefined));
    const decoded = await decodedBeyond(viewer, 1, 20_000, 'the viewer decoding the encoder’s video');
    console.log(`ingest rtmp: live ${joiningAt - startedAt} ms after ffmpeg started; the viewer's first decoded frame ${Date.now() - joiningAt} ms after it began joining (page, SDK, transports; measured under shared load)`);
    expect((await decodedBeyond(viewer, 10, 10_000, 'ten frames decoded')).frameWidth).toBe(320);
    await waitUntil('Opus audio at the viewer', 10_000, async () => ((await viewer.stats()).audioPackets > 50 ? true : undefined));
    const producers = [...decoded.producerIds].sort();

    // The encoder stops and starts again within the grace period: same producers, no reset, the
    // viewer keeps decoding (the relay continues the RTP numbering).
    await first.stop();
    await sleep(2_000);
    const afterStop = (await viewer.stats()).framesDecoded;
    const second = encoder(`${room.rtmpUrl}/${room.streamKey}`);
    await decodedBeyond(viewer, afterStop + 60, 20_000, 'the viewer decoding after the encoder restarted');
    // A second encoder with the same key takes over; the one before is disconnected.
    const third = encoder(`${room.rtmpUrl}/${room.streamKey}`);
    await second.exited;
    const afterTakeover = (await viewer.stats()).framesDecoded;
    const still = await decodedBeyond(viewer, afterTakeover + 60, 20_000, 'the viewer decoding the encoder that took over');
    expect([...still.producerIds].sort()).toEqual(producers);
    expect(still).toMatchObject({ resets: 0, closedProducers: [] });
    await waitUntil('audio still flowing after the takeover', 10_000, async () => ((await viewer.stats()).audioPackets > still.audioPackets + 50 ? true : undefined));
    // One connection as far as webhooks go: resumes are not new connections.
    expect((await room.hookEvents()).filter((e) => e === 'ingest.connected')).toHaveLength(1);

    // Stopped for good: after the grace period the producers close and the ingest goes idle.
    await third.stop();
    await waitUntil('the producers closed after the grace period', 25_000, async () => ((await viewer.stats()).closedProducers.length >= 2 ? true : undefined));
    await waitUntil('the ingest idle', 10_000, async () => (await room.settings()).state === 'idle');
    await waitUntil('ingest.disconnected logged for the webhook', 10_000, async () => (await room.hookEvents()).includes('ingest.disconnected'));

    // FLV1 (Sorenson H.263): the connection is closed with a typed error the room page shows.
    const flv1 = encoder(`${room.rtmpUrl}/${room.streamKey}`, 'flv1');
    await flv1.exited;
    const settings = await waitUntil('the typed error in the ingest state', 10_000, async () => {
      const s = await room.settings();
      return s.lastErrorCode ? s : undefined;
    });
    expect(settings).toMatchObject({ lastErrorCode: 'unsupported_video_codec', lastError: expect.stringContaining('FLV1') });
    await viewer.close();
  }, 180_000);
});
