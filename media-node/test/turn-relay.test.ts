// TURN end to end against a real coturn (Debian's coturn package, scripts/local/coturn.ts) with
// the credentials the Worker mints (workers/src/rooms/turn-credentials.ts, coturn's TURN REST
// API): libwebrtc gets a relay allocation with a fresh credential and none with a forged or an
// expired one; and Debian's Chromium, forced to relay only (iceTransportPolicy 'relay', as a
// browser on a network that blocks the media ports), publishes a canvas track through coturn to
// the room router and watches it back through coturn, decoding frames, both transports on a
// relay candidate pair. Skipped, with the reason, where coturn or Chromium is missing (.ci/run
// installs both).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hasCoturn, startCoturn, type Coturn } from '../../scripts/local/coturn.ts';
import { mintIceServers, turnPassword, type IceServer } from '../../workers/src/rooms/turn-credentials.ts';
import { EmbeddedWorker } from '../src/engine/embedded/worker.ts';
import type { Router, WebRtcTransport } from '../src/engine/types.ts';
import { ROOM_MEDIA_CODECS } from '../src/fleet/room-session.ts';
import { installWrtcGlobals } from './support/wrtc.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SECRET = 'turn-relay-test-secret-0123456789abcdef';
const coturnHere = hasCoturn();

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

let coturn: Coturn;
const coturnLog: string[] = [];

beforeAll(async () => {
  if (!coturnHere) return;
  coturn = await startCoturn({ port: await freePort(), secret: SECRET, minPort: 47000, maxPort: 47999, log: (l) => coturnLog.push(l) });
}, 20_000);
afterAll(async () => {
  await coturn?.stop();
});

/** The ICE candidate types libwebrtc gathers with these servers, relay only. */
async function relayCandidates(iceServers: IceServer[]): Promise<string[]> {
  installWrtcGlobals();
  const pc = new (globalThis as unknown as { RTCPeerConnection: new (c: unknown) => any }).RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
  const types: string[] = [];
  try {
    const done = new Promise<void>((resolve) => {
      pc.onicecandidate = (e: { candidate: { candidate: string } | null }) => {
        if (!e.candidate) return resolve();
        const typ = / typ (\w+)/.exec(e.candidate.candidate)?.[1];
        if (typ) types.push(typ);
      };
      setTimeout(resolve, 8000);
    });
    pc.createDataChannel('probe');
    await pc.setLocalDescription(await pc.createOffer());
    await done;
  } finally {
    pc.close();
  }
  return types;
}

describe.skipIf(!coturnHere)('TURN through coturn with Worker-minted credentials', () => {
  it('allocates a relay with a fresh credential, and refuses forged and expired ones', async () => {
    const turn = { secret: SECRET, urls: coturn.urls, ttlSeconds: 600 };
    const fresh = await mintIceServers(turn, 'user:fresh');
    expect((await relayCandidates(fresh)).filter((t) => t === 'relay').length).toBeGreaterThan(0);

    const forged = await mintIceServers({ ...turn, secret: 'another-secret-0123456789abcdef012345' }, 'user:forged');
    expect(await relayCandidates(forged)).toEqual([]);

    // Signed with the right secret, but its expiry has passed.
    const expiredName = `${Math.floor(Date.now() / 1000) - 60}:user_expired`;
    const expired: IceServer[] = [{ urls: coturn.urls, username: expiredName, credential: await turnPassword(SECRET, expiredName) }];
    expect(await relayCandidates(expired)).toEqual([]);

    // A fresh user name with someone else's password.
    const [stolen] = fresh;
    expect(await relayCandidates([{ ...stolen!, username: `${Math.floor(Date.now() / 1000) + 600}:user_other` }])).toEqual([]);
  }, 40_000);

  describe.skipIf(!existsSync(CHROMIUM))('Chromium, relay only', () => {
    let worker: EmbeddedWorker;
    let router: Router;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      worker = await EmbeddedWorker.create({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
      router = await worker.createRouter({ mediaCodecs: ROOM_MEDIA_CODECS });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] });
      page = await browser.newPage();
      await page.setContent('<canvas width="320" height="180"></canvas><video autoplay muted playsinline></video>');
      const entry = createRequire(import.meta.url).resolve('mediasoup-client');
      const bundle = await build({ stdin: { contents: `export { Device } from ${JSON.stringify(entry)};`, resolveDir: process.cwd() }, bundle: true, format: 'iife', globalName: 'msc', platform: 'browser', write: false, logLevel: 'silent' });
      await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      worker?.close();
    });

    it('publishes and watches through coturn, decoding frames, on relay candidate pairs', async () => {
      const iceServers = await mintIceServers({ secret: SECRET, urls: coturn.urls, ttlSeconds: 600 }, 'user:chromium');
      const sendT: WebRtcTransport = await router.createWebRtcTransport();
      const recvT: WebRtcTransport = await router.createWebRtcTransport();
      const params = (t: WebRtcTransport) => ({ id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters, iceServers, iceTransportPolicy: 'relay' });
      await page.exposeFunction('connectSend', (dtlsParameters: never) => sendT.connect({ dtlsParameters }));
      await page.exposeFunction('connectRecv', (dtlsParameters: never) => recvT.connect({ dtlsParameters }));
      await page.exposeFunction('produce', async (kind: 'video', rtpParameters: never) => (await sendT.produce({ kind, rtpParameters })).id);

      // Publish: a moving canvas through a relay-only send transport.
      const { caps, producerId } = await page.evaluate(
        async ({ routerRtpCapabilities, sendParams }) => {
          const w = globalThis as any;
          w.device = new w.msc.Device({ handlerName: 'Chrome111' });
          await w.device.load({ routerRtpCapabilities });
          const canvas = w.document.querySelector('canvas');
          const ctx = canvas.getContext('2d');
          let n = 0;
          setInterval(() => {
            n++;
            ctx.fillStyle = `hsl(${(n * 7) % 360} 80% 50%)`;
            ctx.fillRect(0, 0, 320, 180);
            ctx.fillStyle = '#fff';
            ctx.fillText(String(n), 20 + (n % 280), 90);
          }, 33);
          const track = canvas.captureStream(30).getVideoTracks()[0];
          w.send = w.device.createSendTransport(sendParams);
          w.send.on('connect', ({ dtlsParameters }: any, ok: any, fail: any) => w.connectSend(dtlsParameters).then(ok, fail));
          w.send.on('produce', ({ kind, rtpParameters }: any, ok: any, fail: any) => w.produce(kind, rtpParameters).then((id: string) => ok({ id }), fail));
          const producer = await w.send.produce({ track });
          return { caps: w.device.rtpCapabilities, producerId: producer.id as string };
        },
        { routerRtpCapabilities: router.rtpCapabilities, sendParams: params(sendT) } as never,
      );

      // Watch it back through a relay-only receive transport.
      const consumer = await recvT.consume({ producerId, rtpCapabilities: caps, paused: true });
      await page.evaluate(
        async ({ recvParams, consumerParams }) => {
          const w = globalThis as any;
          w.recv = w.device.createRecvTransport(recvParams);
          w.recv.on('connect', ({ dtlsParameters }: any, ok: any, fail: any) => w.connectRecv(dtlsParameters).then(ok, fail));
          const c = await w.recv.consume(consumerParams);
          w.document.querySelector('video').srcObject = new w.MediaStream([c.track]);
        },
        { recvParams: params(recvT), consumerParams: { id: consumer.id, producerId, kind: 'video', rtpParameters: consumer.rtpParameters } } as never,
      );
      await consumer.resume();

      const decoded = () =>
        page.evaluate(async () => {
          const w = globalThis as any;
          let frames = 0;
          (await w.recv.getStats()).forEach((s: any) => {
            if (s.type === 'inbound-rtp' && s.kind === 'video') frames = Math.max(frames, s.framesDecoded ?? 0);
          });
          return frames;
        });
      await vi.waitFor(async () => expect(await decoded()).toBeGreaterThan(30), { timeout: 30_000, interval: 250 });

      // Both transports talk to the node through coturn: their selected pairs are relay candidates.
      const localTypes = await page.evaluate(async () => {
        const w = globalThis as any;
        const typeOf = async (t: any) => {
          const stats = new Map<string, any>();
          (await t.getStats()).forEach((s: any) => stats.set(s.id, s));
          const transport = [...stats.values()].find((s) => s.type === 'transport');
          const pair = stats.get(transport?.selectedCandidatePairId);
          return stats.get(pair?.localCandidateId)?.candidateType;
        };
        return { send: await typeOf(w.send), recv: await typeOf(w.recv) };
      });
      expect(localTypes).toEqual({ send: 'relay', recv: 'relay' });
      const tuple = recvT.iceSelectedTuple;
      expect(tuple?.remoteIp).toBe('127.0.0.1');
      expect(tuple!.remotePort).toBeGreaterThanOrEqual(47000);
      expect(tuple!.remotePort).toBeLessThanOrEqual(47999);
    }, 60_000);
  });
});
