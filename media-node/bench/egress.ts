// `npm run bench:egress`: HLS latency and what egress costs per room, through the node's real
// RoomEgress (one encoder per room shared by HLS and every RTMP destination). Real parts: a
// publisher ffmpeg sends VP8 (640x360, 30 fps) + Opus over RTP into the embedded engine; each video
// frame carries the wall-clock time it was made, drawn as a 48-bit barcode (light/dark blocks). The
// room's encoder transcodes once to H.264 + AAC; HLS (fMP4, 1 s segments) goes to the local S3
// server through presigned PUTs, as in production.
//
// Latency, glass to glass (the headline `hls_latency_*`): Debian's Chromium plays the HLS with
// hls.js configured exactly as the product's viewer page and embed player
// (web/src/room/ui/hls-live-config.ts) and reads the barcode from every frame it presents
// (hls-chromium-viewer.ts): latency = when the frame was presented - when it was drawn, the
// player's hold-back behind the live edge included. The first seconds of playback (start-up) are
// left out. BENCH_EGRESS_HLS_CONFIG='{"liveSyncDuration":2,...}' overrides the player settings to
// compare them; BENCH_EGRESS_CHROMIUM=0 skips Chromium (then the headline is the ffmpeg figure).
//
// Latency at the live edge (`hls_latency_ffmpeg_*`, kept to compare with earlier runs): a reader
// polls the playlist in the store every 200 ms, fetches each new segment, decodes its first frame
// with ffmpeg and reads the barcode: latency = when the segment holding that frame was fetched -
// when it was drawn. That is what any player pays before its own hold-back.
//
// CPU (process CPU time from /proc, in cores = CPU seconds per wall second): the encoder ffmpeg
// and the HLS muxer with HLS alone (Chromium, the viewer, is reported apart: it is not the room's
// cost); then the encoder and the RTMP outputs with 1 destination and with 3 (local `ffmpeg -listen
// 1` receivers), side by side in one run; HLS is stopped first, the encoder carries on for the
// destinations. The machine's load over the HLS window and its busiest processes (anyone's) are
// reported too. Not part of `npm test`. A shared machine varies 2-3x between runs: compare numbers
// of one run. The last line is one JSON object.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsClient } from 'aws4fetch';
import type { NodeToRoom } from '@roomcast/schema/protocol';
import { startObjectStore } from '../../scripts/local/object-store.ts';
import { RoomEgress } from '../src/egress/room-egress.ts';
import { embeddedEngine } from '../src/engine/embedded/index.ts';
import { ROOM_MEDIA_CODECS } from '../src/fleet/room-session.ts';
import { createLogger } from '../src/log.ts';
import { freeTcpPort } from '../../schema/test/support/free-port.ts';
import { LIVE_HLS_CONFIG, LIVE_NETWORK_RETRIES } from '../../web/src/room/ui/hls-live-config.ts';
import { CHROMIUM_PATH, openChromiumViewer, type ChromiumViewer } from './hls-chromium-viewer.ts';
import { busiestProcesses, machineWindow, sampleMachine, sampleProcesses } from './machine.ts';

const HLS_SECONDS = Number(process.env.BENCH_EGRESS_HLS_SECONDS ?? 40);
const USE_CHROMIUM = process.env.BENCH_EGRESS_CHROMIUM !== '0';
const PLAYER_CONFIG: Record<string, unknown> = { ...LIVE_HLS_CONFIG, ...(JSON.parse(process.env.BENCH_EGRESS_HLS_CONFIG ?? '{}') as Record<string, unknown>) };
/** Playback start-up (the player finding its place behind the live edge) is not latency. */
const CHROMIUM_WARMUP_MS = 6_000;
const RTMP_SECONDS = Number(process.env.BENCH_EGRESS_RTMP_SECONDS ?? 15);
const [W, H, FPS] = [640, 360, 30];
const BITS = 48;
const FRAME_BYTES = (W * H * 3) / 2;
const BLOCK = { w: 24, h: 20, top: 16, left: 32, perRow: 24 };
const keys = { bucket: 'bench', accessKeyId: 'bench-key', secretAccessKey: 'bench-secret-0123456789abcdef' };
const aws = new AwsClient({ ...keys, service: 's3', region: 'auto' });
const log = createLogger('warn', 'bench-egress');

/** CPU seconds a process used so far (user + system, from /proc); 0 once it is gone. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Cores a set of processes used over `seconds` (sampled before and after). */
async function coresOver(seconds: number, pids: () => Promise<(number | undefined)[]>): Promise<{ total: number; each: number[] }> {
  const list = await pids();
  const before = list.map(cpuSeconds);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const each = list.map((pid, i) => (cpuSeconds(pid) - before[i]!) / wall);
  return { total: each.reduce((a, b) => a + b, 0), each };
}

function hlsJsVersion(): string {
  try {
    return (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('hls.js/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

const phase = (what: string) => console.error(`[bench:egress] ${new Date().toISOString().slice(11, 19)} ${what}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Where bit i of the timestamp is drawn: two rows of 24 blocks at the top of the picture. */
const blockAt = (bit: number) => ({ x: BLOCK.left + (bit % BLOCK.perRow) * BLOCK.w, y: BLOCK.top + Math.floor(bit / BLOCK.perRow) * BLOCK.h });

/** Dark barcode band on top, a moving gradient below (something to encode); made once, shifted per frame. */
const BARCODE_ROWS = BLOCK.top * 2 + BLOCK.h * 2;
const BACKGROUNDS = Array.from({ length: 64 }, (_, n) => {
  const buf = Buffer.alloc((W * H * 3) / 2, 128);
  for (let row = 0; row < H; row++) for (let col = 0; col < W; col++) buf[row * W + col] = row < BARCODE_ROWS ? 16 : (col + row + n * 4) & 0xff;
  return buf;
});

/** One I420 frame with the timestamp's bits as light blocks on the dark band. */
function frame(timestampMs: number, n: number): Buffer {
  const buf = Buffer.from(BACKGROUNDS[n % BACKGROUNDS.length]!);
  for (let bit = 0; bit < BITS; bit++) {
    if (Math.floor(timestampMs / 2 ** (BITS - 1 - bit)) % 2 === 0) continue;
    const { x, y: top } = blockAt(bit);
    for (let row = top; row < top + BLOCK.h; row++) buf.fill(235, row * W + x, row * W + x + BLOCK.w);
  }
  return buf;
}

/** Reads the timestamp back from a decoded frame (gray, W x H): each block's centre. */
function readTimestamp(gray: Buffer): number {
  let value = 0;
  for (let bit = 0; bit < BITS; bit++) {
    const { x, y } = blockAt(bit);
    value = value * 2 + (gray[(y + BLOCK.h / 2) * W + x + BLOCK.w / 2]! > 128 ? 1 : 0);
  }
  return value;
}

function firstFrameGray(fmp4: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'mp4', '-i', 'pipe:0', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { encoding: 'buffer', maxBuffer: 16 * W * H }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
    child.stdin!.on('error', () => {}); // EPIPE when ffmpeg gives up on a segment: the callback reports it
    child.stdin!.end(fmp4);
  });
}


const children: ChildProcess[] = [];
function child(args: string[], stdin: 'pipe' | 'ignore' = 'ignore'): ChildProcess {
  const c = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: [stdin, 'ignore', 'inherit'] });
  children.push(c);
  return c;
}

// Whatever ends the bench, its ffmpegs go with it (an orphan would hold the terminal's pipes).
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  });
}

const workdir = await mkdtemp(join(tmpdir(), 'bench-egress-'));
const store = await startObjectStore({ port: 0, directory: join(workdir, 'store'), ...keys });
const worker = await embeddedEngine.createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
let pacing: NodeJS.Timeout | undefined;
let benchRunning = true;
try {
  const router = await worker.createRouter({ mediaCodecs: ROOM_MEDIA_CODECS });
  const vt = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true });
  const at = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true });
  const video = await vt.produce({ kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: 0xa001 }] } });
  const audio = await at.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 0xa002 }] } });
  const rtp = (port: number) => `rtp://127.0.0.1:${port}?rtcpport=${port}&pkt_size=1200`;
  const publisher = child(
    [
      ...['-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-video_size', `${W}x${H}`, '-framerate', String(FPS), '-i', 'pipe:0'],
      ...['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1500k', '-g', String(FPS), '-auto-alt-ref', '0', '-ssrc', String(0xa001), '-payload_type', '101', '-f', 'rtp', rtp(vt.tuple.localPort)],
    ],
    'pipe',
  );
  child(['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-b:a', '64k', '-ssrc', String(0xa002), '-payload_type', '100', '-f', 'rtp', rtp(at.tuple.localPort)]);
  // Frames paced on the wall clock, each stamped with the moment it is handed to the encoder.
  let n = 0;
  const t0 = Date.now();
  pacing = setInterval(() => {
    while (t0 + (n * 1000) / FPS <= Date.now()) {
      // A camera drops frames when the encoder falls behind; it does not queue them.
      if (publisher.stdin?.writable && publisher.stdin.writableLength < 2 * FRAME_BYTES) publisher.stdin.write(frame(Date.now(), n));
      n++;
    }
  }, 5);
  publisher.stdin?.on('error', () => {});
  phase('publisher running');
  await sleep(2000);

  // HLS through presigned PUTs into the store, as in production.
  const prefix = `org/bench/hls/room/${crypto.randomUUID()}/`;
  const sign = async (name: string) => (await aws.sign(new Request(`${store.endpoint}/${keys.bucket}/${prefix}${name}?X-Amz-Expires=3600`, { method: 'PUT' }), { aws: { signQuery: true } })).url;
  const segmentUrls = async (from: number, count: number) => Promise.all(Array.from({ length: count }, async (_, i) => ({ segment: from + i, url: await sign(`seg${from + i}.m4s`) })));
  const hlsId = 'bench-hls';
  let egress!: RoomEgress;
  const send = (frame: NodeToRoom) => {
    if (frame.type === 'hls.urls_wanted') void segmentUrls(frame.fromSegment, frame.count).then((urls) => egress.addHlsUrls(hlsId, urls));
    if (frame.type === 'hls.failed' || (frame.type === 'rtmp.state' && frame.status.state === 'failed')) console.error('egress failed:', JSON.stringify(frame));
  };
  egress = new RoomEgress(router, join(workdir, 'egress'), send, log);
  const hlsStarted = performance.now();
  const { transcoded } = await egress.startHls({ hlsId, producers: [video, audio], playlistUrl: await sign('index.m3u8'), initUrl: await sign('init.mp4'), segmentUrls: await segmentUrls(1, 64) });

  // The viewer: poll the playlist, fetch each new segment, decode its first frame, read the time.
  const get = async (name: string) => {
    const res = await aws.fetch(`${store.endpoint}/${keys.bucket}/${prefix}${name}`);
    return res.ok ? Buffer.from(await res.arrayBuffer()) : undefined;
  };
  const latencies: number[] = [];
  let undecodable = 0;
  const decodes: Promise<void>[] = [];
  let init: Buffer | undefined;
  let firstPlaylistMs: number | undefined;
  let lastPlaylist = '';
  const seen = new Set<string>();
  let reading = true;
  const reader = (async () => {
    while (reading) {
      try {
        const playlist = (await get('index.m3u8'))?.toString();
        if (playlist) {
          lastPlaylist = playlist;
          firstPlaylistMs ??= performance.now() - hlsStarted;
          init ??= await get('init.mp4');
          for (const name of playlist.split('\n').filter((l) => l.endsWith('.m4s'))) {
            if (seen.has(name) || !init) continue;
            const segment = await get(name);
            if (!segment) continue;
            seen.add(name);
            // Fetched: from here a player decodes and shows it. Decoding here runs beside the next
            // polls, so a slow ffmpeg on a busy machine does not delay noticing the next segment.
            const fetchedAt = Date.now();
            const counted = seen.size > 3; // the first segments hold the start-up wait
            decodes.push(
              firstFrameGray(Buffer.concat([init, segment])).then((gray) => {
                const latency = fetchedAt - readTimestamp(gray);
                // A misread barcode is not a latency.
                if (counted && latency > 0 && latency < 60_000) latencies.push(latency);
              }, () => void undecodable++), // counted, not fatal: Node ends on an unhandled rejection
            );
          }
        }
      } catch (error) {
        // The local store dropped a connection, or a segment did not decode: the next poll tries again.
        phase(`reader: ${String(error).slice(0, 120)}`);
      }
      await sleep(200);
    }
  })();
  // The Chromium viewer opens once there is a playlist (a player retrying a 404 for long is not the point here).
  let viewer: ChromiumViewer | undefined;
  if (USE_CHROMIUM) {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`No Chromium at ${CHROMIUM_PATH} (apt-get install chromium), or BENCH_EGRESS_CHROMIUM=0 for the ffmpeg figure only`);
    for (let i = 0; i < 150 && firstPlaylistMs === undefined; i++) await sleep(200);
    if (firstPlaylistMs === undefined) throw new Error('HLS wrote no playlist within 30 s of its start (is the machine saturated? see the load average)');
    viewer = await openChromiumViewer((name) => aws.fetch(`${store.endpoint}/${keys.bucket}/${prefix}${name}`), { width: W, height: H, bits: BITS, block: BLOCK, networkRetries: LIVE_NETWORK_RETRIES });
    await viewer.play(PLAYER_CONFIG);
    // The window starts once Chromium presents frames: a slow start-up does not eat it.
    for (let i = 0; i < 150 && (await viewer.collect()).firstFrameAt === null; i++) await sleep(200);
    const started = await viewer.collect();
    if (started.firstFrameAt === null) {
      // What the muxer wrote, for the diagnosis (a codec Chromium's MSE refused shows here).
      const probe = await new Promise<string>((resolve) => {
        const ffprobe = execFile('ffprobe', ['-hide_banner', '-loglevel', 'error', '-show_entries', 'stream=codec_name,profile,level,width,height,sample_rate,channels,extradata_size', '-of', 'compact', 'pipe:0'], (error, stdout, stderr) => resolve(`${stdout}${stderr}${error ? ` (${error.message.split('\n')[0]})` : ''}`));
        ffprobe.stdin!.on('error', () => {});
        void (async () => ffprobe.stdin!.end(Buffer.concat([(await get('init.mp4')) ?? Buffer.alloc(0), (await get('seg1.m4s')) ?? Buffer.alloc(0)])))();
      });
      throw new Error(`Chromium presented no frame within 30 s of the first playlist (hls.js errors: ${[...new Set(started.errors)].join(', ') || 'none'}; init + first segment: ${probe.trim()}; playlist: ${lastPlaylist.split('\n').slice(0, 8).join(' | ')})`);
    }
    phase(`Chromium playing (first frame ${Math.round(performance.now() - hlsStarted)} ms after the HLS start) with ${JSON.stringify({ ...PLAYER_CONFIG, manifestLoadPolicy: undefined })}`);
  }
  phase(`HLS started (transcoded: ${transcoded}); measuring ${HLS_SECONDS} s`);
  const machineBefore = sampleMachine();
  const processesBefore = sampleProcesses();
  const benchCpuBefore = process.cpuUsage();
  const windowStart = performance.now();
  const chromiumPids = viewer?.pids() ?? [];
  const hlsCpu = await coresOver(HLS_SECONDS, async () => [await egress.encoderPid(), await egress.hlsPid(), ...chromiumPids]);
  const windowSeconds = (performance.now() - windowStart) / 1000;
  const machine = machineWindow(machineBefore, sampleMachine());
  const busiest = busiestProcesses(processesBefore, sampleProcesses(), windowSeconds);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const benchCores = (benchCpu.user + benchCpu.system) / 1e6 / windowSeconds;
  // Who is who among the busiest processes (anything else is someone else's).
  const roles = new Map<number, string>([[process.pid, 'bench node (engine, store, page server)']]);
  if (publisher.pid) roles.set(publisher.pid, 'publisher ffmpeg (VP8 encode)');
  const [encoderNow, muxerNow] = [await egress.encoderPid(), await egress.hlsPid()];
  if (encoderNow) roles.set(encoderNow, 'room encoder ffmpeg (H.264 transcode)');
  if (muxerNow) roles.set(muxerNow, 'HLS muxer ffmpeg');
  for (const pid of chromiumPids) roles.set(pid, 'Chromium viewer');
  const watched = await viewer?.collect();
  await viewer?.close();
  reading = false;
  await reader;
  await Promise.allSettled(decodes);
  const chromiumLatencies = watched ? watched.samples.filter((s) => watched.firstFrameAt !== null && s.shownAt >= watched.firstFrameAt + CHROMIUM_WARMUP_MS).map((s) => s.latencyMs).sort((a, b) => a - b) : [];
  const hlsJsLatencies = watched ? watched.samples.map((s) => s.hlsLatency).filter((l): l is number => l !== null).sort((a, b) => a - b) : [];
  phase(`HLS measured: ${chromiumLatencies.length} Chromium frames, ${latencies.length} ffmpeg segment samples`);
  const encoderPid = await egress.encoderPid();

  // RTMP: the first destination joins while HLS runs, then HLS stops; the encoder carries on.
  const receivers = await Promise.all(
    [1, 2, 3].map(async (i) => {
      const port = await freeTcpPort();
      // Listens again after each connection ends, as a platform's server would.
      const listen = () => child(['-listen', '1', '-i', `rtmp://127.0.0.1:${port}/live/key${i}`, '-c', 'copy', '-f', 'null', '-']).once('exit', () => void (benchRunning && listen()));
      listen();
      return `rtmp://127.0.0.1:${port}/live/key${i}`;
    }),
  );
  await sleep(1500);
  await egress.startRtmp({ destinationId: 'd1', producers: [video, audio], url: receivers[0]! });
  await egress.stopHls(hlsId);
  const live = async (count: number) => {
    for (let i = 0; i < 100 && egress.rtmpOutputs().filter((o) => o.status.state === 'live').length < count; i++) await sleep(200);
  };
  await live(1);
  phase('1 destination live, HLS stopped; measuring');
  await sleep(2000);
  const rtmpPids = async () => [await egress.encoderPid(), ...egress.rtmpOutputs().map((o) => o.pid)];
  const one = await coresOver(RTMP_SECONDS, rtmpPids);
  await egress.startRtmp({ destinationId: 'd2', producers: [video, audio], url: receivers[1]! });
  await egress.startRtmp({ destinationId: 'd3', producers: [video, audio], url: receivers[2]! });
  await live(3);
  phase('3 destinations live; measuring');
  await sleep(2000);
  const three = await coresOver(RTMP_SECONDS, rtmpPids);
  const sameEncoder = (await egress.encoderPid()) === encoderPid;
  egress.close();

  const sorted = [...latencies].sort((a, b) => a - b);
  // Segment length as muxed (1 s asked; longer when the encoder's keyframes come late under load).
  const durations = [...lastPlaylist.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
  const chromiumCores = hlsCpu.each.slice(2).reduce((a, b) => a + b, 0);
  const headline = watched ? chromiumLatencies : sorted;
  const result = {
    hls_latency_p50_ms: Math.round(percentile(headline, 50)),
    hls_latency_p95_ms: Math.round(percentile(headline, 95)),
    hls_latency_samples: headline.length,
    hls_latency_method: watched
      ? `glass to glass: frames presented by Chromium (hls.js ${hlsJsVersion()}), barcode read from each, first ${CHROMIUM_WARMUP_MS / 1000} s of playback left out`
      : 'first frame of each new segment decoded by ffmpeg from the store (Chromium skipped)',
    hls_player_config: watched ? PLAYER_CONFIG : null,
    hls_chromium_frames_presented: watched?.framesSeen ?? null,
    hls_chromium_stalls: watched?.stalls ?? null,
    hls_chromium_misread_frames: watched?.misread ?? null,
    hls_chromium_errors: watched?.errors ?? null,
    hls_hlsjs_latency_estimate_p50_s: watched ? round(percentile(hlsJsLatencies, 50), 2) : null,
    hls_latency_ffmpeg_p50_ms: Math.round(percentile(sorted, 50)),
    hls_latency_ffmpeg_p95_ms: Math.round(percentile(sorted, 95)),
    hls_latency_ffmpeg_samples: sorted.length,
    hls_latency_ffmpeg_undecodable_segments: undecodable,
    hls_latency_ffmpeg_method: 'first frame of each new segment decoded by ffmpeg from the store, playlist polled every 200 ms: the live edge, before any player hold-back',
    hls_first_playlist_ms: Math.round(firstPlaylistMs ?? NaN),
    hls_segment_seconds_mean: round(durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length), 2),
    hls_cpu_per_room: round(hlsCpu.each[0]! + hlsCpu.each[1]!),
    hls_cpu_encoder: round(hlsCpu.each[0]!),
    hls_cpu_muxer: round(hlsCpu.each[1]!),
    hls_cpu_chromium_viewer: watched ? round(chromiumCores) : null,
    hls_cpu_bench_process: round(benchCores),
    machine_cores: machine.cores,
    machine_busy_cores: round(machine.busyCores, 2),
    machine_steal_cores: round(machine.stealCores, 2),
    machine_busiest_processes: busiest.map((p) => `${roles.get(p.pid) ?? `other ${p.comm}`}:${p.cores}`),
    rtmp_cpu_1_destination: round(one.total),
    rtmp_cpu_3_destinations: round(three.total),
    rtmp_cpu_per_extra_destination: round((three.total - one.total) / 2),
    rtmp_cpu_encoder_1_vs_3: [round(one.each[0]!), round(three.each[0]!)],
    rtmp_cpu_outputs_3: three.each.slice(1).map((c) => round(c)),
    one_encoder_throughout: sameEncoder,
    transcoded,
    video: `${W}x${H}@${FPS} VP8 -> H.264 (veryfast, zerolatency)`,
    load_average_1m: round(loadavg()[0]!, 2),
  };
  if (watched) console.log(`HLS in Chromium (glass to glass): p50 ${result.hls_latency_p50_ms} ms, p95 ${result.hls_latency_p95_ms} ms over ${headline.length} frames (${watched.framesSeen} presented, ${watched.misread} misread); ${watched.stalls} stalls; hls.js's own estimate p50 ${result.hls_hlsjs_latency_estimate_p50_s} s behind the edge`);
  console.log(`HLS at the live edge (ffmpeg decode): first playlist in the store ${result.hls_first_playlist_ms} ms after start; latency p50 ${result.hls_latency_ffmpeg_p50_ms} ms, p95 ${result.hls_latency_ffmpeg_p95_ms} ms over ${sorted.length} segments (segments of ${result.hls_segment_seconds_mean} s on average)`);
  console.log(`Machine over the HLS window: ${result.machine_busy_cores} of ${machine.cores} cores busy, ${result.machine_steal_cores} stolen, load ${result.load_average_1m}; busiest: ${result.machine_busiest_processes.join(', ')}`);
  console.log(`HLS CPU per room: ${result.hls_cpu_per_room} cores (encoder ${result.hls_cpu_encoder}, muxer ${result.hls_cpu_muxer}); the Chromium viewer ${result.hls_cpu_chromium_viewer ?? '-'}, the bench process (engine, store) ${result.hls_cpu_bench_process}`);
  console.log(`RTMP CPU: 1 destination ${result.rtmp_cpu_1_destination} cores, 3 destinations ${result.rtmp_cpu_3_destinations} cores -> ${result.rtmp_cpu_per_extra_destination} per extra destination (encoder ${result.rtmp_cpu_encoder_1_vs_3.join(' vs ')})`);
  console.log(JSON.stringify(result));
} finally {
  benchRunning = false;
  clearInterval(pacing);
  for (const c of children) c.kill('SIGKILL');
  worker.close();
  await store.close();
  await rm(workdir, { recursive: true, force: true });
}
