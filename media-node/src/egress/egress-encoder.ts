// One egress encoder per room: the room's top video layer and its audio, consumed on plain
// transports (engine/plain-input.ts) into ONE ffmpeg that makes H.264 (copied when the producer
// is H.264 already, VP8 transcoded once here: veryfast, zerolatency, a keyframe every second) and
// AAC, written as MPEG-TS to its stdout. Every output of the room (the HLS muxer, later each RTMP
// destination) is a cheap `-c copy` ffmpeg fed this one byte stream, so adding an output never adds
// a transcode. MPEG-TS can be joined at any packet: an output added late starts at the next
// keyframe (at most 1 s away; asked for at once when the video is copied). Nothing goes out before
// the first video packet: outputs probe their input for a second only (so they start fast), and
// audio that arrived before the video would leave them without the video's parameters.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PlainInput } from '../engine/plain-input.ts';
import type { Producer, Router } from '../engine/types.ts';
import type { Logger } from '../log.ts';

export interface EgressEncoderOptions {
  id: string;
  router: Router;
  producers: Producer[];
  dir: string;
  /** ffmpeg ended by itself (not stopped). */
  onFailed(reason: string): void;
  log: Logger;
}

export type EgressSink = (chunk: Buffer) => void;

/** The start of a video PES packet (stream ids 0xE0..0xEF) in the MPEG-TS. */
const VIDEO_PES = Buffer.from([0x00, 0x00, 0x01, 0xe0]);

export class EgressEncoder {
  #input: PlainInput | undefined;
  #ffmpeg: ChildProcess | undefined;
  #exit: Promise<void> = Promise.resolve();
  #stderr = '';
  #stopping = false;
  readonly #sinks = new Set<EgressSink>();
  readonly #ended = new Set<() => void>();
  readonly #workdir: string;
  /** The stream flows to outputs once its video started (or at once when there is no video). */
  #flowing = false;
  /** VP8 (or anything not H.264) is transcoded; H.264 is copied. */
  transcoded = false;

  private constructor(private readonly options: EgressEncoderOptions) {
    this.#workdir = path.join(options.dir, `egress-${options.id}`);
  }

  static async start(options: EgressEncoderOptions): Promise<EgressEncoder> {
    const encoder = new EgressEncoder(options);
    try {
      await encoder.#start();
    } catch (error) {
      await encoder.stop();
      throw error;
    }
    return encoder;
  }

  /** The encoder's process id while it runs (the egress benchmark reads its CPU time). */
  get pid(): number | undefined {
    return this.#ffmpeg?.pid;
  }

  async #start(): Promise<void> {
    const { router, producers, log, id } = this.options;
    await mkdir(this.#workdir, { recursive: true });
    const input = await PlainInput.open(router, producers, { egress: id });
    this.#input = input;
    const sdpFile = path.join(this.#workdir, 'input.sdp');
    await writeFile(sdpFile, input.sdp());
    const hasVideo = input.video !== undefined;
    this.transcoded = hasVideo && input.videoMime !== 'video/h264';
    const video = !hasVideo
      ? []
      : this.transcoded
        ? // A keyframe every second: HLS segments of 1 s, and a late output starts within 1 s.
          ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-force_key_frames', 'expr:gte(t,n_forced*1)', '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '2500k']
        : ['-c:v', 'copy'];
    const audio = input.streams.some((s) => s.consumer.kind === 'audio') ? ['-c:a', 'aac', '-b:a', '128k', '-ar', '48000'] : [];
    const ffmpeg = spawn(
      'ffmpeg',
      [
        ...['-hide_banner', '-nostdin', '-loglevel', 'warning', '-protocol_whitelist', 'file,udp,rtp', '-fflags', '+genpts+nobuffer', '-flags', 'low_delay', '-i', sdpFile],
        ...['-map', '0', ...video, ...audio, '-f', 'mpegts', '-flush_packets', '1', 'pipe:1'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#ffmpeg = ffmpeg;
    ffmpeg.stderr.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    this.#flowing = !hasVideo;
    ffmpeg.stdout.on('data', (chunk: Buffer) => {
      if (!this.#flowing) {
        const at = chunk.indexOf(VIDEO_PES);
        if (at < 0) return;
        this.#flowing = true;
        log.info('egress video started', { id });
      }
      for (const sink of this.#sinks) sink(chunk);
    });
    this.#exit = new Promise((resolve) =>
      ffmpeg.once('close', (code, signal) => {
        if (!this.#stopping) {
          log.error('egress encoder exited on its own', { id, code, signal, stderr: this.#stderr.slice(-500) });
          this.options.onFailed(`ffmpeg exited (${code ?? signal}): ${this.#stderr.slice(-300)}`);
        }
        for (const ended of this.#ended) ended();
        resolve();
      }),
    );
    ffmpeg.once('error', (error) => log.error('egress encoder could not start', { id, error: String(error) }));
    // A transcode starts only at a keyframe and ffmpeg probes its input for a few seconds first
    // (many more on a loaded machine): keep asking for one until the video flows, or no output
    // ever starts (a CI run saw every destination stay `connecting` for a minute).
    await input.resumeWhenListening(ffmpeg, () => this.#stderr, () => this.#flowing || this.#stopping);
    log.info('egress encoder started', { id, transcoded: this.transcoded, streams: input.streams.map((s) => s.consumer.kind) });
  }

  /** Feeds `sink` every byte from now on; `ended` runs once when the encoder's output ends. Answers the unsubscribe. */
  subscribe(sink: EgressSink, ended: () => void): () => void {
    this.#sinks.add(sink);
    this.#ended.add(ended);
    // A copied video has keyframes only when asked: the new output starts at the next one.
    if (!this.transcoded) void this.#input?.video?.consumer.requestKeyFrame().catch(() => {});
    return () => {
      this.#sinks.delete(sink);
      this.#ended.delete(ended);
    };
  }

  /** Ends the encoder cleanly (outputs see their input end, so they finish their files). */
  async stop(): Promise<void> {
    this.#stopping = true;
    const ffmpeg = this.#ffmpeg;
    if (ffmpeg && ffmpeg.exitCode === null && ffmpeg.signalCode === null) {
      ffmpeg.kill('SIGINT');
      const killer = setTimeout(() => ffmpeg.kill('SIGKILL'), 5000);
      await this.#exit;
      clearTimeout(killer);
    }
    this.#input?.close();
    await rm(this.#workdir, { recursive: true, force: true });
  }
}
