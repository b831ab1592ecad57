// The room's HLS: a `-c copy` ffmpeg fed the egress encoder's MPEG-TS, muxing fMP4 segments of
// 1 s and an EVENT playlist (every segment stays listed, so the finished playlist is the session's
// VOD; #EXT-X-ENDLIST is written when the input ends). ffmpeg PUTs each file to a small HTTP
// receiver on 127.0.0.1 here, which uploads it to the store through the presigned URL the room
// handed for that name (the node never holds the bucket's keys). Uploads run one at a time in
// ffmpeg's order, so a playlist never reaches the store before the segments it lists.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HlsSegmentUrl } from '@roomcast/schema/protocol';
import type { Logger } from '../log.ts';
import { PartUrls } from '../recording/part-urls.ts';
import { putPart } from '../recording/part-uploader.ts';
import type { EgressEncoder } from './egress-encoder.ts';

export interface HlsOutputOptions {
  hlsId: string;
  encoder: EgressEncoder;
  playlistUrl: string;
  initUrl: string;
  segmentUrls: HlsSegmentUrl[];
  /** The node is running out of segment URLs. */
  wantUrls(fromSegment: number, count: number): void;
  /** The first playlist reached the store. */
  onLive(): void;
  /** ffmpeg ended by itself (not stopped). */
  onFailed(reason: string): void;
  log: Logger;
}

/** Segment length in seconds (the encoder makes a keyframe every second). */
export const HLS_SEGMENT_SECONDS = 1;
const MAX_SEGMENTS = 1_000_000;
const SEGMENT = /^\/seg(\d{1,7})\.m4s$/;

export class HlsOutput {
  readonly #urls: PartUrls;
  #server: http.Server | undefined;
  #ffmpeg: ChildProcess | undefined;
  #exit: Promise<void> = Promise.resolve();
  #stderr = '';
  #stopping = false;
  #unsubscribe: (() => void) | undefined;
  /** Uploads, in the order ffmpeg wrote the files. */
  #uploads: Promise<void> = Promise.resolve();
  #segments = 0;
  #live = false;

  private constructor(private readonly options: HlsOutputOptions) {
    this.#urls = new PartUrls((from, count) => options.wantUrls(from, count), MAX_SEGMENTS);
    this.addUrls(options.segmentUrls);
  }

  static async start(options: HlsOutputOptions): Promise<HlsOutput> {
    const output = new HlsOutput(options);
    try {
      await output.#start();
    } catch (error) {
      await output.stop();
      throw error;
    }
    return output;
  }

  /** The muxer's process id (the egress benchmark reads its CPU time). */
  get pid(): number | undefined {
    return this.#ffmpeg?.pid;
  }

  get segments(): number {
    return this.#segments;
  }

  addUrls(urls: HlsSegmentUrl[]): void {
    this.#urls.add(urls.map((u) => ({ partNumber: u.segment, url: u.url })));
  }

  async #start(): Promise<void> {
    const { hlsId, log } = this.options;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        res.end();
        if (req.method !== 'PUT') return;
        const body = Buffer.concat(chunks);
        const name = req.url ?? '';
        this.#uploads = this.#uploads.then(() => this.#upload(name, body));
      });
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ffmpeg = spawn(
      'ffmpeg',
      [
        // Probing stops as soon as every stream has its parameters (the encoder sends nothing
        // before its video starts). Up to 3 s, not 1: on a busy machine the first AAC frame can
        // come more than a second after the video, and a muxer without the audio's sample rate
        // cannot write its header (seen in bench:egress at load average 8).
        ...['-hide_banner', '-loglevel', 'warning', '-fflags', '+nobuffer', '-analyzeduration', '3000000', '-f', 'mpegts', '-i', 'pipe:0', '-map', '0', '-c', 'copy'],
        // MPEG-TS carries AAC as ADTS; MP4 wants it raw.
        ...['-bsf:a', 'aac_adtstoasc', '-f', 'hls', '-hls_time', String(HLS_SEGMENT_SECONDS), '-hls_segment_type', 'fmp4', '-hls_playlist_type', 'event'],
        ...['-hls_flags', 'independent_segments', '-start_number', '1', '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', `${base}/seg%d.m4s`, '-method', 'PUT', `${base}/index.m3u8`],
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    this.#ffmpeg = ffmpeg;
    ffmpeg.stdin.on('error', () => {}); // EPIPE when ffmpeg ends first: reported by 'close'
    ffmpeg.stderr.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    this.#exit = new Promise((resolve) =>
      ffmpeg.once('close', (code, signal) => {
        if (!this.#stopping) {
          log.error('hls ffmpeg exited on its own', { hlsId, code, signal, stderr: this.#stderr.slice(-500) });
          this.options.onFailed(`ffmpeg exited (${code ?? signal}): ${this.#stderr.slice(-300)}`);
        }
        resolve();
      }),
    );
    ffmpeg.once('error', (error) => log.error('hls ffmpeg could not start', { hlsId, error: String(error) }));
    this.#unsubscribe = this.options.encoder.subscribe(
      (chunk) => {
        if (ffmpeg.stdin.writable) ffmpeg.stdin.write(chunk);
      },
      () => {
        // The encoder ended (stopped, or it failed and said so): the muxer finishing is expected.
        this.#stopping = true;
        ffmpeg.stdin.end();
      },
    );
    log.info('hls started', { hlsId });
  }

  async #upload(name: string, body: Buffer): Promise<void> {
    const { hlsId, log } = this.options;
    try {
      if (name === '/index.m3u8') {
        // A lost rewrite is replaced by the next one a second later: few attempts.
        await putPart(this.options.playlistUrl, body, { attempts: 2, baseDelayMs: 200, timeoutMs: 5_000 });
        if (!this.#live) {
          this.#live = true;
          this.options.onLive();
        }
      } else if (name === '/init.mp4') {
        await putPart(this.options.initUrl, body, { attempts: 4, baseDelayMs: 200, timeoutMs: 10_000 });
      } else {
        const match = SEGMENT.exec(name);
        if (!match) return log.warn('hls: ffmpeg wrote an unexpected file', { hlsId, name });
        const segment = Number(match[1]);
        await putPart(await this.#urls.get(segment), body, { attempts: 3, baseDelayMs: 200, timeoutMs: 10_000 });
        this.#segments = Math.max(this.#segments, segment);
      }
    } catch (error) {
      log.warn('hls upload failed', { hlsId, name, error: String(error) });
    }
  }

  /** Ends the muxer (it writes the last segment and #EXT-X-ENDLIST) and waits for every upload. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const ffmpeg = this.#ffmpeg;
    if (ffmpeg && ffmpeg.exitCode === null && ffmpeg.signalCode === null) {
      // Normally the encoder's end already closed stdin; the room may stop HLS alone too.
      ffmpeg.stdin?.end();
      const killer = setTimeout(() => ffmpeg.kill('SIGKILL'), 8000);
      await this.#exit;
      clearTimeout(killer);
    }
    this.#unsubscribe?.();
    await this.#uploads;
    this.#server?.close();
  }
}
