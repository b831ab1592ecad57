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
// lacks its duration: @roomcast/schema/media/webm-duration writes it into the first part at stop.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RecordedPart, RecordingContainer, RecordingReport } from '@roomcast/schema/protocol';
import { PlainInput } from '../engine/plain-input.ts';
import type { Producer, Router } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import { ChunkedUpload, readRange } from './chunked-upload.ts';
import { putPart } from './part-uploader.ts';
import { patchWebmDuration } from '@roomcast/schema/media/webm-duration';

const run = promisify(execFile);

export interface RecorderOptions {
  recordingId: string;
  router: Router;
  producers: Producer[];
  dir: string;
  partBytes: number;
  /** Presigned part URLs, waiting for the Worker when the node ran out. */
  partUrl(partNumber: number): Promise<string>;
  /** Where the poster JPEG goes; absent: none is cut (a recording's screen track). */
  posterUrl?: string;
  onPart(part: RecordedPart): void;
  /** ffmpeg ended by itself (not stopped). */
  onFailed(reason: string): void;
  log: Logger;
}

/** How long the header (EBML, SeekHead, Info) may be: the duration patch reads this much. */
const HEADER_BYTES = 64 * 1024;
/**
 * A stop that comes before ffmpeg has written any media waits up to this long for its first
 * cluster (WebM) or fragment (MP4), so a short recording on a loaded node is kept, a little past
 * its stop, rather than ending empty. In a CI run at load average 17 ffmpeg listened 7.4 s after
 * the start request, the stop came 0.9 s later, and the recording failed with "ffmpeg wrote
 * nothing (sent video 5 packets)". Its header alone is not enough: stopped then, ffmpeg drops
 * what it buffered and leaves a file of 479 bytes that nothing can play.
 */
const FIRST_MEDIA_GRACE_MS = 8_000;

export class Recorder {
  #input: PlainInput | undefined;
  #ffmpeg: ChildProcess | undefined;
  #ffmpegExit: Promise<void> = Promise.resolve();
  #stderr = '';
  #file: FileHandle | undefined;
  /** Appends of ffmpeg's output, in order. */
  #writes: Promise<void> = Promise.resolve();
  #bytes = 0;
  /**
   * ffmpeg's writes so far, counted as they arrive (#bytes counts what was appended): the first is
   * its header (as soon as it has probed), media follows.
   */
  #outputs = 0;
  #wroteMedia: () => void = () => {};
  readonly #mediaWritten = new Promise<void>((resolve) => (this.#wroteMedia = resolve));
  #upload: ChunkedUpload | undefined;
  #stopping = false;
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
    const startAt = performance.now();
    await mkdir(this.#workdir, { recursive: true });
    const input = await PlainInput.open(router, producers, { recording: recordingId });
    this.#input = input;
    this.container = input.videoMime === 'video/h264' ? 'mp4' : 'webm';
    const sdpFile = path.join(this.#workdir, 'input.sdp');
    await writeFile(sdpFile, input.sdp());

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
    // Probing ends a second after the first packet (the video's keyframe: plain-input.ts sends it
    // first), not after ffmpeg's default five: a muted microphone would otherwise hold back the
    // first five seconds, and a recording shorter than that would hold nothing.
    const ffmpeg = spawn(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-protocol_whitelist', 'file,udp,rtp', '-analyzeduration', '1000000', '-fflags', '+genpts', '-i', sdpFile, '-map', '0', '-c', 'copy', ...muxer, 'pipe:1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#ffmpeg = ffmpeg;
    ffmpeg.stderr.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    ffmpeg.stdout.on('data', (chunk: Buffer) => {
      // ffmpeg writes nothing until it knows every stream (the video's size from a keyframe): how
      // long that took is how much of the room's start the file misses.
      if (this.#outputs === 0) log.info('recording writing', { recordingId, msSinceStart: Math.round(performance.now() - startAt) });
      if (++this.#outputs === 2) this.#wroteMedia();
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

    // Keyframes are asked for until ffmpeg writes: a loaded machine can keep it probing past any
    // fixed number of requests, and a browser's VP8 sends none unasked.
    await input.resumeWhenListening(ffmpeg, () => this.#stderr, () => this.#outputs > 0 || this.#stopping);
    log.info('recording started', { recordingId, container: this.container, streams: input.streams.map((s) => s.consumer.kind), msSinceStart: Math.round(performance.now() - startAt) });
  }

  /** Stops ffmpeg, uploads the rest, probes, uploads the poster; answers the report. */
  async stop(): Promise<RecordingReport> {
    const { recordingId, log } = this.options;
    const stopAt = performance.now();
    const ffmpeg = this.#ffmpeg;
    const running = () => ffmpeg !== undefined && ffmpeg.exitCode === null && ffmpeg.signalCode === null;
    if (this.#outputs < 2 && running()) {
      // Still probing (keyframes are asked for until it writes), or only its header is out.
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([this.#mediaWritten, this.#ffmpegExit, new Promise((r) => (grace = setTimeout(r, FIRST_MEDIA_GRACE_MS)))]);
      clearTimeout(grace);
      log.info('recording stop waited for the first media', { recordingId, waitedMs: Math.round(performance.now() - stopAt), outputs: this.#outputs });
    }
    this.#stopping = true;
    if (ffmpeg && running()) {
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
    const posterDone = probe?.videoCodec && this.options.posterUrl ? this.#uploadPoster(this.options.posterUrl) : Promise.resolve(false);
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
      (this.#input?.streams ?? []).map(async (s) => `${s.consumer.kind} ${(await s.consumer.getStats().catch(() => []))[0]?.packetCount ?? 0} packets`),
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
    this.#ffmpeg?.kill('SIGKILL');
    await this.#ffmpegExit;
    await this.#writes.catch(() => {});
    await this.#file?.close().catch(() => {});
    this.#file = undefined;
    this.#closeStreams();
  }

  #closeStreams(): void {
    this.#input?.close();
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

  async #uploadPoster(posterUrl: string): Promise<boolean> {
    const poster = path.join(this.#workdir, 'poster.jpg');
    try {
      await run('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', this.#outFile, '-map', '0:v:0', '-frames:v', '1', '-vf', 'scale=640:-2', '-q:v', '4', '-y', poster]);
      await putPart(posterUrl, await readFile(poster), { contentType: 'image/jpeg', attempts: 3 });
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

