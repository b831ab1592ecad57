// Real Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core
// (`npx playwright install` cannot download browsers here). Each launch gets a fresh profile, a
// fake camera and microphone, and screenshots go to test-output/screenshots/ (gitignored).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SCREENSHOT_DIR = join(ROOT, 'test-output/screenshots');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags verified on this machine (../shared/notes/stack-facts.md, "Web"). */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // The fake camera at 5 fps instead of its default 20 (three simulcast layers all the same): the
  // browser tests with media share CI's two cores with each other's pages and the rest of the
  // suite. At 20 fps the studio test's four pages pushed the machine to load average 13; at 10 fps
  // the suite still ran past CI's 30 minutes (2026-12-02). The studio's program follows its
  // sources' rate, so it runs at 5 fps too.
  '--use-fake-device-for-media-stream=fps=5',
  '--use-fake-ui-for-media-stream',
];

export interface TestBrowser {
  browser: BrowserContext;
  /** A new isolated context (its own cookies): a second person in the same test. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh user-data-dir. `launchPersistentContext` is what takes a
 * user-data-dir; further isolated contexts come from the same browser process. `extraFlags`: e.g.
 * `--use-file-for-fake-video-capture=<file.y4m>` for a fake camera showing that file.
 */
export async function launchBrowser(options: BrowserContextOptions = {}, extraFlags: string[] = []): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'roomcast-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...extraFlags],
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  const browser: Browser | null = context.browser();
  const extra: BrowserContext[] = [];
  return {
    browser: context,
    async newContext(contextOptions = {}) {
      if (!browser) throw new Error('persistent context has no browser handle');
      const created = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions });
      extra.push(created);
      return created;
    },
    async close() {
      for (const c of extra) await c.close().catch(() => {});
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-output/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9-_]+/gi, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
