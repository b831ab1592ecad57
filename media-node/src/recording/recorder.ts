// One server recording on the node: the room's chosen producers (one video at its highest simulcast
// layer, one audio) consumed on plain transports into ffmpeg, which copies them (no transcoding)
// into a streamable container written to its stdout. The node appends that to one local file and
// uploads it in fixed-size parts while the room is live (chunked-upload.ts); at stop the rest goes
// up as the last part, ffprobe reads the codecs and duration, a poster JPEG is uploaded, and the
// parts are reported for the Worker to complete the multipart upload.
//
// Container: VP8 goes into WebM, H.264 into fragmented MP4, Opus into either; both are what
// Chromium's <video> plays, both can be written front to back without seeking (so the prefix
// already uploaded is itself a playable file), and neither needs a transcode. A streamed WebM
// lacks its duration: webm-duration.ts writes it into the first part at stop.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdir, open, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RecordedPart, RecordingContainer, RecordingReport } from '@roomcast/schema/protocol';
import { plainSdp } from '../engine/plain-sdp.ts';
import type { Consumer, PlainTransport, Producer, Router } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import { ChunkedUpload, readRange } from './chunked-upload.ts';
import { putPart } from './part-uploader.ts';
import { patchWebmDuration } from './webm-duration.ts';

const run = promisify(execFile);

export interface RecorderOptions {
  recordingId: string;
  router: Router;
  producers: Producer[];
  dir: string;
  partBytes: number;
  /** Presigned part URLs, waiting for the Worker when the node ran out. */
  partUrl(partNumber: number): Promise<string>;
  posterUrl: string;
  onPart(part: RecordedPart): void;
  /** ffmpeg ended by itself (not stopped). */
  onFailed(reason: string): void;
  log: Logger;
}

interface Stream {
  producer: Producer;
  transport: PlainTransport;
  consumer: Consumer;
  port: number;
}

/** How long the header (EBML, SeekHead, Info) may be: the duration patch reads this much. */
const HEADER_BYTES = 64 * 1024;

export class Recorder {
  readonly #streams: Stream[] = [];
  #ffmpeg: ChildProcess | undefined;
  #ffmpegExit: Promise<void> = Promise.resolve();
  #stderr = '';
  #file: FileHandle | undefined;
  /** Appends of ffmpeg's output, in order. */
  #writes: Promise<void> = Promise.resolve();
  #bytes = 0;
  #upload: ChunkedUpload | undefined;
  #stopping = false;
  #keyframeTimer: NodeJS.Timeout | undefined;
  readonly #workdir: string;
  readonly #outFile: string;
  container: RecordingContainer = 'webm';

  private constructor(private readonly options: RecorderOptions) {
    this.#workdir = path.join(options.dir, options.recordingId);
    this.#outFile = path.join(this.#workdir, 'recording');
  }

  static async start(options: RecorderOptions): Promise<Recorder> {
    const recorder = new Recorder(options);
    try {
      await recorder.#start();
    } catch (error) {
      await recorder.#teardown();
      throw error;
    }
    return recorder;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** ffmpeg's process id while it runs (the recording benchmark reads its CPU time). */
  get ffmpegPid(): number | undefined {
    return this.#ffmpeg?.pid;
  }

  async #start(): Promise<void> {
    const { router, producers, log, recordingId } = this.options;
    await mkdir(this.#workdir, { recursive: true });
    // What ffmpeg reads: the router's codecs and no header extensions (it would ignore them).
    const rtpCapabilities = { codecs: router.rtpCapabilities.codecs, headerExtensions: [] };
    for (const producer of producers) {
      const port = await freePortPair();
      const transport = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, rtcpMux: false, appData: { recording: recordingId } });
      try {
        await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
        // The highest simulcast layer: the engines clamp this to the top layer there is.
        const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities, paused: true, preferredLayers: { spatialLayer: 255, temporalLayer: 255 } });
        this.#streams.push({ producer, transport, consumer, port });
      } catch (error) {
        transport.close();
        throw error;
      }
    }
    const video = this.#streams.find((s) => s.consumer.kind === 'video');
    const videoMime = video?.consumer.rtpParameters.codecs[0]?.mimeType.toLowerCase();
    this.container = videoMime === 'video/h264' ? 'mp4' : 'webm';
    const sdpFile = path.join(this.#workdir, 'input.sdp');
    await writeFile(sdpFile, plainSdp('127.0.0.1', this.#streams.map((s) => ({ kind: s.consumer.kind, rtpParameters: s.consumer.rtpParameters, port: s.port }))));

    this.#file = await open(this.#outFile, 'w');
    this.#upload = new ChunkedUpload({
      path: this.#outFile,
      partBytes: this.options.partBytes,
      partUrl: (n) => this.options.partUrl(n),
      onPart: (part) => this.options.onPart(part),
      onError: (error) => log.warn('recording part upload failed; kept for a retry', { recordingId, error: error.message }),
    });
    const muxer =
      this.container === 'mp4'
        ? // Fragments at keyframes and at least every 2 s, so the store gets data while live.
          ['-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '2000000']
        : ['-f', 'webm', '-cluster_time_limit', '2000'];
    const ffmpeg = spawn(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-protocol_whitelist', 'file,udp,rtp', '-fflags', '+genpts', '-i', sdpFile, '-map', '0', '-c', 'copy', ...muxer, 'pipe:1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#ffmpeg = ffmpeg;
    ffmpeg.stderr.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    ffmpeg.stdout.on('data', (chunk: Buffer) => {
      this.#writes = this.#writes.then(async () => {
        await this.#file!.write(chunk);
        this.#bytes += chunk.length;
        if (!this.#stopping) this.#upload!.grow(this.#bytes);
      });
    });
    this.#ffmpegExit = new Promise((resolve) =>
      ffmpeg.once('close', (code, signal) => {
        if (!this.#stopping) {
          log.error('recording ffmpeg exited on its own', { recordingId, code, signal, stderr: this.#stderr.slice(-500) });
          this.options.onFailed(`ffmpeg exited (${code ?? signal}): ${this.#stderr.slice(-300)}`);
        }
        resolve();
      }),
    );
    ffmpeg.once('error', (error) => log.error('recording ffmpeg could not start', { recordingId, error: String(error) }));

    // What arrives before ffmpeg listens is lost: resume once its last port is bound.
    const deadline = Date.now() + 10_000;
    while (!(await portTaken(this.#streams.at(-1)!.port))) {
      if (ffmpeg.exitCode !== null || Date.now() > deadline) throw new Error(`ffmpeg did not start listening: ${this.#stderr.slice(-300)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const s of this.#streams) await s.consumer.resume();
    // A keyframe to start from, asked again shortly after in case the first was lost on the way.
    if (video) {
      await video.consumer.requestKeyFrame();
      this.#keyframeTimer = setTimeout(() => void video.consumer.requestKeyFrame().catch(() => {}), 1000);
    }
    log.info('recording started', { recordingId, container: this.container, streams: this.#streams.map((s) => s.consumer.kind) });
  }

  /** Stops ffmpeg, uploads the rest, probes, uploads the poster; answers the report. */
  async stop(): Promise<RecordingReport> {
    const { recordingId, log } = this.options;
    this.#stopping = true;
    const stopAt = performance.now();
    clearTimeout(this.#keyframeTimer);
    const ffmpeg = this.#ffmpeg;
    if (ffmpeg && ffmpeg.exitCode === null && ffmpeg.signalCode === null) {
      // SIGINT: ffmpeg writes out what it buffered and ends its output cleanly.
      ffmpeg.kill('SIGINT');
      const killer = setTimeout(() => ffmpeg.kill('SIGKILL'), 5000);
      await this.#ffmpegExit;
      clearTimeout(killer);
    }
    const ffmpegMs = Math.round(performance.now() - stopAt);
    await this.#writes;
    await this.#file?.close();
    this.#file = undefined;
    const problem = this.#bytes === 0 ? await this.#whyEmpty() : undefined;
    this.#closeStreams();

    const probe = this.#bytes > 0 ? await probeFile(this.#outFile).catch((error: unknown) => (log.warn('ffprobe failed', { recordingId, error: String(error) }), undefined)) : undefined;
    const durationMs = probe?.durationMs ?? null;
    if (this.container === 'webm' && durationMs !== null) await this.#writeDuration(durationMs);
    const probedMs = Math.round(performance.now() - stopAt);
    // The poster is cut while the last part goes up: both only read the finished file.
    const posterDone = probe?.videoCodec ? this.#uploadPoster() : Promise.resolve(false);
    const parts = await this.#upload!.finish(this.#bytes);
    const uploadedMs = Math.round(performance.now() - stopAt);
    const poster = await posterDone;
    const report: RecordingReport = { parts, sizeBytes: this.#bytes, durationMs, videoCodec: probe?.videoCodec ?? null, audioCodec: probe?.audioCodec ?? null, container: this.container, poster, problem };
    // How long each step of the stop took (ms since stop), for the stop-to-ready time.
    log.info('recording stopped', { recordingId, parts: parts.length, sizeBytes: this.#bytes, durationMs, ffmpegMs, probedMs, uploadedMs, posterMs: Math.round(performance.now() - stopAt) });
    // Everything is in the store: the local copy can go.
    await rm(this.#workdir, { recursive: true, force: true });
    return report;
  }

  /** ffmpeg wrote nothing: how many packets each stream sent it, and what ffmpeg said. */
  async #whyEmpty(): Promise<string> {
    const sent = await Promise.all(
      this.#streams.map(async (s) => `${s.consumer.kind} ${(await s.consumer.getStats().catch(() => []))[0]?.packetCount ?? 0} packets`),
    );
    const said = this.#stderr.trim().split('\n').slice(-3).join(' | ');
    const problem = `ffmpeg wrote nothing (sent ${sent.join(', ')})${said ? `; ffmpeg: ${said}` : ''}`.slice(0, 1000);
    this.options.log.warn('recording is empty', { recordingId: this.options.recordingId, problem });
    return problem;
  }

  /** Drops the recording without uploading more (the room closed under it); the local file stays for inspection. */
  async abort(): Promise<void> {
    this.#stopping = true;
    await this.#teardown();
  }

  async #teardown(): Promise<void> {
    clearTimeout(this.#keyframeTimer);
    this.#ffmpeg?.kill('SIGKILL');
    await this.#ffmpegExit;
    await this.#writes.catch(() => {});
    await this.#file?.close().catch(() => {});
    this.#file = undefined;
    this.#closeStreams();
  }

  #closeStreams(): void {
    for (const s of this.#streams.splice(0)) s.transport.close();
  }

  /** Writes the duration into the WebM header; the first part goes up again if it already had. */
  async #writeDuration(durationMs: number): Promise<void> {
    const length = Math.min(HEADER_BYTES, this.#bytes);
    const header = await readRange(this.#outFile, 0, length);
    if (!patchWebmDuration(header, durationMs)) {
      this.options.log.warn('could not write the WebM duration (unexpected header)', { recordingId: this.options.recordingId });
      return;
    }
    const file = await open(this.#outFile, 'r+');
    try {
      await file.write(header, 0, length, 0);
    } finally {
      await file.close();
    }
    if (this.#upload!.uploadedBytes > 0) await this.#upload!.reupload(1);
  }

  async #uploadPoster(): Promise<boolean> {
    const poster = path.join(this.#workdir, 'poster.jpg');
    try {
      await run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', this.#outFile, '-map', '0:v:0', '-frames:v', '1', '-vf', 'scale=640:-2', '-q:v', '4', '-y', poster]);
      await putPart(this.options.posterUrl, await readFile(poster), { contentType: 'image/jpeg', attempts: 3 });
      return true;
    } catch (error) {
      this.options.log.warn('recording poster failed', { recordingId: this.options.recordingId, error: String(error) });
      return false;
    }
  }
}

export interface Probe {
  durationMs: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
}

/**
 * Codecs and duration of a recorded file. A streamed WebM has no duration in its header yet, so
 * the duration is read from the packets themselves (first to last timestamp, every stream).
 */
export async function probeFile(file: string): Promise<Probe> {
  // One pass: the streams, and every packet's timestamp (a streamed WebM has no duration in its
  // header yet, so the duration is first to last timestamp over every stream).
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name:packet=pts_time,duration_time', '-of', 'json', file], { maxBuffer: 512 * 1024 * 1024 });
  const info = JSON.parse(stdout) as { streams?: { codec_type: string; codec_name: string }[]; packets?: { pts_time?: string; duration_time?: string }[] };
  const streams = info.streams ?? [];
  const videoCodec = streams.find((s) => s.codec_type === 'video')?.codec_name ?? null;
  const audioCodec = streams.find((s) => s.codec_type === 'audio')?.codec_name ?? null;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const p of info.packets ?? []) {
    const pts = Number(p.pts_time);
    if (!Number.isFinite(pts)) continue;
    const duration = Number(p.duration_time);
    first = Math.min(first, pts);
    last = Math.max(last, pts + (Number.isFinite(duration) ? duration : 0));
  }
  return { durationMs: Number.isFinite(first) ? Math.round((last - first) * 1000) : null, videoCodec, audioCodec };
}

/** An even UDP port whose next port is free too (RTP + RTCP for ffmpeg). */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 10_000);
    const sockets: dgram.Socket[] = [];
    try {
      for (const p of [port, port + 1]) {
        const s = dgram.createSocket('udp4');
        sockets.push(s);
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.bind(p, '127.0.0.1', () => resolve());
        });
      }
      return port;
    } catch {
      // taken: try another
    } finally {
      for (const s of sockets) s.close();
    }
  }
  throw new Error('no free UDP port pair');
}

/** Someone (ffmpeg) is bound to this UDP port. */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(true));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}
