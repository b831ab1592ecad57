// The egress benchmark's viewer: Debian's Chromium (playwright-core, as the e2e tests drive it)
// plays the room's HLS with hls.js configured as the product's player is (web/src/room/ui/
// hls-live-config.ts) and reads the wall-clock time drawn into each frame it presents
// (requestVideoFrameCallback -> canvas -> the barcode's blocks). Latency = when the frame was
// presented - when it was drawn: glass to glass, player hold-back included. The page is served by
// a small HTTP server here that passes /hls/* through to the object store (signed GETs), as the
// Worker's /hls route does in production (without a CDN in between: a CDN's 1 s playlist cache
// may add up to a second).
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Where the barcode is in the picture (the publisher draws it there). */
export interface BarcodeLayout {
  width: number;
  height: number;
  bits: number;
  block: { w: number; h: number; top: number; left: number; perRow: number };
  /** The product player's LIVE_NETWORK_RETRIES. */
  networkRetries: number;
}

export interface ChromiumSample {
  /** Frame presented (Date.now() in the page, the same clock the publisher stamped with). */
  shownAt: number;
  latencyMs: number;
  /** hls.js's own estimate (seconds behind the playlist's edge), for comparison. */
  hlsLatency: number | null;
}

export interface ChromiumViewerResult {
  samples: ChromiumSample[];
  /** Frames whose barcode did not read as a plausible time (decode artefacts). */
  misread: number;
  framesSeen: number;
  /** `waiting` events after playback started: the buffer ran dry. */
  stalls: number;
  firstFrameAt: number | null;
  errors: string[];
}

export interface ChromiumViewer {
  /** Starts playing; samples collect in the page until `collect()`. */
  play(config: Record<string, unknown>): Promise<void>;
  collect(): Promise<ChromiumViewerResult>;
  /** Chromium's processes (for CPU accounting): the browser and its children. */
  pids(): number[];
  close(): Promise<void>;
}

/**
 * The page's side (plain browser JavaScript): play with hls.js, and on every presented frame
 * (requestVideoFrameCallback) draw the barcode band to a canvas and read each block's centre.
 */
const PAGE_SCRIPT = `
window.startBench = (config, layout) => {
  const bench = (window.bench = { samples: [], misread: 0, framesSeen: 0, stalls: 0, firstFrameAt: null, errors: [] });
  const video = document.querySelector('video');
  const hls = new Hls(config);
  // Recovers as the product's HlsPlayer.tsx does (media errors; fatal network errors a few times in a row).
  let networkRetries = 0;
  let found = false;
  hls.on(Hls.Events.MANIFEST_PARSED, () => { found = true; });
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (bench.errors.length < 20) bench.errors.push((data.fatal ? 'fatal ' : '') + data.type + '/' + data.details);
    if (data.fatal && data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    else if (data.fatal && data.type === Hls.ErrorTypes.NETWORK_ERROR && found && networkRetries++ < layout.networkRetries) setTimeout(() => hls.startLoad(), 1000);
  });
  hls.on(Hls.Events.FRAG_LOADED, () => { networkRetries = 0; });
  hls.loadSource('/hls/index.m3u8');
  hls.attachMedia(video);
  video.play().catch(() => {});
  video.addEventListener('waiting', () => { if (bench.firstFrameAt !== null) bench.stalls++; });
  const { block, bits, width } = layout;
  const rows = block.top + block.h * Math.ceil(bits / block.perRow);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = rows;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const onFrame = () => {
    const shownAt = Date.now();
    bench.framesSeen++;
    if (bench.firstFrameAt === null) bench.firstFrameAt = shownAt;
    // Only the barcode band: the top rows of the picture, at the video's own size.
    ctx.drawImage(video, 0, 0, width, rows, 0, 0, width, rows);
    const pixels = ctx.getImageData(0, 0, width, rows).data;
    let value = 0;
    for (let bit = 0; bit < bits; bit++) {
      const x = block.left + (bit % block.perRow) * block.w + block.w / 2;
      const y = block.top + Math.floor(bit / block.perRow) * block.h + block.h / 2;
      value = value * 2 + (pixels[(y * width + x) * 4] > 128 ? 1 : 0);
    }
    const latencyMs = shownAt - value;
    if (latencyMs > 0 && latencyMs < 60000) bench.samples.push({ shownAt, latencyMs, hlsLatency: Number.isFinite(hls.latency) ? hls.latency : null });
    else bench.misread++;
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
};
`;

/** Serves the page, hls.js and /hls/{name} from `fetchHls`. */
async function startPageServer(fetchHls: (name: string) => Promise<Response>): Promise<{ url: string; close(): void }> {
  const hlsJs = readFileSync(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'));
  const page = `<!doctype html><html><body style="margin:0;background:#000"><video muted autoplay playsinline width="640" height="360"></video><script src="/hls.min.js"></script><script>${PAGE_SCRIPT}</script></body></html>`;
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    if (path === '/hls.min.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(hlsJs);
    const name = /^\/hls\/([\w.-]+)$/.exec(path)?.[1];
    if (!name) return void res.writeHead(404).end();
    fetchHls(name)
      .then(async (upstream) => {
        if (!upstream.ok) return void res.writeHead(404, { 'cache-control': 'no-store' }).end();
        const type = name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : name.endsWith('.m4s') ? 'video/iso.segment' : 'video/mp4';
        const body = Buffer.from(await upstream.arrayBuffer());
        res.writeHead(200, { 'content-type': type, 'cache-control': name.endsWith('.m3u8') ? 'no-cache' : 'max-age=31536000, immutable' }).end(body);
      })
      // The store dropped the connection (a busy machine): the player retries, as it would a CDN's 502.
      .catch(() => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** Every descendant of `root` (from /proc), root included. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

export async function openChromiumViewer(fetchHls: (name: string) => Promise<Response>, layout: BarcodeLayout): Promise<ChromiumViewer> {
  const server = await startPageServer(fetchHls);
  let browser: Browser | undefined;
  let page: Page;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
    page = await browser.newPage({ viewport: { width: 640, height: 360 } });
    await page.goto(server.url);
  } catch (error) {
    await browser?.close().catch(() => {});
    server.close();
    throw error;
  }
  // playwright-core spawned Chromium from this process: the root of Chromium's process tree.
  const chromiumRoot = findChromiumChild();
  return {
    async play(config) {
      await page.evaluate(([c, l]) => (globalThis as unknown as { startBench(c: unknown, l: unknown): void }).startBench(c, l), [config, layout] as const);
    },
    async collect() {
      return page.evaluate(() => (globalThis as unknown as { bench: ChromiumViewerResult }).bench);
    },
    pids() {
      return chromiumRoot === undefined ? [] : processTree(chromiumRoot);
    },
    async close() {
      await browser?.close().catch(() => {});
      server.close();
    },
  };
}

/** The Chromium this process launched: its child whose command is Chromium's. */
function findChromiumChild(): number | undefined {
  for (const pid of processTree(process.pid)) {
    if (pid === process.pid) continue;
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (/chrom/i.test(comm) && ppid === process.pid) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
