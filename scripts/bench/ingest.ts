// `npm run bench:ingest`: how long after an encoder's WHIP POST a viewer sees its picture.
// whip-whep in Chromium (fake camera and microphone) publishes into a fresh room BENCH_INGEST_RUNS
// times; a viewer bot (mediasoup-client over libwebrtc) already waits in the room. Each run is
// timed from just before the offer is made and POSTed (getUserMedia excluded) to the 201, to the
// viewer's first video packet and to its first decoded frame (polled every 100 ms, so up to
// 100 ms late). Runs its own stack on the fleet test's ports (FLEET_IT_*): not beside that test.
// The last line is one JSON object with medians. The goal is under 1,500 ms.
import { launchBrowser } from '../../web/test/e2e/browser.ts';
import { RoomSignal, Viewer } from '../../integration/support/media-peer.ts';
import { startFleetStack, waitUntil } from '../../integration/support/stack.ts';
import { encoderPage, ingestRoom, publish } from '../../integration/support/whip-encoder.ts';

const runs = Number(process.env.BENCH_INGEST_RUNS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const stack = await startFleetStack();
const chromium = await launchBrowser();
const results: { answerMs: number; firstPacketMs: number; firstFrameMs: number }[] = [];
try {
  await stack.startNode('bench-ingest-node', 0);
  for (let i = 0; i < runs; i++) {
    const room = await ingestRoom(stack.url, `Ingest bench ${i}`);
    await room.start();
    const join = await room.joinViewer('Bench viewer');
    const { signal } = await RoomSignal.join(join.signalingUrl, join.token);
    const viewer = new Viewer(signal);
    await viewer.start();
    const page = await encoderPage(chromium, stack.url);
    const { postedAt } = await publish(page, room.whipUrl, room.streamKey);
    const answerMs = Date.now() - postedAt;
    let firstPacketMs = NaN;
    const firstFrameMs = await waitUntil('the first decoded frame', 30_000, async () => {
      const v = await viewer.video();
      if (v.packetsReceived > 0 && Number.isNaN(firstPacketMs)) firstPacketMs = Date.now() - postedAt;
      return v.framesDecoded > 0 ? Date.now() - postedAt : undefined;
    });
    results.push({ answerMs, firstPacketMs, firstFrameMs });
    console.log(`run ${i + 1}/${runs}: 201 after ${answerMs} ms, first packet ${firstPacketMs} ms, first decoded frame ${firstFrameMs} ms`);
    await page.evaluate(() => (window as unknown as { whip: { stop(): Promise<void> } }).whip.stop());
    viewer.close();
    await page.close();
  }
} finally {
  await chromium.close();
  await stack.stop();
}
console.log(
  JSON.stringify({
    runs: results.length,
    answer_p50_ms: median(results.map((r) => r.answerMs)),
    first_packet_p50_ms: median(results.map((r) => r.firstPacketMs)),
    first_frame_p50_ms: median(results.map((r) => r.firstFrameMs)),
    goal_first_frame_ms: 1500,
  }),
);
process.exit(0);
