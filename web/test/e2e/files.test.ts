// The Files page in real Chromium against the whole local stack (the e2e stack caps a file at
// 32 MiB and goes multipart from 8 MiB): a 20 MB upload goes straight to the local S3 store in
// presigned parts with a progress bar that moves, lands in the list and downloads whole; a
// forbidden type and an oversized file are refused by the API before any byte moves, with its
// message shown; delete removes the file.
import { mkdtempSync, openSync, closeSync, ftruncateSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, type TestBrowser } from './browser.ts';
import { newAccount, signUp, webUrl } from './helpers.ts';

const MB = 1000 * 1000;
let chromium: TestBrowser;
let dir: string;
beforeAll(async () => {
  chromium = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'roomcast-files-e2e-'));
});
afterAll(async () => {
  await chromium?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A file of `size` bytes (sparse: nothing is written for the oversized one). */
function fileOf(name: string, size: number): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  return path;
}

describe('files page', () => {
  it('uploads 20 MB in parts with progress, lists and downloads it; refuses a forbidden type and an oversized file with the API\'s message', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    const orgSlug = await signUp(page, newAccount('files'));
    await page.goto(`${webUrl()}/app/${orgSlug}/files`);
    await page.getByRole('link', { name: 'Files' }).first().waitFor();
    const input = page.getByTestId('file-input');
    await input.waitFor();

    // Every percentage the progress bar shows, as it shows it.
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { uploadPercents: number[] }).uploadPercents = seen;
      new MutationObserver(() => {
        const status = document.querySelector('[data-testid="upload-status"]');
        if (status) seen.push(Number(status.getAttribute('data-percent')));
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-percent'] });
    });
    const big = fileOf('market-charts.pdf', 20 * MB);
    await input.setInputFiles(big);
    const row = page.locator('tr[data-name="market-charts.pdf"]');
    await row.waitFor({ timeout: 60_000 });
    const percents = await page.evaluate(() => (window as unknown as { uploadPercents: number[] }).uploadPercents);
    expect(percents.some((p) => p > 0 && p < 100), `progress seen: ${percents.join(',')}`).toBe(true);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(await row.getByTestId('file-size').textContent()).toBe('19.1 MB');
    await screenshot(page, 'files-library');

    const download = page.waitForEvent('download');
    await row.getByRole('button', { name: 'Download' }).click();
    const saved = await (await download).path();
    expect(statSync(saved).size).toBe(20 * MB);

    const error = page.getByTestId('upload-error');
    const forbidden = join(dir, 'setup.exe');
    writeFileSync(forbidden, 'MZ not really a program');
    await input.setInputFiles(forbidden);
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('unsupported_file_type');
    expect(await error.textContent()).toMatch(/cannot be uploaded\. Allowed: PDF/);

    await input.setInputFiles(fileOf('archive.zip', 33 * 1024 * 1024));
    await page.waitForFunction(() => document.querySelector('[data-testid="upload-error"]')?.getAttribute('data-code') === 'file_too_large');
    expect(await error.textContent()).toMatch(/at most 32 MiB; this one is 33\.0 MiB/);
    await screenshot(page, 'files-too-large');
    expect(await page.locator('tr[data-file]').count()).toBe(1);

    await row.getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    await context.close();
  });
});
