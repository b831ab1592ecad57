// The node's recorder against real parts: ffmpeg publishes a test pattern into the embedded engine,
// the recorder consumes it on plain transports into ffmpeg (stream copy), and uploads the growing
// file in fixed-size parts to the real local S3 server while it records; completing the multipart
// upload gives a file that ffprobe reads with both streams and the right duration. Also the
// chunked uploader alone: equal parts but the last, and a part that failed stays until it lands.
// And the issue's 300 ms publisher drop: the recording goes on, one file with both halves. And a
// screen shared during a recording: recorded beside it as a track of its own (its own file).
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeToRoom, RecordedPart } from '@roomcast/schema/protocol';
import { startObjectStore, type LocalObjectStore } from '../../scripts/local/object-store.ts';
import { embeddedEngine } from '../src/engine/embedded/index.ts';
import type { EngineWorker, Producer, Router } from '../src/engine/types.ts';
import { createLogger } from '../src/log.ts';
import { ChunkedUpload } from '../src/recording/chunked-upload.ts';
import { Recorder } from '../src/recording/recorder.ts';
import { RoomRecordings } from '../src/recording/room-recordings.ts';
import { ROOM_MEDIA_CODECS } from '../src/fleet/room-session.ts';
import { decodeErrors, ffprobe, publishTestPattern, type FfmpegProcess } from './support/ffmpeg.ts';
import { waitFor } from '../../schema/test/support/wait.ts';

const keys = { bucket: 'recorder-test', accessKeyId: 'recorder-test-key', secretAccessKey: 'recorder-test-secret-0123456789' };
const aws = new AwsClient({ accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey, service: 's3', region: 'auto' });
const log = createLogger('warn', 'recorder-test');

let store: LocalObjectStore;
let workdir: string;
beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'recorder-'));
  store = await startObjectStore({ port: 0, directory: join(workdir, 'store'), ...keys });
});
afterAll(async () => {
  await store?.close();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

/** A multipart upload as the Worker opens it, and presigned URLs for its parts. */
async function multipart() {
  const key = `org/test/recordings/${crypto.randomUUID()}/recording.mp4`;
  const base = `${store.endpoint}/${keys.bucket}/${key}`;
  const created = await aws.fetch(`${base}?uploads`, { method: 'POST' });
  const uploadId = /<UploadId>([^<]+)</.exec(await created.text())![1]!;
  const sign = async (n: number) => (await aws.sign(new Request(`${base}?partNumber=${n}&uploadId=${uploadId}&X-Amz-Expires=600`, { method: 'PUT' }), { aws: { signQuery: true } })).url;
  const complete = async (parts: RecordedPart[]) => {
    const xml = `<CompleteMultipartUpload>${parts.map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${p.etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    const res = await aws.fetch(`${base}?uploadId=${uploadId}`, { method: 'POST', body: xml });
    expect(res.status, await res.clone().text()).toBe(200);
    return new Uint8Array(await (await aws.fetch(base)).arrayBuffer());
  };
  const posterKey = key.replace(/recording\.mp4$/, 'poster.jpg');
  const signPoster = async () =>
    (await aws.sign(new Request(`${store.endpoint}/${keys.bucket}/${posterKey}?X-Amz-Expires=600`, { method: 'PUT', headers: { 'content-type': 'image/jpeg' } }), { aws: { signQuery: true, allHeaders: true } })).url;
  const poster = async () => {
    const res = await aws.fetch(`${store.endpoint}/${keys.bucket}/${posterKey}`);
    return { status: res.status, type: res.headers.get('content-type'), bytes: (await res.arrayBuffer()).byteLength };
  };
  return { key, sign, complete, signPoster, poster };
}

describe('chunked upload of a growing file', () => {
  it('sends equal parts as the file fills, the remainder last, and retries a part the store refused until it lands', async () => {
    const upload = await multipart();
    const file = join(workdir, 'growing.bin');
    const bytes = new Uint8Array(10 * 1024 + 123).map((_, i) => i % 251);
    const partBytes = 4096;
    let refuse = 1;
    const seen: RecordedPart[] = [];
    const chunked = new ChunkedUpload({
      path: file,
      partBytes,
      // Part 2's first URL is a wrong one: the store refuses it, the part is kept and sent again.
      partUrl: async (n) => (n === 2 && refuse-- > 0 ? (await upload.sign(n)).replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=00') : upload.sign(n)),
      onPart: (p) => seen.push(p),
      retry: { attempts: 1 },
    });
    // Appended, as a recorder's ffmpeg writes (rewriting the file would truncate it under a part
    // being read: a loaded CI run read part 2 short that way, before its refused URL was used).
    await writeFile(file, bytes.subarray(0, 3000));
    chunked.grow(3000);
    await appendFile(file, bytes.subarray(3000, 9000));
    chunked.grow(9000);
    await waitFor('part 1 stored', () => seen.length >= 1);
    // Full parts go out while the file grows (part 2's retry may have landed by now too).
    expect(chunked.uploadedBytes).toBeGreaterThanOrEqual(partBytes);
    await appendFile(file, bytes.subarray(9000));
    const parts = await chunked.finish(bytes.length);
    expect(parts.map((p) => [p.partNumber, p.sizeBytes])).toEqual([
      [1, 4096],
      [2, 4096],
      [3, bytes.length - 8192],
    ]);
    expect(await upload.complete(parts)).toEqual(bytes);
  });
});

/** Presentation times (s) of a file's video packets, in order. */
async function videoPacketTimes(file: string): Promise<number[]> {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file]);
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number)
    .filter((t) => Number.isFinite(t))
    .sort((a, b) => a - b);
}

const VP8 = { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 };
const OPUS = { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 };

describe('recording a room on the node', () => {
  let worker: EngineWorker;
  let router: Router;
  let publisher: FfmpegProcess | undefined;
  let video: Producer;
  let audio: Producer;
  beforeAll(async () => {
    worker = await embeddedEngine.createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
    router = await worker.createRouter({ mediaCodecs: ROOM_MEDIA_CODECS });
    const vt = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true });
    const at = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true });
    video = await vt.produce({ kind: 'video', rtpParameters: { codecs: [VP8], encodings: [{ ssrc: 0x7001 }] } });
    audio = await at.produce({ kind: 'audio', rtpParameters: { codecs: [OPUS], encodings: [{ ssrc: 0x7002 }] } });
    publisher = publishTestPattern({ codec: 'vp8', video: { port: vt.tuple.localPort, ssrc: 0x7001, payloadType: 101 }, audio: { port: at.tuple.localPort, ssrc: 0x7002, payloadType: 100 } });
    await waitFor('the publisher reaching the producer', async () => ((await video.getStats())[0]?.packetCount ?? 0) > 30, { timeoutMs: 15_000 });
  });
  afterAll(async () => {
    await publisher?.stop();
    worker?.close();
  });

  /** Records `producers` into `upload` in one 5 MiB part: for tests that look at the whole file, not its parts. */
  async function recordInOnePart(upload: Awaited<ReturnType<typeof multipart>>, producers: Producer[], dir: string): Promise<Recorder> {
    return Recorder.start({
      recordingId: crypto.randomUUID(),
      router,
      producers,
      dir: join(workdir, dir),
      partBytes: 5 * 1024 * 1024,
      partUrl: upload.sign,
      posterUrl: await upload.signPoster(),
      onPart: () => {},
      onFailed: (reason) => expect.fail(reason),
      log,
    });
  }

  it('records VP8 + Opus into a WebM uploaded in parts while live; the completed file has both streams and its duration', async () => {
    const upload = await multipart();
    const liveParts: RecordedPart[] = [];
    const recorder = await Recorder.start({
      recordingId: crypto.randomUUID(),
      router,
      producers: [video, audio],
      dir: join(workdir, 'rec'),
      // Small parts, so a few seconds of a 300 kbit/s pattern makes several.
      partBytes: 64 * 1024,
      partUrl: upload.sign,
      posterUrl: await upload.signPoster(),
      onPart: (p) => liveParts.push(p),
      onFailed: (reason) => expect.fail(reason),
      log,
    });
    expect(recorder.container).toBe('webm');
    const startedAt = performance.now();
    await waitFor('a part uploaded while recording', () => liveParts.length >= 1, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, Math.max(0, 5000 - (performance.now() - startedAt))));
    const wallMs = performance.now() - startedAt;
    const report = await recorder.stop();

    expect(report).toMatchObject({ container: 'webm', videoCodec: 'vp8', audioCodec: 'opus', poster: true });
    expect(await upload.poster()).toMatchObject({ status: 200, type: 'image/jpeg', bytes: expect.any(Number) });
    expect(report.parts.length).toBeGreaterThanOrEqual(2);
    expect(report.parts.slice(0, -1).every((p) => p.sizeBytes === 64 * 1024)).toBe(true);
    expect(report.parts.reduce((n, p) => n + p.sizeBytes, 0)).toBe(report.sizeBytes);
    expect(Math.abs(report.durationMs! - wallMs)).toBeLessThan(1500);
    const file = join(workdir, 'completed.webm');
    await writeFile(file, await upload.complete(report.parts));
    const probe = await ffprobe(file);
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['opus', 'vp8']);
    // The duration patched into the first part at stop.
    expect(Math.abs(Number(probe.format.duration) * 1000 - report.durationMs!)).toBeLessThan(100);
    console.info(`recorder: ${report.parts.length} parts, ${report.sizeBytes} bytes, ${report.durationMs} ms recorded of ${Math.round(wallMs)} ms`);
  }, 60_000);

  it('continues the same recording through a 300 ms publisher drop: one file holding both halves', async () => {
    const upload = await multipart();
    let failed: string | undefined;
    const recorder = await Recorder.start({
      recordingId: crypto.randomUUID(),
      router,
      producers: [video, audio],
      dir: join(workdir, 'rec-drop'),
      partBytes: 64 * 1024,
      partUrl: upload.sign,
      posterUrl: await upload.signPoster(),
      onPart: () => {},
      onFailed: (reason) => (failed = reason),
      log,
    });
    const startedAt = performance.now();
    await new Promise((r) => setTimeout(r, 2500));
    // The drop: the publisher is frozen, so no RTP at all reaches the node for 300 ms (a Wi-Fi blip).
    const packetsBefore = (await video.getStats())[0]?.packetCount ?? 0;
    publisher!.child.kill('SIGSTOP');
    const dropAtS = (performance.now() - startedAt) / 1000;
    await new Promise((r) => setTimeout(r, 300));
    expect((await video.getStats())[0]?.packetCount ?? 0, 'no packet arrived during the drop').toBeLessThanOrEqual(packetsBefore + 5);
    publisher!.child.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 2500));
    const wallMs = performance.now() - startedAt;
    const report = await recorder.stop();

    expect(failed).toBeUndefined();
    expect(report.problem).toBeUndefined();
    const file = join(workdir, 'dropped.webm');
    await writeFile(file, await upload.complete(report.parts));
    const probe = await ffprobe(file);
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['opus', 'vp8']);
    expect(Math.abs(Number(probe.format.duration) * 1000 - wallMs)).toBeLessThan(1500);
    // Video frames from before the drop and from well after it, in the one file, and no hole
    // longer than the drop (with slack for the node's start and the publisher's catch-up).
    const times = await videoPacketTimes(file);
    expect(times.some((t) => t < dropAtS - 0.5)).toBe(true);
    expect(times.some((t) => t > dropAtS + 1.5)).toBe(true);
    const holes = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...holes)).toBeLessThan(0.8);
    console.info(`recorder, 300 ms publisher drop at ${dropAtS.toFixed(1)} s: ${report.durationMs} ms recorded of ${Math.round(wallMs)} ms, longest hole between video frames ${(Math.max(...holes) * 1000).toFixed(0)} ms`);
  }, 60_000);

  it('records a screen shared during the recording as its own track beside the camera and microphone: two files, each playable', async () => {
    // The screen: a second video producer with its own publisher, as a host's screen share is.
    const st = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true });
    const screen = await st.produce({ kind: 'video', rtpParameters: { codecs: [VP8], encodings: [{ ssrc: 0x7004 }] } });
    const screenPublisher = publishTestPattern({ codec: 'vp8', video: { port: st.tuple.localPort, ssrc: 0x7004, payloadType: 101 } });
    try {
      await waitFor('the screen reaching its producer', async () => ((await screen.getStats())[0]?.packetCount ?? 0) > 10, { timeoutMs: 15_000 });
      const frames: NodeToRoom[] = [];
      const recordings = new RoomRecordings(router, { dir: join(workdir, 'rec-screen'), partBytes: 64 * 1024 }, (f) => frames.push(f), log);
      const [mainUpload, screenUpload] = [await multipart(), await multipart()];
      const mainId = crypto.randomUUID();
      const trackId = crypto.randomUUID();
      const urls = async (u: Awaited<ReturnType<typeof multipart>>) => Promise.all(Array.from({ length: 16 }, async (_, i) => ({ partNumber: i + 1, url: await u.sign(i + 1) })));
      expect(await recordings.start({ recordingId: mainId, producers: [video, audio], partUrls: await urls(mainUpload), posterUrl: await mainUpload.signPoster() })).toEqual({ container: 'webm' });
      await new Promise((r) => setTimeout(r, 1000));
      // The share starts a second into the recording: its track, video alone, no poster.
      expect(await recordings.start({ recordingId: trackId, producers: [screen], partUrls: await urls(screenUpload) })).toEqual({ container: 'webm' });
      await waitFor('a screen part uploaded while recording', () => frames.some((f) => f.type === 'recording.part' && f.recordingId === trackId), { timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 2000));
      const [mainReport, screenReport] = await Promise.all([recordings.stop(mainId), recordings.stop(trackId)]);

      expect(frames.filter((f) => f.type === 'recording.failed')).toEqual([]);
      expect(mainReport).toMatchObject({ container: 'webm', videoCodec: 'vp8', audioCodec: 'opus', poster: true });
      expect(screenReport).toMatchObject({ container: 'webm', videoCodec: 'vp8', audioCodec: null, poster: false });
      expect(await screenUpload.poster()).toMatchObject({ status: 404 });
      const mainFile = join(workdir, 'main-with-screen.webm');
      const screenFile = join(workdir, 'screen-track.webm');
      await writeFile(mainFile, await mainUpload.complete(mainReport.parts));
      await writeFile(screenFile, await screenUpload.complete(screenReport.parts));
      const [mainProbe, screenProbe] = [await ffprobe(mainFile), await ffprobe(screenFile)];
      expect(mainProbe.streams.map((s) => s.codec_name).sort()).toEqual(['opus', 'vp8']);
      expect(screenProbe.streams.map((s) => `${s.codec_type}:${s.codec_name}`)).toEqual(['video:vp8']);
      expect(Number(screenProbe.format.duration)).toBeGreaterThan(1.5);
      // The screen began about a second later: its file is shorter by about that much.
      expect(Number(mainProbe.format.duration) - Number(screenProbe.format.duration)).toBeGreaterThan(0.3);
      expect(await decodeErrors(screenFile)).toBe('');
      console.info(`recorder, camera + screen: main ${mainReport.durationMs} ms (${mainReport.sizeBytes} bytes), screen track ${screenReport.durationMs} ms (${screenReport.sizeBytes} bytes)`);
    } finally {
      await screenPublisher.stop();
      st.close();
    }
  }, 60_000);

  it('records a host whose microphone sends nothing (muted): the video from the first second, not after a five-second probe', async () => {
    const silent = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true });
    const muted = await silent.produce({ kind: 'audio', rtpParameters: { codecs: [OPUS], encodings: [{ ssrc: 0x7003 }] } });
    const upload = await multipart();
    const recorder = await recordInOnePart(upload, [video, muted], 'rec-muted');
    const startedAt = performance.now();
    await new Promise((r) => setTimeout(r, 3000));
    const wallMs = performance.now() - startedAt;
    const report = await recorder.stop();
    silent.close();
    expect(report.problem).toBeUndefined();
    expect(report).toMatchObject({ videoCodec: 'vp8', container: 'webm' });
    expect(report.sizeBytes).toBeGreaterThan(10_000);
    expect(report.durationMs).toBeGreaterThan(wallMs - 1500);
    console.info(`recorder, muted microphone: ${report.durationMs} ms recorded of ${Math.round(wallMs)} ms, ${report.sizeBytes} bytes`);
  }, 30_000);

  it('keeps a recording stopped while ffmpeg is still probing: the stop waits for its first output instead of ending empty', async () => {
    const upload = await multipart();
    const recorder = await recordInOnePart(upload, [video, audio], 'rec-early-stop');
    // Stopped as soon as ffmpeg listens: it has written nothing yet (it probes for a second).
    const stopAt = performance.now();
    const report = await recorder.stop();
    const stopMs = performance.now() - stopAt;
    expect(report.problem).toBeUndefined();
    expect(report).toMatchObject({ videoCodec: 'vp8', audioCodec: 'opus', container: 'webm' });
    expect(report.sizeBytes).toBeGreaterThan(0);
    const file = join(workdir, 'early-stop.webm');
    await writeFile(file, await upload.complete(report.parts));
    expect((await ffprobe(file)).streams.map((s) => s.codec_name).sort()).toEqual(['opus', 'vp8']);
    console.info(`recorder, stopped while probing: ${report.durationMs} ms recorded, ${report.sizeBytes} bytes, stop took ${Math.round(stopMs)} ms`);
  }, 30_000);
});
