// Plain RTP transports, for every engine present, against a real non-browser peer: ffmpeg
// publishes a test pattern into the engine, a WebRTC viewer decodes it, and ffmpeg records a
// consumer from the SDP the node generates, checked with ffprobe.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { engineAvailability } from '../src/engine/load.ts';
import { plainSdp } from '../src/engine/plain-sdp.ts';
import type { Consumer, EngineWorker, PlainTransport, Producer, Router, RtpCapabilities } from '../src/engine/types.ts';
import { ConsumerBot, mediaCodecs } from './support/bots.ts';
import { FfmpegProcess, decodeErrors, ffprobe, freePortPair, publishTestPattern, recordSdp } from './support/ffmpeg.ts';
import { waitFor } from '../../schema/test/support/wait.ts';

const engines = await engineAvailability();

const VP8 = { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 };
const OPUS = { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 };
const H264 = { mimeType: 'video/H264', payloadType: 102, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f' } };
const routerCodecs = [...mediaCodecs, { kind: 'video' as const, mimeType: 'video/H264', clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 } }];

/** What a recorder (ffmpeg) can receive: the router's codecs, no header extensions. */
const recorderCapabilities = (router: Router): RtpCapabilities => ({ codecs: router.rtpCapabilities.codecs, headerExtensions: [] });

for (const { name, engine, reason } of engines) {
  if (!engine) {
    it.skip(`${name} engine plain transports: SKIPPED, ${reason}`);
    continue;
  }

  describe(`${name} engine plain transports`, () => {
    let worker: EngineWorker;
    let router: Router;
    let workdir: string;
    const processes: FfmpegProcess[] = [];
    const bots: ConsumerBot[] = [];

    /** ffmpeg publishing into two comedia transports, with the producers on them. */
    async function ffmpegPublisher(codec: 'vp8' | 'h264', ssrcBase: number) {
      const videoTransport = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true });
      const audioTransport = await router.createPlainTransport({ listenIp: '127.0.0.1', comedia: true });
      const videoCodec = codec === 'vp8' ? VP8 : H264;
      const video = await videoTransport.produce({ kind: 'video', rtpParameters: { codecs: [videoCodec], encodings: [{ ssrc: ssrcBase + 1 }] } });
      const audio = await audioTransport.produce({ kind: 'audio', rtpParameters: { codecs: [OPUS], encodings: [{ ssrc: ssrcBase + 2 }] } });
      const ffmpeg = publishTestPattern({
        codec,
        video: { port: videoTransport.tuple.localPort, ssrc: ssrcBase + 1, payloadType: videoCodec.payloadType },
        audio: { port: audioTransport.tuple.localPort, ssrc: ssrcBase + 2, payloadType: OPUS.payloadType },
      });
      processes.push(ffmpeg);
      await waitFor(`ffmpeg's ${codec} reaching the producer`, async () => (await video.getStats())[0]?.packetCount! > 30, {
        timeoutMs: 15_000,
        diagnose: async () => ({ ffmpeg: ffmpeg.stderr, counters: (videoTransport as unknown as { counters?: unknown }).counters }),
      });
      return { videoTransport, audioTransport, video, audio, ffmpeg };
    }

    /**
     * Consumers sent over plain transports to an ffmpeg recording them from the generated SDP,
     * resumed one after the other `staggerMs` apart, with when each sent its first packet.
     */
    async function record(producers: Producer[], seconds: number, staggerMs = 0) {
      const streams: { consumer: Consumer; transport: PlainTransport; port: number; firstPacketAt?: number }[] = [];
      for (const producer of producers) {
        const port = await freePortPair();
        const transport = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, rtcpMux: false });
        await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
        const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: recorderCapabilities(router), paused: true });
        streams.push({ consumer, transport, port });
      }
      const sdp = plainSdp('127.0.0.1', streams.map((s) => ({ kind: s.consumer.kind, rtpParameters: s.consumer.rtpParameters, port: s.port })));
      const sdpFile = path.join(workdir, `rec-${Date.now()}.sdp`);
      const file = sdpFile.replace(/\.sdp$/, '.mkv');
      await writeFile(sdpFile, sdp);
      const recorder = recordSdp(sdpFile, file);
      processes.push(recorder);
      // What arrives before ffmpeg opens its ports is lost: resume once it listens.
      await waitFor('the recorder listening', async () => !recorder.running || (await portTaken(streams.at(-1)!.port)));
      for (const [i, s] of streams.entries()) {
        if (i > 0 && staggerMs > 0) await new Promise((r) => setTimeout(r, staggerMs));
        await s.consumer.resume();
        void waitFor('a first packet', async () => ((await s.consumer.getStats())[0]?.packetCount ?? 0) > 0 && (s.firstPacketAt = performance.now()), {
          intervalMs: 5,
        }).catch(() => {});
      }
      await waitFor('every consumer sending', () => streams.every((s) => s.firstPacketAt !== undefined));
      const firstAt = Math.min(...streams.map((s) => s.firstPacketAt!));
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const wallSeconds = (performance.now() - firstAt) / 1000;
      await recorder.stop();
      for (const s of streams) s.transport.close();
      return { file, sdp, wallSeconds, recorder, streams };
    }

    beforeAll(async () => {
      worker = await engine.createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
      router = await worker.createRouter({ mediaCodecs: routerCodecs });
      workdir = await mkdtemp(path.join(tmpdir(), 'roomcast-plain-'));
    });

    afterEach(async () => {
      for (const bot of bots.splice(0)) bot.close();
      await Promise.all(processes.splice(0).map((p) => p.stop()));
    });

    afterAll(async () => {
      worker?.close();
      if (workdir) await rm(workdir, { recursive: true, force: true });
    });

    it('takes VP8 and Opus from ffmpeg (comedia), and a WebRTC viewer decodes the video and hears the audio', async () => {
      const { videoTransport, video, audio } = await ffmpegPublisher('vp8', 0x1000);
      expect(videoTransport.tuple).toMatchObject({ localAddress: '127.0.0.1', protocol: 'udp', remoteIp: '127.0.0.1', remotePort: expect.any(Number) });
      const viewer = await ConsumerBot.start(router);
      bots.push(viewer);
      await viewer.consume(video);
      await viewer.consume(audio);
      await waitFor('20 decoded frames at the viewer', async () => ((await viewer.inboundVideo())?.framesDecoded ?? 0) >= 20, { timeoutMs: 20_000 });
      expect((await viewer.inboundVideo())!.frameWidth).toBe(320);
      await waitFor('audio at the viewer', async () => ((await viewer.inboundAudio())?.packetsReceived ?? 0) > 25);
    });

    it('records VP8 and Opus consumers from the SDP it generates: both streams, right codecs, duration and A/V start in step', async () => {
      const { video, audio } = await ffmpegPublisher('vp8', 0x2000);
      // Audio first, video half a second later: the file must keep that gap, which only a reader
      // syncing the streams by the engine's sender reports can know.
      const { file, sdp, wallSeconds, streams } = await record([audio, video], 5, 500);
      expect(sdp).toMatch(/m=video \d+ RTP\/AVP 101\r\na=rtpmap:101 VP8\/90000/);
      expect(sdp).toMatch(/a=rtpmap:100 opus\/48000\/2/);
      const probe = await ffprobe(file);
      const v = probe.streams.find((s) => s.codec_type === 'video');
      const a = probe.streams.find((s) => s.codec_type === 'audio');
      expect(v).toMatchObject({ codec_name: 'vp8', width: 320, height: 180 });
      expect(a).toMatchObject({ codec_name: 'opus' });
      const duration = Number(probe.format.duration);
      const sentGap = (streams[1]!.firstPacketAt! - streams[0]!.firstPacketAt!) / 1000;
      const fileGap = Number(v!.start_time) - Number(a!.start_time);
      console.info(`${name}: recorded ${duration.toFixed(2)} s of ${wallSeconds.toFixed(2)} s sent; video started ${sentGap.toFixed(3)} s after audio, in the file ${fileGap.toFixed(3)} s`);
      expect(Math.abs(duration - wallSeconds) / wallSeconds).toBeLessThan(0.1);
      expect(Math.abs(fileGap - sentGap)).toBeLessThan(0.1);
      expect(await decodeErrors(file)).toBe('');
    }, 40_000);

    it('takes H.264 from ffmpeg and records it without transcoding', async () => {
      const { video } = await ffmpegPublisher('h264', 0x3000);
      expect(router.rtpCapabilities.codecs!.some((c) => c.mimeType.toLowerCase() === 'video/h264' && c.parameters?.['packetization-mode'] === 1)).toBe(true);
      const { file, sdp } = await record([video], 4);
      expect(sdp).toMatch(/a=rtpmap:\d+ H264\/90000/);
      expect(sdp).toMatch(/packetization-mode=1/);
      const probe = await ffprobe(file);
      expect(probe.streams).toEqual([expect.objectContaining({ codec_type: 'video', codec_name: 'h264', width: 320, height: 180 })]);
      expect(await decodeErrors(file)).toBe('');
    }, 40_000);

    it('takes SRTP from ffmpeg with the keys exchanged out of band, and refuses the wrong key', async () => {
      const transport = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true, enableSrtp: true });
      expect(transport.srtpParameters).toMatchObject({ cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: expect.any(String) });
      expect(Buffer.from(transport.srtpParameters!.keyBase64, 'base64')).toHaveLength(30);
      const ffmpegKey = randomBytes(30).toString('base64');
      await expect(transport.connect({ srtpParameters: { cryptoSuite: 'AEAD_AES_128_GCM', keyBase64: ffmpegKey } })).rejects.toThrow(/suite/);
      await transport.connect({ srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: ffmpegKey } });
      const video = await transport.produce({ kind: 'video', rtpParameters: { codecs: [VP8], encodings: [{ ssrc: 0x6001 }] } });
      processes.push(publishTestPattern({ codec: 'vp8', video: { port: transport.tuple.localPort, ssrc: 0x6001, payloadType: VP8.payloadType, srtpKey: ffmpegKey } }));
      const viewer = await ConsumerBot.start(router);
      bots.push(viewer);
      await viewer.consume(video);
      await waitFor('20 decoded frames from SRTP', async () => ((await viewer.inboundVideo())?.framesDecoded ?? 0) >= 20, { timeoutMs: 20_000 });

      // A sender with another key is not decrypted, and forwards nothing.
      const other = await router.createPlainTransport({ listenInfo: { ip: '127.0.0.1' }, comedia: true, enableSrtp: true });
      await other.connect({ srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: randomBytes(30).toString('base64') } });
      const refused = await other.produce({ kind: 'video', rtpParameters: { codecs: [VP8], encodings: [{ ssrc: 0x6002 }] } });
      processes.push(publishTestPattern({ codec: 'vp8', video: { port: other.tuple.localPort, ssrc: 0x6002, payloadType: VP8.payloadType, srtpKey: ffmpegKey } }));
      const counters = (other as unknown as { counters?: { srtpErrors: number } }).counters;
      if (counters) await waitFor('SRTP errors counted', () => counters.srtpErrors > 10);
      expect((await refused.getStats())[0]?.packetCount ?? 0).toBe(0);
      // Packets that did not decrypt named no peer: the right sender can still come.
      expect(other.tuple.remotePort).toBeUndefined();
      other.close();
      transport.close();
    });

    it('takes plain and pipe ports from the worker\'s RTC range, and frees them on close', async () => {
      const min = await freePortPair();
      const ranged = await engine.createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0, rtcPortRange: { min, max: min + 1 } });
      try {
        const r = await ranged.createRouter({ mediaCodecs: routerCodecs });
        const plain = await r.createPlainTransport({ listenIp: '127.0.0.1' });
        const pipe = await r.createPipeTransport({ listenIp: '127.0.0.1' });
        expect([plain.tuple.localPort, pipe.tuple.localPort].sort()).toEqual([min, min + 1]);
        await expect(r.createPlainTransport({ listenIp: '127.0.0.1' })).rejects.toMatchObject({ code: 'limit_reached' });
        plain.close();
        expect((await r.createPlainTransport({ listenIp: '127.0.0.1' })).tuple.localPort).toBe(plain.tuple.localPort);
      } finally {
        ranged.close();
      }
    });

    describe('hostile input', () => {
      it('drops garbage and packets from anyone but the learned peer, and keeps forwarding', async () => {
        const { videoTransport, video } = await ffmpegPublisher('vp8', 0x4000);
        const counters = (videoTransport as unknown as { counters?: { dropped: number } }).counters;
        const before = (await video.getStats())[0]!.packetCount;
        const peer = videoTransport.tuple;
        const stranger = dgram.createSocket('udp4');
        const garbage = [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(1500, 0xff), Buffer.from([0x80, 101, 0, 1, 0, 0, 0, 1, 0, 0, 0x40, 0x01, 9, 9])];
        for (const g of garbage) stranger.send(g, videoTransport.tuple.localPort, '127.0.0.1');
        // Every one but (perhaps) the empty datagram is counted; the engine without counters is judged by forwarding alone.
        await waitFor('the garbage counted', () => counters === undefined || counters.dropped >= garbage.length - 1);
        stranger.close();
        // The stranger's well-formed RTP (last) claimed the producer's SSRC: not one packet of it counts.
        await waitFor('forwarding to go on', async () => (await video.getStats())[0]!.packetCount > before + 30);
        // The stranger did not become the peer.
        expect(videoTransport.tuple).toEqual(peer);
      });

      it('refuses bad parameters with clear errors', async () => {
        await expect(router.createPlainTransport({})).rejects.toThrow(/listenInfo or listenIp/);
        // An address this machine does not have (TEST-NET-3).
        await expect(router.createPlainTransport({ listenIp: '203.0.113.1' })).rejects.toThrow(/cannot listen on 203.0.113.1/);
        const transport = await router.createPlainTransport({ listenIp: '127.0.0.1' });
        await expect(transport.connect({ ip: '127.0.0.1' })).rejects.toThrow(/port/);
        await expect(transport.connect({ port: 5000 })).rejects.toThrow(/ip is required/);
        await expect(transport.connect({ ip: '127.0.0.1', port: 70000 })).rejects.toThrow(/port/);
        await transport.connect({ ip: '127.0.0.1', port: 5000 });
        await expect(transport.connect({ ip: '127.0.0.1', port: 5000 })).rejects.toThrow(/already/);
        transport.close();
      });

      it('releases its ports when closed, and an ffmpeg that dies closes nothing else', async () => {
        const { videoTransport, audioTransport, video, ffmpeg } = await ffmpegPublisher('vp8', 0x5000);
        ffmpeg.kill();
        await ffmpeg.stop();
        expect(video.closed).toBe(false);
        expect(videoTransport.closed).toBe(false);
        const port = videoTransport.tuple.localPort;
        videoTransport.close();
        audioTransport.close();
        expect(video.closed).toBe(true);
        const socket = dgram.createSocket('udp4');
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind(port, '127.0.0.1', () => resolve());
        });
        socket.close();
      });
    });
  });
}

/** A UDP port someone is bound to (ffmpeg has opened it). */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(true));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}
