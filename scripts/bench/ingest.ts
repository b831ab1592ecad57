// `npm run bench:ingest`: how long after an encoder's WHIP POST a viewer sees its picture.
// whip-whep in Chromium (fake camera and microphone) publishes into a fresh room BENCH_INGEST_RUNS
// times; a viewer bot (mediasoup-client over libwebrtc) already waits in the room. Each run is
// timed from just before the offer is made and POSTed (getUserMedia excluded) to the 201, to the
// viewer's first video packet and to its first decoded frame (polled every 100 ms, so up to
// 100 ms late). Runs its own stack on the fleet test's ports (FLEET_IT_*): not beside that test.
// RTMP the same way: Debian's ffmpeg pushes an H.264/AAC test pattern to the node's RTMP port,
// timed from ffmpeg's start to the first frame decoded by a viewer in Chromium (the SDK; the bot
// has no H.264) that already waits in the room; then the CPU share of the node's transcoder
// (ffmpeg: H.264 copied, AAC to Opus) over 10 s, with audio and without (`-an`).
// The last line is one JSON object with medians. The goal is under 1,500 ms.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { launchBrowser } from '../../web/test/e2e/browser.ts';
import { BrowserViewer } from '../../integration/support/browser-viewer.ts';
import { RoomSignal, Viewer } from '../../integration/support/media-peer.ts';
import { PORTS, sleep, startFleetStack, waitUntil } from '../../integration/support/stack.ts';
import { encoderPage, ingestRoom, publish } from '../../integration/support/whip-encoder.ts';
import { measureCpu } from './process-cpu.ts';

const runs = Number(process.env.BENCH_INGEST_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const RTMP_URL = `rtmp://127.0.0.1:${PORTS.rtmp}/live`;
const stack = await startFleetStack(undefined, { INGEST_RTMP_URL: RTMP_URL });
const chromium = await launchBrowser();
const results: { answerMs: number; firstPacketMs: number; firstFrameMs: number }[] = [];
const rtmpFirstFrames: number[] = [];
const transcoderCpu: Record<string, number> = {};

/** Debian's ffmpeg as an RTMP encoder (30 fps test pattern, GOP 1 s, AAC unless `audio` is false). */
const rtmpEncoder = (url: string, audio = true) =>
  spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=30', '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-g', '30', '-b:v', '1000k', ...(audio ? ['-c:a', 'aac', '-b:a', '128k'] : ['-an']), '-f', 'flv', url], { stdio: 'ignore' });

/** The node's transcoders: ffmpeg processes reading FLV from stdin. */
const transcoders = () =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
        return cmd[0] === 'ffmpeg' && cmd.includes('pipe:0') ? [{ pid: Number(d), name: 'transcoder' }] : [];
      } catch {
        return [];
      }
    });

try {
  await stack.startNode('bench-ingest-node', 0, { MEDIA_RTMP_PORT: String(PORTS.rtmp) });
  for (let i = 0; i < runs; i++) {
    const room = await ingestRoom(stack.url, `Ingest bench ${i}`);
    await room.start();
    const join = await room.joinViewer('Bench viewer');
    const { signal } = await RoomSignal.join(join.signalingUrl, join.token);
    const viewer = new Viewer(signal);
    await viewer.start();
    const page = await encoderPage(chromium, stack.url);
    const { postedAt } = await publish(page, room.whipUrl, room.streamKey);
    const answerMs = Date.now() - postedAt;
    let firstPacketMs = NaN;
    const firstFrameMs = await waitUntil('the first decoded frame', 30_000, async () => {
      const v = await viewer.video();
      if (v.packetsReceived > 0 && Number.isNaN(firstPacketMs)) firstPacketMs = Date.now() - postedAt;
      return v.framesDecoded > 0 ? Date.now() - postedAt : undefined;
    });
    results.push({ answerMs, firstPacketMs, firstFrameMs });
    console.log(`run ${i + 1}/${runs}: 201 after ${answerMs} ms, first packet ${firstPacketMs} ms, first decoded frame ${firstFrameMs} ms`);
    await page.evaluate(() => (window as unknown as { whip: { stop(): Promise<void> } }).whip.stop());
    viewer.close();
    await page.close();
  }
  for (let i = 0; i < runs; i++) {
    const room = await ingestRoom(stack.url, `RTMP bench ${i}`);
    await room.start();
    const viewer = await BrowserViewer.join(chromium, stack.url, await room.joinViewer('Bench viewer'));
    const startedAt = Date.now();
    const encoder = rtmpEncoder(`${RTMP_URL}/${room.streamKey}`);
    const firstFrameMs = await waitUntil('the first decoded RTMP frame', 30_000, async () => ((await viewer.stats()).framesDecoded > 0 ? Date.now() - startedAt : undefined));
    rtmpFirstFrames.push(firstFrameMs);
    console.log(`rtmp run ${i + 1}/${runs}: first decoded frame ${firstFrameMs} ms after ffmpeg started (its start and the RTMP handshake included)`);
    if (i === 0) {
      const cpu = measureCpu(transcoders());
      await sleep(10_000);
      transcoderCpu.with_audio_pct = cpu().share.transcoder ?? NaN;
    }
    encoder.kill('SIGKILL');
    await viewer.close();
    if (i === 0) {
      // Without audio: a fresh room (the grace period would otherwise keep the audio producer).
      const quiet = await ingestRoom(stack.url, 'RTMP bench video only');
      const silent = rtmpEncoder(`${RTMP_URL}/${quiet.streamKey}`, false);
      await waitUntil('the video-only transcoder', 20_000, async () => (transcoders().length > 0 ? true : undefined));
      await sleep(2_000);
      const cpu = measureCpu(transcoders());
      await sleep(10_000);
      transcoderCpu.video_only_pct = cpu().share.transcoder ?? NaN;
      silent.kill('SIGKILL');
    }
  }
} finally {
  await chromium.close();
  await stack.stop();
}
console.log(`rtmp transcoder CPU (% of one core, 10 s): ${JSON.stringify(transcoderCpu)}`);
console.log(
  JSON.stringify({
    runs: results.length,
    answer_p50_ms: median(results.map((r) => r.answerMs)),
    first_packet_p50_ms: median(results.map((r) => r.firstPacketMs)),
    first_frame_p50_ms: median(results.map((r) => r.firstFrameMs)),
    rtmp_first_frame_p50_ms: median(rtmpFirstFrames),
    rtmp_transcoder_cpu_pct: transcoderCpu,
    goal_first_frame_ms: 1500,
  }),
);
process.exit(0);
