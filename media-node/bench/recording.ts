// `npm run bench:recording`: what a server recording costs and how soon it is ready. Real parts:
// ffmpeg publishes a 320x180 VP8 + Opus test pattern (300 kbit/s) into the embedded engine, the node's recorder
// (plain transports -> ffmpeg -c copy -> parts) records it for RECORD_SECONDS into the local S3
// server, then stops. Prints: time from stop to the report (the Worker completes the multipart
// upload right after, one request), bytes uploaded while live vs after stop, and CPU of the
// recorder's ffmpeg against the node process (no transcoding: a small fraction of a core).
// Not part of `npm test`. Numbers vary a lot on a shared or throttled machine: compare in one run.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsClient } from 'aws4fetch';
import { startObjectStore } from '../../scripts/local/object-store.ts';
import { embeddedEngine } from '../src/engine/embedded/index.ts';
import { ROOM_MEDIA_CODECS } from '../src/fleet/room-session.ts';
import { createLogger } from '../src/log.ts';
import { Recorder } from '../src/recording/recorder.ts';
import { publishTestPattern } from '../test/support/ffmpeg.ts';

const seconds = Number(process.env.RECORD_SECONDS ?? 20);
const partBytes = Number(process.env.RECORDING_PART_BYTES ?? 5 * 1024 * 1024);
const keys = { bucket: 'bench', accessKeyId: 'bench-key', secretAccessKey: 'bench-secret-0123456789abcdef' };
const aws = new AwsClient({ ...keys, service: 's3', region: 'auto' });
const TICKS = 100;

/** CPU seconds a process used so far (user + system, from /proc). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

const workdir = await mkdtemp(join(tmpdir(), 'bench-recording-'));
const store = await startObjectStore({ port: 0, directory: join(workdir, 'store'), ...keys });
const worker = await embeddedEngine.createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
try {
  const router = await worker.createRouter({ mediaCodecs: ROOM_MEDIA_CODECS });
  const vt = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true });
  const at = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true });
  const video = await vt.produce({ kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: 0x9001 }] } });
  const audio = await at.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 0x9002 }] } });
  const publisher = publishTestPattern({ codec: 'vp8', video: { port: vt.tuple.localPort, ssrc: 0x9001, payloadType: 101 }, audio: { port: at.tuple.localPort, ssrc: 0x9002, payloadType: 100 } });
  await new Promise((r) => setTimeout(r, 2000));

  const key = `org/bench/recordings/${crypto.randomUUID()}/recording.mp4`;
  const base = `${store.endpoint}/${keys.bucket}/${key}`;
  const uploadId = /<UploadId>([^<]+)</.exec(await (await aws.fetch(`${base}?uploads`, { method: 'POST' })).text())![1]!;
  const sign = async (n: number) => (await aws.sign(new Request(`${base}?partNumber=${n}&uploadId=${uploadId}&X-Amz-Expires=3600`, { method: 'PUT' }), { aws: { signQuery: true } })).url;
  const poster = (await aws.sign(new Request(`${base.replace(/recording\.mp4$/, 'poster.jpg')}?X-Amz-Expires=3600`, { method: 'PUT', headers: { 'content-type': 'image/jpeg' } }), { aws: { signQuery: true, allHeaders: true } })).url;

  let liveBytes = 0;
  let stopping = false;
  const recorder = await Recorder.start({
    recordingId: 'bench',
    router,
    producers: [video, audio],
    dir: join(workdir, 'rec'),
    partBytes,
    partUrl: sign,
    posterUrl: poster,
    onPart: (p) => (stopping ? undefined : (liveBytes += p.sizeBytes)),
    onFailed: (reason) => console.error('recorder failed:', reason),
    log: createLogger('warn', 'bench'),
  });
  const pid = recorder.ffmpegPid!;
  const ffmpegCpu0 = processCpuSeconds(pid);
  const nodeCpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wallSeconds = (performance.now() - wall0) / 1000;
  const ffmpegCpu = processCpuSeconds(pid) - ffmpegCpu0;
  const nodeUsage = process.cpuUsage(nodeCpu0);
  const nodeCpu = (nodeUsage.user + nodeUsage.system) / 1e6;
  stopping = true;
  const stopAt = performance.now();
  const report = await recorder.stop();
  const stopMs = performance.now() - stopAt;
  const completeAt = performance.now();
  const xml = `<CompleteMultipartUpload>${report.parts.map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${p.etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  await (await aws.fetch(`${base}?uploadId=${uploadId}`, { method: 'POST', body: xml })).text();
  const completeMs = performance.now() - completeAt;
  await publisher.stop();

  console.log(`recorded ${seconds} s (${report.durationMs} ms in the file, ${report.videoCodec}+${report.audioCodec}, ${report.container}), ${report.sizeBytes} bytes in ${report.parts.length} part(s) of ${partBytes} bytes`);
  console.log(`bytes uploaded while live: ${liveBytes} (${((100 * liveBytes) / report.sizeBytes).toFixed(0)} %), after stop: ${report.sizeBytes - liveBytes}`);
  console.log(`stop -> node report: ${stopMs.toFixed(0)} ms; + complete multipart: ${completeMs.toFixed(0)} ms; stop -> ready about ${(stopMs + completeMs).toFixed(0)} ms plus the Worker's round trips`);
  console.log(`CPU while recording: recorder ffmpeg ${((100 * ffmpegCpu) / wallSeconds).toFixed(1)} % of one core; node process (engine, publisher relay, uploads) ${((100 * nodeCpu) / wallSeconds).toFixed(1)} %`);
} finally {
  worker.close();
  await store.close();
  await rm(workdir, { recursive: true, force: true });
}
