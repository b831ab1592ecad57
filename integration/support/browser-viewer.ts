// A viewer in Chromium: @roomcast/client (the SDK the web app uses) bundled for the page, joined
// with a viewer's credentials, receiving every producer. For sources the Node viewer bot cannot
// decode: libwebrtc in @roamhq/wrtc has no H.264, Debian's Chromium has.
import type { Page } from 'playwright-core';
import { bundleClient } from '../../sdk/client/scripts/bundle.ts';
import type { TestBrowser } from '../../web/test/e2e/browser.ts';

let bundle: Promise<string> | undefined;
/** The SDK as one classic script defining `window.roomcast` (built once per run). */
const sdkScript = () => (bundle ??= bundleClient({ format: 'iife', globalName: 'roomcast' }));

export interface BrowserViewerStats {
  /** Producer ids received (video and audio). */
  producerIds: string[];
  framesDecoded: number;
  frameWidth: number;
  audioPackets: number;
  /** media.reset frames and closed producers the page saw. */
  resets: number;
  closedProducers: string[];
}

export class BrowserViewer {
  private constructor(readonly page: Page) {}

  /** Joins in a page on `origin` (the Worker's: signaling is same-origin) with a viewer's credentials. */
  static async join(chromium: TestBrowser, origin: string, credentials: unknown): Promise<BrowserViewer> {
    const page = await chromium.browser.newPage();
    await page.goto(`${origin}/health`);
    await page.addScriptTag({ content: await sdkScript() });
    await page.evaluate(async (credentials) => {
      const w = window as any;
      const room = new w.roomcast.RoomClient({ credentials, receive: true }).connect();
      w.room = room;
      w.resets = 0;
      w.closedProducers = [];
      room.on('media.reset', () => w.resets++);
      room.on('media.producer_closed', (m: { producerId: string }) => w.closedProducers.push(m.producerId));
      // Played like a page would (muted): the video is rendered, not only received.
      room.subscribe((state: any) => {
        for (const r of state.media.remote) {
          if (r.producer.kind !== 'video' || document.getElementById(r.producer.producerId)) continue;
          const video = document.createElement('video');
          video.id = r.producer.producerId;
          video.muted = true;
          video.autoplay = true;
          video.srcObject = new MediaStream([r.track]);
          document.body.append(video);
        }
      });
      await room.ready();
    }, credentials);
    return new BrowserViewer(page);
  }

  stats(): Promise<BrowserViewerStats> {
    return this.page.evaluate(async () => {
      const w = window as any;
      const remote = w.room.state.media?.remote ?? w.room.media?.snapshot().remote ?? [];
      let framesDecoded = 0;
      let frameWidth = 0;
      let audioPackets = 0;
      for (const r of remote) {
        (await r.consumer.getStats()).forEach((s: any) => {
          if (s.type !== 'inbound-rtp') return;
          if (r.producer.kind === 'video') {
            framesDecoded += s.framesDecoded ?? 0;
            frameWidth = Math.max(frameWidth, s.frameWidth ?? 0);
          } else audioPackets += s.packetsReceived ?? 0;
        });
      }
      return { producerIds: remote.map((r: any) => r.producer.producerId), framesDecoded, frameWidth, audioPackets, resets: w.resets, closedProducers: [...w.closedProducers] };
    });
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
