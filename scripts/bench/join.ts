// `npm run bench:join`: how long a viewer waits for the picture. A host publishes from the studio
// (Chromium, fake camera, 3-layer simulcast); then viewers open the room URL one after another in
// fresh Chromium contexts (cold cache, anonymous guests of a public room), and each join is timed
// from the navigation start of the room page to the first decoded video frame, measured inside
// the page (performance.now() is relative to navigation start). The last line is one JSON object.
//   BENCH_API_URL / BENCH_WEB_URL   use a running stack (default: start one, API 8817, web 8818)
//   BENCH_JOINS                     viewers (default 20)
import { ensureStack, apiCall as call, percentile, round } from './stack.ts';
import { launchBrowser } from '../../web/test/e2e/browser.ts';
import { DEFAULT_ADMIN_DATABASE_URL } from '../db/migrate.ts';
import { markEmailsVerified } from '../local/verified-email-fixture.ts';

const joins = Number(process.env.BENCH_JOINS ?? 20);

/**
 * Runs in the viewer's page (a string: this program has no DOM types): resolves with
 * performance.now() (ms since navigation start) at the first decoded frame of the host's camera,
 * seen by requestVideoFrameCallback on the player or the decoder's own frame counter.
 */
const FIRST_FRAME_IN_PAGE = `new Promise((resolve, reject) => {
  const started = performance.now();
  const done = () => { clearInterval(timer); resolve(performance.now()); };
  const timer = setInterval(() => {
    const video = document.querySelector('[data-testid=video-camera]');
    if (video && !video.dataset.benchWatched) {
      video.dataset.benchWatched = '1';
      if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(done);
    }
    if (video && video.getVideoPlaybackQuality().totalVideoFrames > 0) done();
    if (performance.now() - started > 30000) { clearInterval(timer); reject(new Error('no decoded frame within 30 s')); }
  }, 5);
})`;
const WEB_PORT = 8818;

async function waitForWeb(url: string) {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const ok = await fetch(`${url}/login`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the web app did not answer at ${url}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main() {
  const stack = await ensureStack({
    url: process.env.BENCH_API_URL,
    port: 8817,
    env: {
      WEB_PORT: String(WEB_PORT),
      NEON_PROXY_PORT: '8827',
      UPSTASH_ADAPTER_PORT: '8837',
      MEDIA_NODE_ID: 'bench-join-node',
      MEDIA_RTC_MIN_PORT: '41800',
      MEDIA_RTC_MAX_PORT: '41809',
      WRANGLER_STATE_DIR: '.wrangler/bench-join-state',
    },
  });
  const webUrl = process.env.BENCH_WEB_URL ?? `http://127.0.0.1:${WEB_PORT}`;
  const chromium = await launchBrowser();
  try {
    await waitForWeb(webUrl);
    const run = Date.now().toString(36);
    const host = await call(stack.url, 'POST', '/auth/signup', {
      email: `bench-join-${run}@example.test`,
      password: 'bench password 123',
      name: 'Bench Host',
      organizationName: `Bench join ${run}`,
    });
    const orgId = host.organization.id as string;
    await markEmailsVerified(process.env.DATABASE_ADMIN_URL ?? DEFAULT_ADMIN_DATABASE_URL, [host.user.email]);
    const { workspaces } = await call(stack.url, 'GET', `/organizations/${orgId}/workspaces`, undefined, host.token);
    await call(stack.url, 'POST', `/organizations/${orgId}/rooms`, { workspaceId: workspaces[0].id, title: 'Join bench', slug: 'join-bench', visibility: 'public' }, host.token);
    const roomUrl = `${webUrl}/r/${host.organization.slug}/join-bench`;

    console.log(`host going live at ${roomUrl}/host ...`);
    const hostContext = await chromium.newContext({ permissions: ['camera', 'microphone'] });
    await hostContext.addCookies([{ name: 'rc_web', value: host.token, url: webUrl }]);
    const studio = await hostContext.newPage();
    await studio.goto(`${roomUrl}/host`);
    await studio.getByTestId('go-live').click();
    // Camera, microphone, and the studio's program (picture and audio mix).
    await studio.waitForFunction('(window.__roomcast?.state().media.local ?? []).filter((l) => l.producerId).length === 4', null, { timeout: 60_000 });

    const times: number[] = [];
    /** Each join's User Timing marks, for the median breakdown at the end. */
    const timelines: Map<string, number>[] = [];
    let failures = 0;
    for (let i = 0; i < joins; i++) {
      const context = await chromium.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${roomUrl}?name=${encodeURIComponent(`Bench viewer ${i + 1}`)}`, { waitUntil: 'commit' });
        const ms = (await page.evaluate(FIRST_FRAME_IN_PAGE)) as number;
        times.push(ms);
        // Where the time went: the page's own User Timing marks (web/src/room), ms since navigation.
        const marks = (await page.evaluate(
          `[['html', performance.getEntriesByType('navigation')[0]?.responseEnd], ['dom', performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd], ...performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])]`,
        )) as [string, number][];
        timelines.push(new Map(marks.filter(([, at]) => typeof at === 'number').map(([name, at]) => [name.replace(/^(room|media):/, ''), at])));
        const timeline = marks.map(([name, at]) => `${name.replace(/^(room|media):/, '')} ${Math.round(at)}`).join(', ');
        console.log(`join ${i + 1}/${joins}: first frame after ${Math.round(ms)} ms (${timeline})`);
        if (process.env.BENCH_VERBOSE) {
          const resources = await page.evaluate(
            `performance.getEntriesByType('resource').map((e) => e.name.split('/').pop().slice(0, 32) + ' ' + Math.round(e.startTime) + '-' + Math.round(e.responseEnd)).join(', ')`,
          );
          console.log(`  resources: ${String(resources)}`);
        }
      } catch (error) {
        failures++;
        console.log(`join ${i + 1}/${joins}: FAILED ${(error as Error).message}`);
      } finally {
        await context.close();
      }
    }
    // End the room, so a bench leaves no live room behind on a shared stack.
    await call(stack.url, 'POST', `/organizations/${orgId}/rooms/${(await call(stack.url, 'GET', `/public/rooms/${host.organization.slug}/join-bench`)).roomId}/end`, undefined, host.token);
    await hostContext.close();
    const sorted = [...times].sort((a, b) => a - b);
    // Median time of each mark over the joins that have it, in the order they happen.
    const names = [...new Set(timelines.flatMap((t) => [...t.keys()]))];
    const medians = names
      .map((name) => {
        const at = timelines.map((t) => t.get(name)).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
        return [name, percentile(at, 50)] as const;
      })
      .sort((a, b) => a[1] - b[1]);
    console.log(`median timeline (ms since navigation): ${medians.map(([name, at]) => `${name} ${Math.round(at)}`).join(', ')}, first frame ${Math.round(percentile(sorted, 50))}`);
    console.log(
      JSON.stringify({
        join_p50_ms: round(percentile(sorted, 50)),
        join_p95_ms: round(percentile(sorted, 95)),
        join_min_ms: round(sorted[0] ?? NaN),
        join_max_ms: round(sorted.at(-1) ?? NaN),
        joins: times.length,
        failures,
      }),
    );
  } finally {
    await chromium.close();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
