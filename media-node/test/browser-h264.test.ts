// H.264 end to end into a real browser: ffmpeg publishes H.264 (constrained baseline, as OBS and
// ffmpeg send for WebRTC) into a plain transport, and Debian's Chromium, with mediasoup-client,
// consumes it from the room router over WebRTC and decodes it. The libwebrtc inside the Node bots
// has no H.264 decoder, so this is the one viewer that proves H.264 forwarding. Skipped, with the
// reason, where Chromium is missing (.ci/run installs it).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../schema/test/support/wait.ts';
import { EmbeddedWorker } from '../src/engine/embedded/worker.ts';
import type { PlainTransport, Producer, Router, WebRtcTransport } from '../src/engine/types.ts';
import { ROOM_MEDIA_CODECS } from '../src/fleet/room-session.ts';
import { type FfmpegProcess, publishTestPattern } from './support/ffmpeg.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const H264 = { mimeType: 'video/H264', payloadType: 102, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } };

/** mediasoup-client for the page, as one script defining `window.msc`. */
async function mediasoupClientBundle(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('mediasoup-client');
  const result = await build({ stdin: { contents: `export { Device } from ${JSON.stringify(entry)};`, resolveDir: process.cwd() }, bundle: true, format: 'iife', globalName: 'msc', platform: 'browser', write: false, logLevel: 'silent' });
  return result.outputFiles[0]!.text;
}

describe.skipIf(!existsSync(CHROMIUM))('H.264 from ffmpeg decoded in Chromium', () => {
  let worker: EmbeddedWorker;
  let router: Router;
  let ingest: PlainTransport;
  let producer: Producer;
  let ffmpeg: FfmpegProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    worker = await EmbeddedWorker.create({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
    router = await worker.createRouter({ mediaCodecs: ROOM_MEDIA_CODECS });
    ingest = await router.createPlainTransport({ listenIp: '127.0.0.1', comedia: true });
    producer = await ingest.produce({ kind: 'video', rtpParameters: { codecs: [H264], encodings: [{ ssrc: 0x7001 }] } });
    ffmpeg = publishTestPattern({ codec: 'h264', video: { port: ingest.tuple.localPort, ssrc: 0x7001, payloadType: H264.payloadType } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] });
    page = await browser.newPage();
    await page.setContent('<video autoplay muted playsinline></video>');
    await page.addScriptTag({ content: await mediasoupClientBundle() });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await ffmpeg?.stop();
    worker?.close();
  });

  it('consumes the H.264 producer over WebRTC and decodes frames', async () => {
    await waitFor('ffmpeg H.264 at the producer', async () => ((await producer.getStats())[0]?.packetCount ?? 0) > 30, { timeoutMs: 15_000 });
    const transport: WebRtcTransport = await router.createWebRtcTransport();
    await page.exposeFunction('connectTransport', (dtlsParameters: never) => transport.connect({ dtlsParameters }));
    const deviceCapabilities = await page.evaluate(async (routerRtpCapabilities) => {
      const w = globalThis as unknown as { msc: { Device: new (o: unknown) => any }; device: any };
      // Headless Chromium's user agent is not one mediasoup-client recognises by itself.
      w.device = new w.msc.Device({ handlerName: 'Chrome111' });
      await w.device.load({ routerRtpCapabilities });
      return w.device.rtpCapabilities;
    }, router.rtpCapabilities as never);
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: deviceCapabilities, paused: true });
    expect(consumer.rtpParameters.codecs[0]!.mimeType).toBe('video/H264');
    await page.evaluate(
      async ({ params, consumerParams }) => {
        const w = globalThis as unknown as { device: any; recv: any; connectTransport: (d: unknown) => Promise<void>; document: any; MediaStream: new (t: unknown[]) => unknown };
        w.recv = w.device.createRecvTransport(params);
        w.recv.on('connect', ({ dtlsParameters }: { dtlsParameters: unknown }, ok: () => void, fail: (e: Error) => void) => w.connectTransport(dtlsParameters).then(ok, fail));
        const c = await w.recv.consume(consumerParams);
        w.document.querySelector('video').srcObject = new w.MediaStream([c.track]);
      },
      {
        params: { id: transport.id, iceParameters: transport.iceParameters, iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters },
        consumerParams: { id: consumer.id, producerId: producer.id, kind: 'video', rtpParameters: consumer.rtpParameters },
      } as never,
    );
    await consumer.resume();
    const inbound = () =>
      page.evaluate(async () => {
        const w = globalThis as unknown as { recv: any };
        let found: { framesDecoded: number; frameWidth: number; codec?: string } | undefined;
        const stats = await w.recv.getStats();
        const codecs = new Map<string, string>();
        stats.forEach((s: any) => s.type === 'codec' && codecs.set(s.id, s.mimeType));
        stats.forEach((s: any) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded !== undefined) found = { framesDecoded: s.framesDecoded, frameWidth: s.frameWidth ?? 0, codec: codecs.get(s.codecId) };
        });
        return found;
      });
    const decoded = await waitFor('30 H.264 frames decoded in Chromium', async () => {
      const s = await inbound();
      return s && s.framesDecoded >= 30 && s;
    }, { timeoutMs: 20_000, diagnose: async () => ({ inbound: await inbound(), ffmpeg: ffmpeg.stderr }) });
    console.info(`chromium decoded ${decoded.framesDecoded} H.264 frames at ${decoded.frameWidth}px (${decoded.codec})`);
    expect(decoded.codec).toBe('video/H264');
    expect(decoded.frameWidth).toBe(320);
    const currentTime = () => page.evaluate(() => (globalThis as unknown as { document: any }).document.querySelector('video').currentTime as number);
    const playing = await currentTime();
    await waitFor('the video element advancing', async () => (await currentTime()) > playing + 0.5);
  });
});
