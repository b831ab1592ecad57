// ffmpeg and ffprobe (Debian's, installed by .ci/run) as real plain-RTP peers: a publisher of a
// test pattern, a recorder reading an SDP, and the probe that checks what was recorded.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RtpOutput {
  port: number;
  ssrc: number;
  payloadType: number;
  /** SRTP (AES_CM_128_HMAC_SHA1_80) with this master key + salt, base64. */
  srtpKey?: string;
}

export type VideoCodec = 'vp8' | 'h264';

const VIDEO_ENCODERS: Record<VideoCodec, string[]> = {
  vp8: ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '15', '-auto-alt-ref', '0'],
  // Constrained baseline, one slice per frame, what OBS and browsers send (packetization-mode 1).
  h264: ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-b:v', '300k', '-g', '15'],
};

/** A live ffmpeg process; `stop()` asks it to finish its files (SIGINT) and waits. */
export class FfmpegProcess {
  readonly #exited: Promise<number | null>;
  stderr = '';

  constructor(readonly child: ChildProcess) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8000);
    });
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<number | null> {
    if (this.running) this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await this.#exited;
    clearTimeout(timer);
    return code;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

function ffmpeg(args: string[]): FfmpegProcess {
  return new FfmpegProcess(spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'warning', ...args], { stdio: ['ignore', 'ignore', 'pipe'] }));
}

function rtpOutput(o: RtpOutput): string[] {
  const query = `127.0.0.1:${o.port}?rtcpport=${o.port}&pkt_size=1200`;
  if (!o.srtpKey) return ['-f', 'rtp', `rtp://${query}`];
  return ['-f', 'rtp', '-srtp_out_suite', 'AES_CM_128_HMAC_SHA1_80', '-srtp_out_params', o.srtpKey, `srtp://${query}`];
}

/** A 320x180, 15 fps test pattern (and a 440 Hz tone) sent as RTP, in real time, to plain transports. */
export function publishTestPattern(options: { codec: VideoCodec; video: RtpOutput; audio?: RtpOutput; seconds?: number }): FfmpegProcess {
  const seconds = String(options.seconds ?? 120);
  const args = ['-re', '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=15:duration=${seconds}`];
  if (options.audio) args.push('-re', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`);
  const v = options.video;
  args.push('-map', '0:v', ...VIDEO_ENCODERS[options.codec], '-ssrc', String(v.ssrc), '-payload_type', String(v.payloadType), ...rtpOutput(v));
  const a = options.audio;
  if (a) {
    args.push('-map', '1:a', '-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-b:a', '64k', '-ssrc', String(a.ssrc), '-payload_type', String(a.payloadType), ...rtpOutput(a));
  }
  return ffmpeg(args);
}

/** Records what an SDP describes into `file`, stream copy (no transcoding), until stopped. */
export function recordSdp(sdpFile: string, file: string): FfmpegProcess {
  return ffmpeg(['-protocol_whitelist', 'file,udp,rtp', '-fflags', '+genpts', '-i', sdpFile, '-map', '0', '-c', 'copy', '-y', file]);
}

export interface ProbedStream {
  codec_type: 'video' | 'audio';
  codec_name: string;
  start_time?: string;
  width?: number;
  height?: number;
}

export async function ffprobe(file: string): Promise<{ streams: ProbedStream[]; format: { duration?: string } }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file]);
  return JSON.parse(stdout);
}

/**
 * What ffmpeg says when it decodes `file` (or URL) in full: empty when every packet decodes. The
 * null muxer's complaints about timestamps are left out: they are not decode errors, and a
 * variable-rate stream (two frames rounded to one tick of its time base) or an HLS run's
 * discontinuity (ffmpeg's demuxer does not rebase across it) make them on sound input (CI runs).
 */
export async function decodeErrors(file: string, args: string[] = []): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, ...args, '-f', 'null', '-']);
  return stderr
    .split('\n')
    .filter((line) => line.trim() !== '' && !/non monotonically increasing dts to muxer/.test(line))
    .join('\n');
}

/** An even UDP port whose next port is free too (RTP + RTCP for a reader like ffmpeg). */
export { freePortPair } from '../../src/engine/plain-input.ts';
