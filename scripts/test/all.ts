// `npm test` after the typecheck: every vitest project, in two stages that fit a 2-core machine in
// CI's 30 minutes. One vitest run takes one file at a time there (vitest's default is one worker
// per core minus one), and the whole suite took 1,700 s that way. So:
//   1. two lanes side by side: the Worker and Node projects (workerd against Postgres: mostly
//      waiting on I/O); and the media node's and the fleet's projects (media engines, ffmpeg,
//      bots), then the browser tests without live media (dashboard, accounts, security);
//   2. then the browser tests with live media alone (the studio test's four pages encoding at
//      once starved anything beside them).
// Each lane's output is prefixed; every run goes on after a failure, so one run shows every
// failing file. Arguments go to every vitest run (e.g. `npm test -- --reporter=verbose`).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { projects } from '../../vitest.workspace.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');

/** Browser tests that publish no live media: light enough to run beside the Worker tests. */
const E2E_WITHOUT_MEDIA = ['accounts-email', 'accounts-sso', 'dashboard-auth', 'dashboard-ingest', 'dashboard-webhooks', 'dashboard', 'files', 'web-security'].map((n) => `web/test/e2e/${n}.test.ts`);
// Recursive, as the e2e project's include (web/test/e2e/**/*.test.ts): a file in a subfolder runs too.
const E2E_ALL = readdirSync(join(ROOT, 'web/test/e2e'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.test.ts')).map((f) => `web/test/e2e/${f}`);
const E2E_WITH_MEDIA = E2E_ALL.filter((f) => !E2E_WITHOUT_MEDIA.includes(f));

interface Run {
  projects: string[];
  /** Only these files (exact paths), else the projects' own lists. */
  files?: string[];
  env?: Record<string, string>;
}
const STAGES: { label: string; runs: Run[] }[][] = [
  [
    { label: 'api', runs: [{ projects: ['workers', 'workers-stripe', 'workers-shards', 'node'] }] },
    { label: 'media', runs: [{ projects: ['media', 'fleet'] }, { projects: ['e2e'], files: E2E_WITHOUT_MEDIA }] },
  ],
  // The first stage's e2e run built the web app from this same tree minutes ago: this one starts
  // its stack on that build (about 40-80 s of a CI run), rebuilt only if web/ changed meanwhile.
  [{ label: 'e2e', runs: [{ projects: ['e2e'], files: E2E_WITH_MEDIA, env: { E2E_REUSE_WEB_BUILD: '1' } }] }],
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

function vitestRun(label: string, run: Run, prefix: boolean): Promise<number> {
  const args = [VITEST, 'run', ...run.projects.flatMap((p) => ['--project', p]), ...(run.files ?? []), ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...run.env }, stdio: ['ignore', prefix ? 'pipe' : 'inherit', prefix ? 'pipe' : 'inherit'] });
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
  for (const run of runs) if ((await vitestRun(label, run, prefix)) !== 0) failedRuns.push(`${label}: ${run.projects.join('+')}${run.files ? ` (${run.files.length} files)` : ''}`);
  return failedRuns;
}

const started = Date.now();
const failed: string[] = [];
STAGES.forEach((stage, i) => console.log(`npm test: stage ${i + 1}: ${stage.map((l) => `${l.label} [${l.runs.map((r) => `${r.projects.join('+')}${r.files ? ` ${r.files.length} files` : ''}`).join(' then ')}]`).join(' beside ')}`));
for (const stage of STAGES) {
  for (const lost of await Promise.all(stage.map((l) => lane(l.label, l.runs, stage.length > 1)))) failed.push(...lost);
}
console.log(`\nnpm test: ${failed.length ? `FAILED (${failed.join('; ')})` : 'all projects passed'} in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(failed.length ? 1 : 0);
