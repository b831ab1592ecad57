// WHIP ingest end to end, every part real: the Worker under wrangler dev (WHIP endpoint, RoomDO),
// a media node on the embedded engine, a WHIP client written by others (whip-whep, medooze's
// browser client) publishing Chromium's fake camera and microphone, and a viewer bot
// (mediasoup-client over libwebrtc) decoding the video through the room like any viewer.
// It prints the time from the WHIP POST to the viewer's first decoded frame.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../web/test/e2e/browser.ts';
import { waitFor } from '../schema/test/support/wait.ts';
import { RoomSignal, Viewer } from './support/media-peer.ts';
import { startFleetStack, waitUntil, type FleetStack } from './support/stack.ts';
import { encoderPage, ingestRoom, publish } from './support/whip-encoder.ts';

const verbose = process.env.FLEET_IT_VERBOSE === '1';

let stack: FleetStack;
let chromium: TestBrowser;
beforeAll(async () => {
  stack = await startFleetStack(verbose ? (l) => console.log(l) : undefined);
  await stack.startNode('it-ingest-node', 0);
  // The encoder's camera at 10 fps, not the browser tests' 5: with 5 the ICE restart case failed
  // both tries of a CI run (2026-12-02: the encoder's connection `failed` after the restart) and
  // it passed at 10 in every run before. Why the rate matters is not found.
  chromium = await launchBrowser({}, ['--use-fake-device-for-media-stream=fps=10']);
}, 180_000);
afterAll(async () => {
  await chromium?.close();
  await stack?.stop();
});

const firstDecodedFrame = (viewer: Viewer, timeoutMs: number, minFrames = 1) =>
  waitUntil('the viewer decoding the encoder’s video', timeoutMs, async () => {
    const v = await viewer.video();
    return v.framesDecoded >= minFrames ? v : undefined;
  });

describe('ingest over WHIP', () => {
  it('publishes from a WHIP client in Chromium, a viewer decodes it, trickle and ICE restart work, DELETE ends it', async () => {
    const room = await ingestRoom(stack.url, 'WHIP desk');
    // The room is live (as the host's Go live would make it) and a viewer waits for a producer.
    await room.start();
    const viewerJoin = await room.joinViewer('Viewer bot');
    const viewerSignal = await RoomSignal.join(viewerJoin.signalingUrl, viewerJoin.token);
    const viewer = new Viewer(viewerSignal.signal);
    await viewer.start();

    const page = await encoderPage(chromium, stack.url);
    const producersAdded = viewerSignal.signal.next((m) => m.type === 'media.producer_added' && m.producer.kind === 'video', 20_000);
    const { location, etag, postedAt } = await publish(page, room.whipUrl, room.streamKey);
    const answeredMs = Date.now() - postedAt;
    expect(location).toMatch(new RegExp(`/api/v1/ingest/whip/${room.roomId}/[\\w-]{43}$`));
    expect(etag).toMatch(/^".+"$/);
    const added = await producersAdded;
    const firstPacket = await waitUntil('the viewer receiving packets', 20_000, async () => ((await viewer.video()).packetsReceived > 0 ? Date.now() : undefined));
    console.log(`ingest whip: 201 answered ${answeredMs} ms, first packet at the viewer ${firstPacket - postedAt} ms after the offer was made and POSTed`);
    expect(added.producer).toMatchObject({ identity: `ingest:${room.roomId}`, source: 'camera' });
    const decoded = await firstDecodedFrame(viewer, 20_000);
    const firstFrameMs = Date.now() - postedAt;
    console.log(`ingest whip: viewer's first decoded frame ${firstFrameMs} ms after the offer was made and POSTed (goal 1500 ms)`);
    expect(decoded.frameWidth).toBeGreaterThan(0);
    await firstDecodedFrame(viewer, 10_000, 30);

    // State and webhooks are written just after the 201 (whip-routes.ts).
    await waitUntil('the ingest state live', 5_000, async () => (await room.settings()).state === 'live');
    expect(await room.settings()).toMatchObject({ state: 'live', protocol: 'whip', lastError: null });
    await waitUntil('ingest.connected logged for the webhook', 5_000, async () => (await room.hookEvents()).includes('ingest.connected'));

    // Trickle: the client's own ufrag and the current ETag -> 204.
    const sdpfrag = await page.evaluate(() => {
      const sdp = (window as any).pc.localDescription.sdp as string;
      return `a=ice-ufrag:${/a=ice-ufrag:(.*)\r\n/.exec(sdp)![1]}\r\na=ice-pwd:${/a=ice-pwd:(.*)\r\n/.exec(sdp)![1]}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2113937151 192.0.2.10 50000 typ host\r\n`;
    });
    const trickle = await fetch(location, { method: 'PATCH', headers: { 'content-type': 'application/trickle-ice-sdpfrag', 'if-match': etag }, body: sdpfrag });
    expect(trickle.status).toBe(204);
    const stale = await fetch(location, { method: 'PATCH', headers: { 'content-type': 'application/trickle-ice-sdpfrag', 'if-match': '"stale"' }, body: sdpfrag });
    expect(stale.status).toBe(412);

    // ICE restart by the client itself (whip-whep's restart(): new ufrag, If-Match "*"); the
    // viewer keeps decoding afterwards.
    const restarted = await page.evaluate(async () => {
      const client = (window as any).whip;
      await client.restart();
      const deadline = Date.now() + 10_000;
      while (client.restartIce && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      return { pending: Boolean(client.restartIce), etag: String(client.etag) };
    });
    expect(restarted.pending).toBe(false);
    expect(restarted.etag).not.toBe(etag);
    const afterRestart = (await viewer.video()).framesDecoded;
    // 15 s ran out once in a CI run at load average 8: the viewer decodes at a few frames a second then.
    // On a timeout it says which side stopped: the encoder's sending (and its ICE pair) or the viewer's receiving.
    const encoderStats = () =>
      page.evaluate(async () => {
        const pc = (window as any).pc as RTCPeerConnection;
        const out: Record<string, unknown> = { connection: pc.connectionState, ice: pc.iceConnectionState };
        (await pc.getStats()).forEach((s) => {
          if (s.type === 'outbound-rtp' && s.kind === 'video') out[`video ${s.rid ?? s.ssrc}`] = { bytesSent: s.bytesSent, framesEncoded: s.framesEncoded, pli: s.pliCount };
          if (s.type === 'candidate-pair' && s.nominated) out[`pair ${s.id}`] = { state: s.state, bytesSent: s.bytesSent, bytesReceived: s.bytesReceived, responsesReceived: s.responsesReceived };
        });
        return out;
      });
    await waitFor('the viewer still decoding after the ICE restart', async () => (await viewer.video()).framesDecoded > afterRestart + 30, {
      timeoutMs: 30_000,
      intervalMs: 100,
      diagnose: async () => ({ viewer: await viewer.video(), framesDecodedAtRestart: afterRestart, encoder: await encoderStats() }),
    });
    expect(await page.evaluate(() => (window as any).pc.connectionState)).toBe('connected');

    // DELETE (whip-whep's stop()): the producers close for the viewer, the state goes idle.
    const closed = viewerSignal.signal.next((m) => m.type === 'media.producer_closed', 10_000);
    await page.evaluate(() => (window as any).whip.stop());
    await closed;
    // Written just after the producers close, as `live` is just after the 201: a CI run under
    // load read `live` right after the close.
    await waitUntil('the ingest state idle', 5_000, async () => ((await room.settings()).state === 'idle' ? true : undefined));
    expect((await fetch(location, { method: 'DELETE' })).status).toBe(404);
    await waitUntil('ingest.disconnected logged for the webhook', 5_000, async () => (await room.hookEvents()).includes('ingest.disconnected'));

    expect(viewerSignal.signal.refused).toEqual([]);
    viewer.close();
    await page.close();
  }, 120_000);

  it('goes live by itself, and a second encoder with the same key replaces the first', async () => {
    const room = await ingestRoom(stack.url, 'WHIP takeover');
    const first = await encoderPage(chromium, stack.url);
    await publish(first, room.whipUrl, room.streamKey);
    // The encoder made the room live: a public viewer may join now and sees its producers.
    const viewerJoin = await room.joinViewer('Viewer bot');
    const viewerSignal = await RoomSignal.join(viewerJoin.signalingUrl, viewerJoin.token);
    const viewer = new Viewer(viewerSignal.signal);
    await viewer.start();
    await firstDecodedFrame(viewer, 20_000, 10);

    const second = await encoderPage(chromium, stack.url);
    const replaced = viewerSignal.signal.next((m) => m.type === 'media.producer_closed', 15_000);
    const consumers = viewer.consumerIds.length;
    await publish(second, room.whipUrl, room.streamKey);
    await replaced;
    // The first encoder's transport is closed on the node: frames decoded from here on are the second's.
    const before = (await viewer.video()).framesDecoded;
    await waitUntil('the viewer decoding the second encoder', 20_000, async () => {
      if (viewer.consumerIds.length <= consumers) return undefined;
      return (await viewer.video()).framesDecoded > before + 20;
    });
    const events = await waitUntil('both connections logged for the webhook', 5_000, async () => {
      const logged = await room.hookEvents();
      return logged.filter((e) => e === 'ingest.connected').length >= 2 ? logged : undefined;
    });
    expect(events.filter((e) => e === 'ingest.connected')).toHaveLength(2);
    expect(events).toContain('ingest.disconnected');

    // Ending the room ends the encoder's session on the node's side: the state goes idle there too.
    await room.end();
    await waitUntil('the ingest state idle after the room ended', 10_000, async () => (await room.settings()).state === 'idle');
    viewer.close();
    await first.close();
    await second.close();
  }, 120_000);
});
