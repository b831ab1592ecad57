// Starts the whole local stack once per e2e run by spawning `scripts/dev.ts` (the same code as
// `npm run dev`) with the e2e ports and a freshly recreated database. The web app is rebuilt once
// per run (WEB_BUILD=always) so tests never see a stale build, except under `npm test`, which
// builds it once up front for its two e2e runs (E2E_REUSE_WEB_BUILD). URLs reach tests via inject().
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { recreateDatabase } from '../../../scripts/local/postgres.ts';
import { e2eStack } from './stack.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Each stack's own Durable Object state: `npm test` runs two e2e stacks side by side. */
const E2E_STATE_DIR = `.wrangler/e2e-state-${e2eStack.apiPort}`;
// A loaded machine (the web build alone takes minutes on 2 busy cores) may need more: E2E_READY_TIMEOUT_SECONDS.
const READY_TIMEOUT_MS = Number(process.env.E2E_READY_TIMEOUT_SECONDS || 300) * 1000;

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return res.status < 500;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const apiUrl = `http://127.0.0.1:${e2eStack.apiPort}`;
  const webUrl = `http://127.0.0.1:${e2eStack.webPort}`;
  if ((await answers(`${apiUrl}/health`)) || (await answers(`${webUrl}/login`))) {
    throw new Error(`e2e ports ${e2eStack.apiPort}/${e2eStack.webPort} are already in use (another e2e run?); set E2E_API_PORT / E2E_WEB_PORT`);
  }
  await recreateDatabase(e2eStack.adminDatabaseUrl);
  // Durable Object state from an earlier run (media nodes that are gone) would only add noise.
  rmSync(join(ROOT, E2E_STATE_DIR), { recursive: true, force: true });

  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: e2eStack.adminDatabaseUrl,
      PORT: String(e2eStack.apiPort),
      NEON_PROXY_PORT: String(e2eStack.neonProxyPort),
      UPSTASH_ADAPTER_PORT: String(e2eStack.upstashPort),
      WEB_PORT: String(e2eStack.webPort),
      // Under `npm test` both e2e runs start on the build it made up front, unless web/ changed since (scripts/test/all.ts).
      WEB_BUILD: process.env.E2E_REUSE_WEB_BUILD === '1' ? 'if-stale' : 'always',
      // Apart from a running `npm run dev`: its own Durable Object state and media ports.
      WRANGLER_STATE_DIR: E2E_STATE_DIR,
      MEDIA_RTC_MIN_PORT: String(e2eStack.mediaRtcMinPort),
      MEDIA_RTC_MAX_PORT: String(e2eStack.mediaRtcMinPort + e2eStack.mediaRtcPortCount - 1),
      // Every browser in the run comes from 127.0.0.1: keep the per-IP auth limit out of the way
      // (the per-email limit stays on).
      AUTH_RATE_LIMIT_PER_IP: '10000',
      SIGNUP_RATE_LIMIT_PER_IP_PER_HOUR: '10000',
      API_RATE_LIMIT_PER_ANONYMOUS_CLIENT: '100000',
      // Small enough that the Files test's oversized file is cheap and its 20 MB upload goes in parts.
      UPLOAD_MAX_FILE_MIB: '32',
      UPLOAD_MULTIPART_FROM_MIB: '8',
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // The stack's whole log (Worker, media node, web server) for a failure's post-mortem.
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  const logFile = createWriteStream(join(ROOT, `test-output/e2e-stack-${e2eStack.apiPort}.log`));
  let output = '';
  const keep = (chunk: Buffer) => {
    logFile.write(chunk);
    output = (output + chunk.toString()).slice(-20_000);
    if (process.env.E2E_STACK_LOG) process.stdout.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return void logFile.end();
    const stopping = Date.now();
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    // Let go of the pipes, so nothing keeps vitest's main process alive after the run.
    child.stdout?.destroy();
    child.stderr?.destroy();
    child.unref();
    logFile.end();
    console.log(`[e2e] stack stopped in ${((Date.now() - stopping) / 1000).toFixed(1)}s`);
  };

  try {
    for (;;) {
      if (output.includes('Ctrl-C stops everything') && (await answers(`${webUrl}/login`))) break;
      if (child.exitCode !== null) throw new Error(`the e2e stack exited with code ${child.exitCode}`);
      if (Date.now() - started > READY_TIMEOUT_MS) throw new Error(`the e2e stack was not ready within ${READY_TIMEOUT_MS / 1000}s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (err) {
    process.stderr.write(output);
    await stop();
    throw err;
  }
  console.log(`[e2e] stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s: web ${webUrl}, api ${apiUrl}`);

  project.provide('webUrl', webUrl);
  project.provide('apiUrl', apiUrl);
  project.provide('adminDatabaseUrl', e2eStack.adminDatabaseUrl);
  project.provide('inboxUrl', `http://127.0.0.1:${e2eStack.inboxPort}`);
  project.provide('oidcIssuer', e2eStack.oidcIssuer);
  return stop;
}
