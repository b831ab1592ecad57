// `npm test`: every vitest project in two lanes side by side, with the web app's build started
// beside them (only the browser runs need the build, and they wait for it), so a 2-core machine
// fits CI's 30 minutes:
// - `api`: the typecheck (its failure fails the run, which still runs every test), the Worker and
//   Node projects (workerd against Postgres and Redis: mostly waiting on I/O, so two files at a
//   time), then the browser tests without live media (dashboard, accounts, security) on a second
//   e2e stack (own ports, database and state);
// - `media`: the media node's and the fleet's projects (one file at a time: real-time media),
//   then the browser tests with live media.
// Measured on 2026-12-02: the Worker projects one file at a time took 1,000 s of wall time at
// about half a core (the suite 1,750 s); two at a time they took 574 s idle and 578 s in CI
// (three at a time were no faster, and CPU-bound files timed out). Tried that day and dropped:
// both browser runs with live media side by side (three files failed at load average 33), and
// three lanes at once (Worker, media and the browser tests without media: real-time media tests
// and two Worker tests failed on timing). Each lane's output is prefixed; every run goes on after
// a failure, so one run shows every failing file. The typecheck ran alone before the lanes until
// 2026-12-02, when the media lane (the longer by ~360 s) made a CI run 1,787 s of npm test; in the
// api lane it costs the run's length nothing. Arguments go to every vitest run (e.g.
// `npm test -- --reporter=verbose`).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { projects } from '../../vitest.workspace.ts';
import { buildWeb } from '../local/web-build.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');

/** Browser tests that publish no live media: light enough to run beside the media lane. */
const E2E_WITHOUT_MEDIA = ['accounts-email', 'accounts-sso', 'dashboard-auth', 'dashboard-ingest', 'dashboard-webhooks', 'dashboard', 'files', 'web-security'].map((n) => `web/test/e2e/${n}.test.ts`);
// Recursive, as the e2e project's include (web/test/e2e/**/*.test.ts): a file in a subfolder runs too.
const E2E_ALL = readdirSync(join(ROOT, 'web/test/e2e'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.test.ts')).map((f) => `web/test/e2e/${f}`);
const E2E_WITH_MEDIA = E2E_ALL.filter((f) => !E2E_WITHOUT_MEDIA.includes(f));

/**
 * The e2e stacks start on the build made at the start (rebuilt only if web/ changed since). A
 * browser test that fails is tried once more here (the run's "Tried again" list names it and its
 * first error; failing twice fails the run): under `npm test` the two lanes' browsers share two
 * cores at load average 13-19, and CI runs of 2026-12-02 lost a different timing wait each time
 * (a clip's sound not yet played out after 2.5 s, a recording's first keyframe, a 5 MiB upload
 * through the test's route). Run alone (`npm run test:e2e`) they are not retried.
 */
const ON_THE_BUILD = { needsWebBuild: true, options: ['--retry=1'], env: { E2E_REUSE_WEB_BUILD: '1' } } as const;

interface Run {
  /** `typecheck`: `npm run typecheck` instead of vitest. */
  command?: 'typecheck';
  projects: string[];
  /** Only these files (exact paths), else the projects' own lists. */
  files?: string[];
  /** More vitest options for this run. */
  options?: readonly string[];
  env?: Record<string, string>;
  /** Waits for the web build started with the typecheck. */
  needsWebBuild?: boolean;
}
/** The `api` lane's browser tests run on a second e2e stack (other ports, database and Durable Object state). */
const SECOND_E2E_STACK = {
  E2E_API_PORT: '26787',
  E2E_WEB_PORT: '26000',
  E2E_NEON_PROXY_PORT: '26789',
  E2E_UPSTASH_PORT: '26079',
  E2E_MEDIA_RTC_MIN_PORT: '22500',
  E2E_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/roomcast_e2e_ui',
};
const STAGES: { label: string; runs: Run[] }[][] = [
  [
    // Two Worker files at a time: each vitest worker has its own workerd runtime; tenants, emails
    // and IPs are unique per test, so files share only Postgres and Redis.
    { label: 'api', runs: [{ command: 'typecheck', projects: [] }, { projects: ['workers', 'workers-stripe', 'workers-shards', 'node'], options: ['--maxWorkers=2'] }, { projects: ['e2e'], files: E2E_WITHOUT_MEDIA, ...ON_THE_BUILD, env: { ...ON_THE_BUILD.env, ...SECOND_E2E_STACK } }] },
    { label: 'media', runs: [{ projects: ['media', 'fleet'] }, { projects: ['e2e'], files: E2E_WITH_MEDIA, ...ON_THE_BUILD }] },
  ],
];

const gone = E2E_WITHOUT_MEDIA.filter((f) => !E2E_ALL.includes(f));
if (gone.length) {
  console.error(`scripts/test/all.ts: no such e2e file: ${gone.join(', ')}`);
  process.exit(2);
}

// A project added to vitest.workspace.ts but to no stage would silently never run.
const staged = new Set(STAGES.flat().flatMap((lane) => lane.runs.flatMap((run) => run.projects)));
const names = projects.map((p) => (p as { test?: { name?: string } }).test?.name ?? '');
const missing = names.filter((n) => !staged.has(n));
const unknown = [...staged].filter((n) => !names.includes(n));
if (missing.length || unknown.length) {
  console.error(`scripts/test/all.ts: stages and vitest.workspace.ts disagree (not staged: ${missing.join(', ') || '-'}; not a project: ${unknown.join(', ') || '-'})`);
  process.exit(2);
}

function runOf(label: string, run: Run, prefix: boolean): Promise<number> {
  const [command, args] =
    run.command === 'typecheck'
      ? ['npm', ['run', '--silent', 'typecheck']]
      : [process.execPath, [VITEST, 'run', ...run.projects.flatMap((p) => ['--project', p]), ...(run.files ?? []), ...(run.options ?? []), ...process.argv.slice(2)]];
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...run.env }, stdio: ['ignore', prefix ? 'pipe' : 'inherit', prefix ? 'pipe' : 'inherit'] });
  if (prefix) {
    for (const [stream, out] of [[child.stdout!, process.stdout], [child.stderr!, process.stderr]] as const) {
      createInterface({ input: stream }).on('line', (line) => out.write(`[${label}] ${line}\n`));
    }
  }
  return new Promise((done) => child.on('close', (code, signal) => done(code ?? (signal ? 1 : 0))));
}

/** A lane's runs one after the other, each whatever the one before it gave; the labels of those that failed. */
async function lane(label: string, runs: Run[], prefix: boolean): Promise<string[]> {
  const failedRuns: string[] = [];
  for (const run of runs) {
    if (run.needsWebBuild) await webBuild;
    const t0 = Date.now();
    const code = await runOf(label, run, prefix);
    if (run.command) console.log(`[${label}] npm test: ${run.command} ${code === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - t0) / 1000)} s`);
    if (code !== 0) failedRuns.push(`${label}: ${run.command ?? run.projects.join('+')}${run.files ? ` (${run.files.length} files)` : ''}`);
  }
  return failedRuns;
}

const started = Date.now();
const failed: string[] = [];

console.log('npm test: the web build starts beside the lanes');
const webBuild = buildWeb((line) => console.log(`[web build] ${line}`)).then(
  () => console.log(`npm test: web build ready in ${Math.round((Date.now() - started) / 1000)} s`),
  // The browser runs then build it themselves and say why it fails there.
  (error: unknown) => console.error(`[web build] ${String(error)}`),
);
STAGES.forEach((stage, i) => console.log(`npm test: stage ${i + 1}: ${stage.map((l) => `${l.label} [${l.runs.map((r) => `${r.command ?? r.projects.join('+')}${r.files ? ` ${r.files.length} files` : ''}`).join(' then ')}]`).join(' beside ')}`));
for (const stage of STAGES) {
  for (const lost of await Promise.all(stage.map((l) => lane(l.label, l.runs, stage.length > 1)))) failed.push(...lost);
}
console.log(`\nnpm test: ${failed.length ? `FAILED (${failed.join('; ')})` : 'all projects passed'} in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(failed.length ? 1 : 0);
