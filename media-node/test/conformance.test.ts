// The engine contract: every engine present on this machine must pass this, end to end, with
// real WebRTC bots (mediasoup-client over libwebrtc) on loopback.
import dgram from 'node:dgram';
import net from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { RtpPacket } from 'werift';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isVp8KeyframeStart } from '../src/engine/embedded/keyframe.ts';
import { engineAvailability } from '../src/engine/load.ts';
import type { EngineWorker, Router } from '../src/engine/types.ts';
import { ConsumerBot, PublisherBot, mediaCodecs } from './support/bots.ts';
import { LossyProxy, LossyRelay } from './support/lossy-proxy.ts';
import { RawPeer } from './support/raw-peer.ts';
import { letTimePass, waitFor, waitForEvent } from '../../schema/test/support/wait.ts';

const engines = await engineAvailability();

/** Loss tolerated at a consumer on loopback, as a fraction of packets received. */
const MAX_LOSS = 0.02;
/** First decoded frame after resume; the bench measures the real figure (target 300 ms). */
const MAX_FIRST_FRAME_MS = 1500;

for (const { name, engine, reason } of engines) {
  if (!engine) {
    console.warn(`conformance: ${name} engine skipped: ${reason}`);
    // Reported as skipped with the reason (no body: nothing here could pass or fail).
    it.skip(`${name} engine conformance: SKIPPED, ${reason}`);
    continue;
  }

  describe(`${name} engine conformance`, () => {
    let worker: EngineWorker;
    let router: Router;
    let publisher: PublisherBot;
    let publishedAt = 0;
    const bots: ConsumerBot[] = [];
    const consumerBot = async () => {
      const bot = await ConsumerBot.start(router);
      bots.push(bot);
      return bot;
    };
    const framesOf = async (bot: ConsumerBot) => (await bot.inboundVideo())?.framesDecoded ?? 0;
    const diagnose = (bot: ConsumerBot) => async () => ({
      client: await bot.clientStats(),
      server: { ice: bot.serverTransport.iceState, dtls: bot.serverTransport.dtlsState, tuple: bot.serverTransport.iceSelectedTuple },
      consumers: await Promise.all([...bot.consumers.values()].map(async ({ server }) => ({ paused: server.paused, layers: server.currentLayers, stats: await server.getStats() }))),
      counters: (bot.serverTransport as unknown as { counters?: unknown }).counters,
    });
    const waitForFrames = (bot: ConsumerBot, what: string, n: number, timeoutMs = 15_000) =>
      waitFor(what, async () => (await framesOf(bot)) >= n, { timeoutMs, diagnose: diagnose(bot) });

    beforeAll(async () => {
      worker = await engine.createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
      router = await worker.createRouter({ mediaCodecs });
      publishedAt = performance.now();
      publisher = await PublisherBot.start(router, { width: 960, height: 540, fps: 30, layers: [150_000, 500_000, 1_500_000], audio: true });
      // All three simulcast layers reach the engine once the publisher's bandwidth estimate ramps up.
      await waitFor('three simulcast layers at the engine', async () => {
        const stats = await publisher.videoProducer.getStats();
        return stats.length === 3 && stats.every((s) => s.packetCount > 10);
      }, { timeoutMs: 20_000 });
    });

    // A failed test must not leave its viewers decoding (and loading the CPU) for the next ones.
    afterEach(() => {
      for (const bot of bots.splice(0)) bot.close();
    });

    afterAll(() => {
      publisher?.close();
      worker?.close();
    });

    it('feeds back enough for the publisher to ramp up to its top layer within seconds', async () => {
      // 10 s on an idle machine. Beside the Worker tests in CI (load average above the cores) it
      // took 23.3 s once (2026-12-02): the publisher bot is starved too. The bound follows the
      // load, as the e2e recording test's does, and a failure says which it used.
      const boundMs = loadavg()[0]! / availableParallelism() > 1 ? 30_000 : 10_000;
      // Top layer capped at 1.5 Mbps: more than 700 kbps of it means the estimate has ramped up.
      await waitFor('the top layer above 700 kbps', async () => {
        const top = (await publisher.videoProducer.getStats()).find((s) => s.rid === 'r2');
        return (top?.bitrate ?? 0) > 700_000;
      }, { timeoutMs: boundMs, intervalMs: 100 });
      const rampUpMs = performance.now() - publishedAt;
      console.info(`${name}: top simulcast layer above 700 kbps ${Math.round(rampUpMs)} ms after publishing`);
      expect(rampUpMs, `${Math.round(rampUpMs)} ms (bound ${boundMs} ms at load average ${loadavg()[0]!.toFixed(1)})`).toBeLessThan(boundMs);
    });

    it('reports producer scores per simulcast layer', async () => {
      const scores = await waitFor('a score for every layer', () => {
        const s = publisher.videoProducer.score;
        return s.length === 3 && s.every((x) => x.score > 0) && s;
      });
      expect(scores.map((s) => s.rid)).toEqual(['r0', 'r1', 'r2']);
    });

    it('advertises only what it implements, and mediasoup-client accepts it', () => {
      const mimeTypes = router.rtpCapabilities.codecs!.map((c) => c.mimeType.toLowerCase());
      expect(mimeTypes).toEqual(expect.arrayContaining(['audio/opus', 'video/vp8']));
      expect(publisher.videoProducer.type).toBe('simulcast');
      expect(publisher.audioProducer?.kind).toBe('audio');
    });

    it('several consumers decode the simulcast video and receive the audio, with loss bounded', async () => {
      const viewers = await Promise.all([consumerBot(), consumerBot(), consumerBot()]);
      await Promise.all(viewers.map((v, i) => v.consume(publisher.videoProducer, i === 2 ? { preferredLayers: { spatialLayer: 0 } } : {})));
      await Promise.all(viewers.map((v) => v.consume(publisher.audioProducer!)));
      for (const v of viewers) await waitForFrames(v, '60 decoded frames', 60, 20_000);
      for (const v of viewers) {
        const video = (await v.inboundVideo())!;
        const audio = (await v.inboundAudio())!;
        expect(video.packetsLost / video.packetsReceived).toBeLessThanOrEqual(MAX_LOSS);
        expect(audio.packetsReceived).toBeGreaterThan(20);
        expect(audio.packetsLost / audio.packetsReceived).toBeLessThanOrEqual(MAX_LOSS);
      }
      const [top, , low] = await Promise.all(viewers.map(async (v) => (await v.inboundVideo())!.frameWidth));
      expect(top).toBeGreaterThan(low!);
      for (const v of viewers) v.close();
    });

    // Retried: a repair must arrive inside the receiver's jitter window, and on a 2-core machine
    // running the whole suite an event-loop stall can outlast it (seen once: 15 of 31 drops unrepaired).
    it('repairs 5 % downstream packet loss with NACKs', { retry: 2 }, async () => {
      let proxy: LossyProxy | undefined;
      const viewer = await ConsumerBot.start(router, async (candidates) => {
        proxy = await LossyProxy.open(candidates.find((c) => c.protocol === 'udp')!, { down: 0.05 });
        return [proxy.candidate];
      });
      bots.push(viewer);
      try {
        const { server } = await viewer.consume(publisher.videoProducer);
        await waitForFrames(viewer, '150 decoded frames through the lossy relay', 150, 30_000);
        const video = (await viewer.inboundVideo())!;
        const [sent] = await server.getStats();
        console.info(`${name}: relay dropped ${proxy!.dropped} of ${proxy!.dropped + proxy!.relayed} datagrams; engine resent ${sent!.packetsRetransmitted}; receiver lost ${video.packetsLost} of ${video.packetsReceived}`);
        expect(proxy!.dropped).toBeGreaterThan(10);
        expect(sent!.nackCount).toBeGreaterThan(0);
        expect(sent!.packetsRetransmitted).toBeGreaterThan(0);
        // What was dropped came back: the receiver counts far fewer losses than the relay made.
        expect(video.packetsLost).toBeLessThan(proxy!.dropped / 4);
      } finally {
        viewer.close();
        proxy?.close();
      }
    });

    // Retried: a repair must arrive inside the receiver's jitter window, and on a 2-core machine
    // running the whole suite an event-loop stall can outlast it (seen once: 15 of 31 drops unrepaired).
    it('repairs 5 % upstream packet loss by NACKing the publisher', { retry: 2 }, async () => {
      let proxy: LossyProxy | undefined;
      const lossy = await PublisherBot.start(router, {
        width: 640,
        height: 360,
        fps: 30,
        layers: [800_000],
        audio: false,
        candidates: async (candidates) => {
          proxy = await LossyProxy.open(candidates.find((c) => c.protocol === 'udp')!, { up: 0.05 });
          return [proxy.candidate];
        },
      });
      try {
        const viewer = await consumerBot();
        await viewer.consume(lossy.videoProducer);
        await waitForFrames(viewer, '150 decoded frames from the lossy publisher', 150, 30_000);
        const video = (await viewer.inboundVideo())!;
        const [received] = await lossy.videoProducer.getStats();
        console.info(`${name}: relay dropped ${proxy!.dropped} of ${proxy!.dropped + proxy!.relayed} datagrams from the publisher; engine NACKed ${received!.nackPacketCount}, repaired ${received!.packetsRepaired}; viewer lost ${video.packetsLost} of ${video.packetsReceived}`);
        expect(proxy!.dropped).toBeGreaterThan(10);
        expect(received!.nackCount).toBeGreaterThan(0);
        expect(video.packetsLost).toBeLessThan(proxy!.dropped / 4);
      } finally {
        lossy.close();
        proxy?.close();
      }
    });

    it('carries media over ICE-TCP when the client is given only the TCP candidate', async () => {
      const viewer = await ConsumerBot.start(router, (candidates) => candidates.filter((c) => c.protocol === 'tcp'));
      bots.push(viewer);
      await viewer.consume(publisher.videoProducer, { preferredLayers: { spatialLayer: 1 } });
      await viewer.consume(publisher.audioProducer!);
      await waitForFrames(viewer, '30 decoded frames over TCP', 30, 20_000);
      expect(viewer.serverTransport.iceSelectedTuple?.protocol).toBe('tcp');
      expect((await viewer.inboundAudio())?.packetsReceived).toBeGreaterThan(0);
    });

    it('preferred layers switch the received resolution, both ways', async () => {
      const viewer = await consumerBot();
      const { server } = await viewer.consume(publisher.videoProducer);
      const width = async () => (await viewer.inboundVideo())?.frameWidth ?? 0;
      // The sender may scale layers under CPU load: compare with what it sends right now.
      const receiving = (layer: number) => async () => {
        const widths = await publisher.layerWidths();
        return widths.length === 3 && (await width()) === widths[layer] && server.currentLayers?.spatialLayer === layer;
      };
      await waitFor('the top layer', receiving(2), { timeoutMs: 20_000 });
      await server.setPreferredLayers({ spatialLayer: 0 });
      await waitFor('the lowest layer', receiving(0));
      await server.setPreferredLayers({ spatialLayer: 1 });
      await waitFor('the middle layer', receiving(1));
      const widths = await publisher.layerWidths();
      expect(widths[0]).toBeLessThan(widths[1]!);
      expect(widths[1]).toBeLessThan(widths[2]!);
      viewer.close();
    });

    it('a new consumer gets a keyframe quickly', async () => {
      const viewer = await consumerBot();
      const { server } = await viewer.consume(publisher.videoProducer, { resume: false });
      const t0 = performance.now();
      await server.resume();
      await waitFor('the first decoded frame', async () => (await framesOf(viewer)) > 0, { timeoutMs: 5_000, intervalMs: 10, diagnose: diagnose(viewer) });
      const firstFrameMs = performance.now() - t0;
      expect(firstFrameMs).toBeLessThan(MAX_FIRST_FRAME_MS);
      expect((await viewer.inboundVideo())!.keyFramesDecoded).toBeGreaterThanOrEqual(1);
      viewer.close();
    });

    it('a plain consumer of the simulcast video sends one layer, the top unless preferred, from a keyframe, with a sender report first', async () => {
      const receiver = dgram.createSocket('udp4');
      const datagrams: Buffer[] = [];
      receiver.on('message', (d) => datagrams.push(d));
      await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', () => r()));
      const transport = await router.createPlainTransport({ listenIp: '127.0.0.1' });
      await transport.connect({ ip: '127.0.0.1', port: receiver.address().port });
      try {
        // The router's own capabilities offer video-orientation: a plain peer must not get it.
        const consumer = await transport.consume({ producerId: publisher.videoProducer.id, rtpCapabilities: router.rtpCapabilities, paused: true });
        expect(consumer.rtpParameters.headerExtensions?.map((e) => e.uri)).not.toContain('urn:3gpp:video-orientation');
        expect(consumer.rtpParameters.encodings).toHaveLength(1);
        await consumer.resume();
        const rtp = () => datagrams.filter((d) => d[1]! < 192 || d[1]! > 223).map((d) => RtpPacket.deSerialize(d));
        await waitFor('60 packets on the plain transport', () => rtp().length >= 60);
        expect(datagrams[0]![1]).toBe(200); // a sender report before any media
        expect(new Set(rtp().map((p) => p.header.ssrc))).toEqual(new Set([consumer.rtpParameters.encodings![0]!.ssrc]));
        expect(isVp8KeyframeStart(rtp()[0]!.payload)).toBe(true);
        expect(consumer.currentLayers?.spatialLayer).toBe(2);
        await consumer.setPreferredLayers({ spatialLayer: 0 });
        await waitFor('the lowest layer', () => consumer.currentLayers?.spatialLayer === 0);
      } finally {
        transport.close();
        receiver.close();
      }
    });

    describe('pipe to another worker', () => {
      let worker2: EngineWorker;
      let router2: Router;
      beforeAll(async () => {
        worker2 = await engine.createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
        router2 = await worker2.createRouter({ mediaCodecs });
      });
      afterAll(() => worker2?.close());

      it('carries every simulcast layer: a viewer on the other router decodes each and switches between them', async () => {
        const { pipeConsumer, pipeProducer } = await router.pipeToRouter({ producerId: publisher.videoProducer.id, router: router2 });
        expect(pipeProducer.type).toBe('simulcast');
        expect(pipeConsumer.rtpParameters.encodings).toHaveLength(3);
        const viewer = await consumerBot2();
        const { server } = await viewer.consume(pipeProducer, { preferredLayers: { spatialLayer: 0 } });
        await waitForFrames(viewer, 'frames of the lowest layer through the pipe', 20);
        let width = (await viewer.inboundVideo())!.frameWidth;
        for (const spatialLayer of [1, 2]) {
          await server.setPreferredLayers({ spatialLayer });
          const previous = width;
          width = await waitFor(`layer ${spatialLayer} through the pipe`, async () => {
            const w = (await viewer.inboundVideo())!.frameWidth;
            return w > previous && w;
          }, { diagnose: diagnose(viewer) });
        }
        expect(width).toBe(960);
        // A second pipe of the same producer reuses the transport pair.
        const again = await router.pipeToRouter({ producerId: publisher.audioProducer!.id, router: router2 });
        expect(again.pipeProducer.kind).toBe('audio');
      });

      it('closing the producer closes its pipe producer and the consumers on the other router', async () => {
        const second = await PublisherBot.start(router, { width: 320, height: 180, fps: 15, layers: [300_000], audio: false });
        const { pipeProducer } = await router.pipeToRouter({ producerId: second.videoProducer.id, router: router2 });
        const viewer = await consumerBot2();
        const { server } = await viewer.consume(pipeProducer);
        await waitForFrames(viewer, 'frames through the pipe', 10);
        second.close();
        await waitFor('the pipe producer and its consumer closed', () => pipeProducer.closed && server.closed);
      });

      it('repairs 5 % loss on the pipe with NACKs', { retry: 2 }, async () => {
        const relay = await LossyRelay.open(0.05);
        const near = await router.createPipeTransport({ listenIp: '127.0.0.1' });
        const far = await router2.createPipeTransport({ listenIp: '127.0.0.1' });
        try {
          relay.between(near.tuple.localPort, far.tuple.localPort);
          await near.connect({ ip: '127.0.0.1', port: relay.nearPort });
          await far.connect({ ip: '127.0.0.1', port: relay.farPort });
          const pipeConsumer = await near.consume({ producerId: publisher.videoProducer.id, rtpCapabilities: {} });
          const pipeProducer = await far.produce({ kind: 'video', rtpParameters: pipeConsumer.rtpParameters });
          const viewer = await consumerBot2();
          await viewer.consume(pipeProducer, { preferredLayers: { spatialLayer: 1 } });
          await waitForFrames(viewer, '90 frames through the lossy pipe', 90, 20_000);
          const video = (await viewer.inboundVideo())!;
          const resent = (await pipeConsumer.getStats()).reduce((n, s) => n + s.packetsRetransmitted, 0);
          console.info(`${name}: pipe with 5 % loss: ${relay.dropped} dropped, ${resent} resent; viewer lost ${video.packetsLost} of ${video.packetsReceived}`);
          expect(relay.dropped).toBeGreaterThan(10);
          expect(resent).toBeGreaterThan(0);
          expect(video.packetsLost / video.packetsReceived).toBeLessThanOrEqual(MAX_LOSS);
        } finally {
          near.close();
          far.close();
          relay.close();
        }
      });

      const consumerBot2 = async () => {
        const bot = await ConsumerBot.start(router2);
        bots.push(bot);
        return bot;
      };
    });

    it('pause stops the flow and resume restarts it', async () => {
      const viewer = await consumerBot();
      const { server } = await viewer.consume(publisher.videoProducer);
      await waitForFrames(viewer, 'frames', 10);
      await server.pause();
      expect(server.paused).toBe(true);
      // Stopped: no packet arrives during a 300 ms window (a negative check: it needs time to pass;
      // retried while packets already in flight when pause took effect still arrive).
      await waitFor('the flow to stop', async () => {
        const a = (await viewer.inboundVideo())!.packetsReceived;
        await letTimePass(300);
        return (await viewer.inboundVideo())!.packetsReceived === a;
      });
      const frozen = await framesOf(viewer);
      await server.resume();
      await waitForFrames(viewer, 'frames after resume', frozen + 15);
      const video = (await viewer.inboundVideo())!;
      expect(video.packetsLost).toBeLessThanOrEqual(Math.ceil(video.packetsReceived * MAX_LOSS));
      viewer.close();
    });

    it('closing a transport closes its producers and consumers, and the peers are told', async () => {
      const second = await PublisherBot.start(router, { width: 320, height: 180, fps: 15, layers: [300_000], audio: false });
      const viewer = await consumerBot();
      const { server: consumer, client } = await viewer.consume(second.videoProducer);
      await waitFor('frames from the second publisher', async () => (await framesOf(viewer)) >= 5, {
        diagnose: async () => ({
          producer: await second.videoProducer.getStats(),
          consumer: await consumer.getStats(),
          viewer: await viewer.inboundVideo(),
          publisherOut: await second.outbound(),
          viewerTransport: { ice: viewer.serverTransport.iceState, dtls: viewer.serverTransport.dtlsState, client: viewer.clientTransport.connectionState },
          publisherTransport: { ice: second.serverTransport.iceState, dtls: second.serverTransport.dtlsState, client: second.clientTransport.connectionState },
        }),
      });
      const producerClosed = waitForEvent(second.videoProducer, 'transportclose');
      const consumerTold = waitForEvent(consumer, 'producerclose');
      const transportClosed = waitForEvent(second.serverTransport, 'close');
      second.serverTransport.close();
      await Promise.all([producerClosed, consumerTold, transportClosed]);
      expect(second.videoProducer.closed).toBe(true);
      expect(consumer.closed).toBe(true);
      await waitFor('the viewer to be told', () => client.closed);
      expect(router.canConsume({ producerId: second.videoProducer.id, rtpCapabilities: viewer.rtpCapabilities })).toBe(false);
      second.close();

      // The viewer side: its transport's consumers close with it.
      const { server: other } = await viewer.consume(publisher.videoProducer);
      const otherClosed = waitForEvent(other, 'transportclose');
      viewer.serverTransport.close();
      await otherClosed;
      expect(other.closed).toBe(true);
      viewer.close();
    });

    it('ICE restart recovers the media path', async () => {
      const viewer = await consumerBot();
      const { server } = await viewer.consume(publisher.videoProducer);
      await waitForFrames(viewer, 'frames', 10);
      const oldParameters = viewer.serverTransport.iceParameters;
      const iceParameters = await viewer.serverTransport.restartIce();
      expect(iceParameters.usernameFragment).not.toBe(oldParameters.usernameFragment);
      await viewer.clientTransport.restartIce({ iceParameters: iceParameters as never });
      const before = await framesOf(viewer);
      await waitForFrames(viewer, 'frames after the restart', before + 30);
      expect(viewer.clientTransport.connectionState).toBe('connected');
      expect(viewer.serverTransport.iceState).toMatch(/connected|completed/);
      // The old credentials no longer open the transport.
      const peer = await RawPeer.open();
      try {
        expect(await peer.bindingRequest(viewer.serverTransport.iceCandidates.find((c) => c.protocol === 'udp')!, oldParameters, { nominate: false, timeoutMs: 400 })).toBeUndefined();
      } finally {
        peer.close();
      }
      expect(server.closed).toBe(false);
      viewer.close();
    });

    it('closing a router or a worker closes everything under it', async () => {
      const other = await engine.createWorker({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
      const r1 = await other.createRouter({ mediaCodecs });
      const r2 = await other.createRouter({ mediaCodecs });
      const t1 = await r1.createWebRtcTransport();
      const t2 = await r2.createWebRtcTransport();
      const routerClosed = waitForEvent(t1, 'routerclose');
      r1.close();
      await routerClosed;
      expect(t1.closed).toBe(true);
      const workerClosed = waitForEvent(r2, 'workerclose');
      const transportClosed = waitForEvent(t2, 'close');
      other.close();
      await Promise.all([workerClosed, transportClosed]);
      expect(r2.closed).toBe(true);
      expect(t2.closed).toBe(true);
    });

    describe('hostile input', () => {
      it('ignores STUN with a bad MESSAGE-INTEGRITY and answers a good one', async () => {
        const transport = await router.createWebRtcTransport();
        const peer = await RawPeer.open();
        try {
          const candidate = transport.iceCandidates.find((c) => c.protocol === 'udp')!;
          const bad = await peer.bindingRequest(candidate, transport.iceParameters, { password: 'not-the-password', timeoutMs: 500 });
          expect(bad).toBeUndefined();
          expect(transport.iceState).toBe('new');
          const good = await peer.bindingRequest(candidate, transport.iceParameters);
          expect(good?.getAttributeValue('XOR-MAPPED-ADDRESS')).toBeDefined();
        } finally {
          peer.close();
          transport.close();
        }
      });

      it('refuses a DTLS peer whose certificate does not match the fingerprint from connect()', async () => {
        const transport = await router.createWebRtcTransport();
        const peer = await RawPeer.open();
        try {
          const candidate = transport.iceCandidates.find((c) => c.protocol === 'udp')!;
          // connect() names one certificate; the peer then presents another.
          await transport.connect({ dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:'.repeat(31) + 'AB' }] } });
          expect(await peer.bindingRequest(candidate, transport.iceParameters)).toBeDefined();
          const failed = waitForEvent(transport, 'dtlsstatechange', 10_000);
          const states: string[] = [];
          transport.on('dtlsstatechange', (s) => states.push(s));
          await peer.dtlsHandshake(candidate);
          await failed;
          await waitFor('DTLS to fail', () => transport.dtlsState === 'failed');
          expect(states).not.toContain('connected');
          if ('dtlsFailureReason' in transport) expect(String(transport.dtlsFailureReason)).toMatch(/fingerprint/);
        } finally {
          peer.close();
          transport.close();
        }
      });

      it('accepts the same DTLS peer when the fingerprint matches, and ignores forged records after', async () => {
        const transport = await router.createWebRtcTransport();
        const peer = await RawPeer.open();
        try {
          const candidate = transport.iceCandidates.find((c) => c.protocol === 'udp')!;
          const { createCertificate } = await import('../src/engine/embedded/certificate.ts');
          const certificate = await createCertificate();
          await transport.connect({ dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: certificate.fingerprint }] } });
          expect(await peer.bindingRequest(candidate, transport.iceParameters)).toBeDefined();
          await peer.dtlsHandshake(candidate, certificate);
          await waitFor('DTLS to connect', () => transport.dtlsState === 'connected');
          // Forged plaintext alerts (close_notify) and handshake records do not end the session.
          peer.send(Buffer.from([21, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 50, 0, 2, 2, 0]), candidate);
          peer.send(Buffer.concat([Buffer.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 60, 0, 12]), Buffer.alloc(12, 1)]), candidate);
          // Then a binding request, answered only after both records were processed in order.
          expect(await peer.bindingRequest(candidate, transport.iceParameters, { nominate: false })).toBeDefined();
          expect(transport.dtlsState).toBe('connected');
        } finally {
          peer.close();
          transport.close();
        }
      });

      it('takes the DTLS client role when the peer says it is the server', async () => {
        const transport = await router.createWebRtcTransport();
        const peer = await RawPeer.open();
        try {
          const candidate = transport.iceCandidates.find((c) => c.protocol === 'udp')!;
          const { createCertificate } = await import('../src/engine/embedded/certificate.ts');
          const certificate = await createCertificate();
          const { socket } = await peer.dtlsHandshake(candidate, certificate, 'server');
          const peerConnected = new Promise<void>((resolve) => socket.onConnect.once(() => resolve()));
          await transport.connect({ dtlsParameters: { role: 'server', fingerprints: [{ algorithm: 'sha-256', value: certificate.fingerprint }] } });
          // ICE first: the engine, as DTLS client, starts once it has a path.
          expect(await peer.bindingRequest(candidate, transport.iceParameters)).toBeDefined();
          await waitFor('DTLS to connect', () => transport.dtlsState === 'connected');
          await peerConnected;
        } finally {
          peer.close();
          transport.close();
        }
      });

      it('drops garbage datagrams and keeps forwarding', async () => {
        const viewer = await consumerBot();
        await viewer.consume(publisher.videoProducer);
        await waitForFrames(viewer, 'frames', 10);
        const target = viewer.serverTransport.iceCandidates.find((c) => c.protocol === 'udp')!;
        const peer = await RawPeer.open();
        try {
          const samples = [
            Buffer.alloc(0),
            Buffer.from([0x00]),
            Buffer.from([0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0xff, 0xff]),
            Buffer.concat([Buffer.from([0x16, 0xfe, 0xfd]), Buffer.alloc(40, 0xff)]),
            Buffer.concat([Buffer.from([0x80, 0x60]), Buffer.alloc(30, 0x55)]),
            Buffer.concat([Buffer.from([0x80, 0xc8]), Buffer.alloc(30, 0x55)]),
          ];
          for (let i = 0; i < 200; i++) {
            peer.send(samples[i % samples.length]!, target);
            peer.send(Buffer.from(Array.from({ length: 1 + (i % 300) }, () => Math.floor(Math.random() * 256))), target);
          }
          // The same over ICE-TCP: random bytes, then a framed non-STUN packet.
          const tcpCandidate = viewer.serverTransport.iceCandidates.find((c) => c.protocol === 'tcp');
          if (tcpCandidate) {
            const socket = net.connect(tcpCandidate.port, tcpCandidate.address);
            socket.on('error', () => {});
            await new Promise((r) => socket.once('connect', r));
            socket.write(Buffer.from([0x00, 0x05, 1, 2, 3, 4, 5]));
            socket.write(Buffer.alloc(3000, 0x42));
            await waitFor('the engine to drop the TCP connection', () => socket.destroyed || socket.readableEnded, { timeoutMs: 5_000 }).catch(() => socket.destroy());
          }
          const before = await framesOf(viewer);
          await waitForFrames(viewer, 'frames after the garbage', before + 20);
        } finally {
          peer.close();
        }
        expect(worker.closed).toBe(false);
        if ('datagramStats' in worker) {
          const stats = (worker as unknown as { datagramStats: { datagramsDropped: number } }).datagramStats;
          expect(stats.datagramsDropped).toBeGreaterThanOrEqual(200);
        }
        viewer.close();
      });
    });
  });
}
