// Multistream over RTMP against real parts: ffmpeg publishes a VP8 + Opus test pattern into the
// embedded engine, the room's ONE egress encoder transcodes it (H.264 + AAC), and two RTMP
// destinations copy that stream to two local RTMP receivers (`ffmpeg -listen 1`, a real RTMP
// server standing in for the platforms). Both receive decodable video; one receiver is killed and
// restarted and its destination comes back with backoff while the other never stops; an unknown
// host is `failed` with the reason.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressEncoder } from '../src/egress/egress-encoder.ts';
import { RtmpOutput, type DestinationStatus } from '../src/egress/rtmp-output.ts';
import { embeddedEngine } from '../src/engine/embedded/index.ts';
import type { EngineWorker, Router } from '../src/engine/types.ts';
import { ROOM_MEDIA_CODECS } from '../src/fleet/room-session.ts';
import { createLogger } from '../src/log.ts';
import { waitFor } from '../../schema/test/support/wait.ts';
import { publishTestPattern, type FfmpegProcess } from './support/ffmpeg.ts';
import { freeTcpPort } from '../../schema/test/support/free-port.ts';

const run = promisify(execFile);
const log = createLogger('warn', 'egress-test');


/** A local RTMP server standing in for a platform: takes one stream and writes it to a file. */
function receiver(port: number, file: string): ChildProcess {
  return spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-listen', '1', '-analyzeduration', '1000000', '-i', `rtmp://127.0.0.1:${port}/live/key`, '-c', 'copy', '-f', 'flv', '-y', file], { stdio: 'ignore' });
}

/** The receiver listens (read from /proc: a test connection would use up its one `-listen 1` accept). */
async function listening(port: number): Promise<void> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  await waitFor(`an RTMP server on ${port}`, async () => (await readFile('/proc/net/tcp', 'utf8')).split('\n').some((l) => l.includes(`:${hex} `) && l.split(/\s+/)[4] === '0A'), { timeoutMs: 10_000 });
}

async function videoFrames(file: string): Promise<{ codec: string; frames: number }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'json', file]);
  const stream = (JSON.parse(stdout) as { streams: { codec_name: string; nb_read_frames: string }[] }).streams[0];
  return { codec: stream?.codec_name ?? '', frames: Number(stream?.nb_read_frames ?? 0) };
}

let worker: EngineWorker;
let router: Router;
let publisher: FfmpegProcess | undefined;
let workdir: string;
const processes: ChildProcess[] = [];
beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'egress-'));
  worker = await embeddedEngine.createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
  router = await worker.createRouter({ mediaCodecs: ROOM_MEDIA_CODECS });
});
afterAll(async () => {
  for (const p of processes) p.kill('SIGKILL');
  await publisher?.stop();
  worker?.close();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe('multistream over RTMP', () => {
  it('feeds two destinations from one transcode; one drops and comes back with backoff while the other never stops; an unknown host fails with the reason', async () => {
    const VP8 = { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 };
    const OPUS = { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 };
    const vt = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true });
    const at = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true });
    const video = await vt.produce({ kind: 'video', rtpParameters: { codecs: [VP8], encodings: [{ ssrc: 0x7101 }] } });
    const audio = await at.produce({ kind: 'audio', rtpParameters: { codecs: [OPUS], encodings: [{ ssrc: 0x7102 }] } });
    publisher = publishTestPattern({ codec: 'vp8', video: { port: vt.tuple.localPort, ssrc: 0x7101, payloadType: 101 }, audio: { port: at.tuple.localPort, ssrc: 0x7102, payloadType: 100 }, seconds: 120 });
    await waitFor('the publisher reaching the producer', async () => ((await video.getStats())[0]?.packetCount ?? 0) > 30, { timeoutMs: 15_000 });

    const encoder = await EgressEncoder.start({ id: crypto.randomUUID(), router, producers: [video, audio], dir: workdir, onFailed: (reason) => expect.fail(reason), log });
    expect(encoder.transcoded).toBe(true);
    const [portA, portB] = [await freeTcpPort(), await freeTcpPort()];
    let receiverA = receiver(portA, join(workdir, 'a1.flv'));
    const receiverB = receiver(portB, join(workdir, 'b.flv'));
    processes.push(receiverA, receiverB);
    await Promise.all([listening(portA), listening(portB)]);

    const history = new Map<string, DestinationStatus[]>();
    const destination = (id: string, url: string) => {
      history.set(id, []);
      const output = new RtmpOutput({ destinationId: id, url, encoder, log, onStatus: (s) => history.get(id)!.push(s) });
      output.start();
      return output;
    };
    const states = (id: string) => history.get(id)!.map((s) => s.state);
    const a = destination('a', `rtmp://127.0.0.1:${portA}/live/key`);
    const b = destination('b', `rtmp://127.0.0.1:${portB}/live/key`);
    const bad = destination('bad', 'rtmp://no-such-host.invalid/live/key');
    const diagnose = async () => Object.fromEntries([...history].map(([id, h]) => [id, h.map((s) => `${s.state}${s.reason ? `(${s.reason})` : ''}`)]));
    await waitFor('both destinations live', () => a.status.state === 'live' && b.status.state === 'live', { timeoutMs: 30_000, diagnose });
    await waitFor('the unknown host failed', () => bad.status.state === 'failed', { timeoutMs: 15_000 });
    expect(bad.status.reason).toMatch(/resolve/i);

    // Receiver A goes away: A retries (backoff), B carries on; A's platform comes back, A is live again.
    const written = async (file: string) => (await stat(join(workdir, file)).catch(() => ({ size: 0 }))).size;
    await waitFor('receiver A writing what it receives', async () => (await written('a1.flv')) > 100_000, { timeoutMs: 20_000 });
    // SIGTERM: the receiver closes the connection and finishes its file (SIGKILL would lose its buffer).
    receiverA.kill('SIGTERM');
    await waitFor('A retrying', () => a.status.state === 'retrying', { timeoutMs: 15_000 });
    receiverA = receiver(portA, join(workdir, 'a2.flv'));
    processes.push(receiverA);
    await listening(portA);
    await waitFor('A live again', () => a.status.state === 'live', { timeoutMs: 30_000 });
    await waitFor('receiver A writing again', async () => (await written('a2.flv')) > 100_000, { timeoutMs: 20_000 });
    expect(states('b').filter((s) => s !== 'live')).toEqual(['connecting']);
    expect(b.status.uptimeMs).toBeGreaterThan(5_000);

    await Promise.all([a.stop(), b.stop(), bad.stop()]);
    await encoder.stop();
    await waitFor('the receivers finished their files', () => processes.every((p) => p.exitCode !== null || p.signalCode !== null), { timeoutMs: 10_000 });
    for (const file of ['a1.flv', 'a2.flv', 'b.flv']) {
      const got = await videoFrames(join(workdir, file));
      expect(got.codec, file).toBe('h264');
      expect(got.frames, file).toBeGreaterThan(20);
    }
    console.info(`egress: destination A ${states('a').join(' > ')}; B ${states('b').join(' > ')}; bad host: ${bad.status.reason}`);
  }, 120_000);
});
