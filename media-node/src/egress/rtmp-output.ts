// One multistream destination (YouTube, Twitch, Facebook, a custom RTMP(S) URL): a `-c copy`
// ffmpeg fed the room's egress encoder (egress-encoder.ts), pushing FLV to the destination, so a
// second destination costs a copy, not a transcode. A destination that drops is dialed again with
// capped backoff (1 s, 2 s, 4 s ... 30 s) without touching the others, for as long as it runs; one
// that never went live is `failed` after a few attempts, or at once when the error cannot get
// better (an unknown host, a refused stream key). Its state (connecting, live, retrying, failed + reason, bitrate, uptime) is
// reported as it changes and every few seconds while live.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from '../log.ts';
import type { EgressEncoder } from './egress-encoder.ts';

export type DestinationState = 'connecting' | 'live' | 'retrying' | 'failed';

export interface DestinationStatus {
  destinationId: string;
  state: DestinationState;
  reason: string | null;
  bitrateKbps: number;
  /** Since this connection went live; null when not live. */
  uptimeMs: number | null;
  /** Connections tried since the last one that went live. */
  attempts: number;
}

export interface RtmpOutputOptions {
  destinationId: string;
  url: string;
  encoder: EgressEncoder;
  onStatus(status: DestinationStatus): void;
  log: Logger;
  /** Backoff before each retry, ms (the last value repeats). */
  backoffMs?: number[];
  /** Failed attempts before a destination that never went live is given up. */
  maxAttemptsBeforeLive?: number;
}

export const RTMP_BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000];
const STATUS_EVERY_MS = 5_000;
/** ffmpeg errors that retrying will not fix. */
const PERMANENT = [/failed to resolve hostname/i, /protocol not found/i, /invalid argument/i, /badname|bad name|publish\.rejected|unauthori[sz]ed|forbidden/i, /no such file/i];

export class RtmpOutput {
  #ffmpeg: ChildProcess | undefined;
  #stderr = '';
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #statusTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #status: DestinationStatus;
  #liveSince: number | null = null;
  /** Once live, a destination is retried for as long as it runs (a platform's hiccup, a restart). */
  #everLive = false;
  #bytes = 0;
  #bytesAt = { at: 0, bytes: 0 };

  constructor(private readonly options: RtmpOutputOptions) {
    this.#status = { destinationId: options.destinationId, state: 'connecting', reason: null, bitrateKbps: 0, uptimeMs: null, attempts: 0 };
  }

  /** The current connection's ffmpeg (the egress benchmark reads its CPU time). */
  get pid(): number | undefined {
    return this.#ffmpeg?.pid;
  }

  get status(): DestinationStatus {
    return { ...this.#status, uptimeMs: this.#liveSince === null ? null : Date.now() - this.#liveSince };
  }

  start(): void {
    this.#connect();
    this.#statusTimer = setInterval(() => {
      if (this.#status.state !== 'live') return;
      const now = Date.now();
      const kbps = ((this.#bytes - this.#bytesAt.bytes) * 8) / Math.max(1, now - this.#bytesAt.at);
      this.#bytesAt = { at: now, bytes: this.#bytes };
      this.#report({ bitrateKbps: Math.round(kbps) });
    }, STATUS_EVERY_MS);
  }

  #report(changes: Partial<DestinationStatus>): void {
    this.#status = { ...this.#status, ...changes };
    this.options.onStatus(this.status);
  }

  #connect(): void {
    if (this.#stopped) return;
    const { destinationId, log } = this.options;
    this.#stderr = '';
    this.#report({ state: this.#status.attempts === 0 && !this.#everLive ? 'connecting' : 'retrying', attempts: this.#status.attempts + 1 });
    const ffmpeg = spawn(
      'ffmpeg',
      [
        // A destination joins a running stream: the video's parameters come with its next keyframe
        // (1 s apart, later on a busy machine). Probing stops as soon as every stream has them.
        ...['-hide_banner', '-loglevel', 'warning', '-fflags', '+nobuffer', '-analyzeduration', '3000000', '-f', 'mpegts', '-i', 'pipe:0', '-map', '0', '-c', 'copy'],
        // MPEG-TS carries AAC as ADTS; FLV wants it raw. -progress: bytes written, so "live" means data reached the server.
        ...['-bsf:a', 'aac_adtstoasc', '-progress', 'pipe:1', '-stats_period', '1', '-f', 'flv', this.options.url],
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.#ffmpeg = ffmpeg;
    ffmpeg.stdin.on('error', () => {}); // EPIPE when the connection dropped: 'close' reports it
    ffmpeg.stderr.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-2000);
    });
    ffmpeg.stdout.on('data', (d: Buffer) => {
      const size = /total_size=(\d+)/.exec(d.toString());
      if (!size) return;
      this.#bytes = Number(size[1]);
      if (this.#bytes > 0 && this.#status.state !== 'live') {
        this.#liveSince = Date.now();
        this.#everLive = true;
        this.#bytesAt = { at: Date.now(), bytes: this.#bytes };
        log.info('rtmp destination live', { destinationId });
        this.#report({ state: 'live', reason: null, attempts: 0 });
      }
    });
    this.#unsubscribe?.();
    this.#unsubscribe = this.options.encoder.subscribe(
      (chunk) => {
        if (ffmpeg.stdin.writable) ffmpeg.stdin.write(chunk);
      },
      () => {
        // The encoder ended: nothing more to send, so no retry.
        this.#stopped = true;
        ffmpeg.stdin.end();
      },
    );
    ffmpeg.once('close', (code, signal) => {
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
      this.#liveSince = null;
      if (this.#stopped) return;
      const reason = redactKey(explain(this.#stderr) || `ffmpeg exited (${code ?? signal})`, this.options.url);
      const wasLive = this.#status.state === 'live';
      const attempts = wasLive ? 0 : this.#status.attempts;
      // "Could not write header ... Invalid argument": the copy found no video parameters in its
      // short probe (a keyframe late under load): the next attempt starts at a later keyframe.
      const permanent = PERMANENT.some((p) => p.test(reason)) && !/could not write header/i.test(reason);
      if (permanent || (!this.#everLive && attempts >= (this.options.maxAttemptsBeforeLive ?? 5))) {
        log.warn('rtmp destination failed', { destinationId, reason });
        this.#report({ state: 'failed', reason, bitrateKbps: 0, attempts });
        return;
      }
      const backoff = this.options.backoffMs ?? RTMP_BACKOFF_MS;
      const delay = backoff[Math.min(attempts, backoff.length - 1)]!;
      log.info('rtmp destination dropped; retrying', { destinationId, reason, inMs: delay });
      this.#report({ state: 'retrying', reason, bitrateKbps: 0, attempts });
      this.#timer = setTimeout(() => this.#connect(), delay);
    });
    ffmpeg.once('error', (error) => log.error('rtmp ffmpeg could not start', { destinationId, error: String(error) }));
  }

  /** Stops pushing to this destination only. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#statusTimer);
    this.#unsubscribe?.();
    const ffmpeg = this.#ffmpeg;
    if (ffmpeg && ffmpeg.exitCode === null && ffmpeg.signalCode === null) {
      const exited = new Promise((resolve) => ffmpeg.once('close', resolve));
      ffmpeg.stdin?.end();
      const killer = setTimeout(() => ffmpeg.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
  }
}

/** The line that says why: one naming a permanent cause if there is one, else the last. */
function explain(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^\[[^\]]+\]\s*/, '').trim())
    .filter(Boolean);
  return (lines.find((l) => PERMANENT.some((p) => p.test(l))) ?? lines.at(-1) ?? '').slice(0, 300);
}

/**
 * ffmpeg names the URL it failed on, stream key included: the reason goes to the room and the
 * API, so the key (the URL's last path segment) is masked wherever it appears.
 */
export function redactKey(text: string, url: string): string {
  const key = url.split('/').filter(Boolean).at(-1) ?? '';
  if (key.length < 4 || /^rtmps?:$/.test(key)) return text;
  return text.split(key).join('••••');
}
