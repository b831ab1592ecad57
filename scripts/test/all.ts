// `npm test` after the typecheck: every vitest project, in two stages that fit a 2-core machine in
// CI's 30 minutes. One vitest run takes one file at a time there (vitest's default is one worker
// per core minus one), and the whole suite took 1,700 s that way. So:
//   1. the Worker and Node projects (workerd against Postgres: mostly waiting on I/O) run beside
//      the media node's and the fleet's projects (media engines, ffmpeg, bots);
//   2. then the browser projects alone (`e2e`: four Chromium pages encoding at once in the studio
//      test; anything beside them starved their publishers).
// Each stage's runs print with a prefix; every stage runs even after a failure, so one run shows
// every failing file. Arguments go to every vitest run (e.g. `npm test -- --reporter=verbose`).
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { projects } from '../../vitest.workspace.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');

const STAGES: { label: string; projects: string[] }[][] = [
  [
    { label: 'api', projects: ['workers', 'workers-stripe', 'workers-shards', 'node'] },
    { label: 'media', projects: ['media', 'fleet'] },
  ],
  [{ label: 'e2e', projects: ['e2e'] }],
];

// A project added to vitest.workspace.ts but to no stage would silently never run.
const staged = new Set(STAGES.flat().flatMap((run) => run.projects));
const names = projects.map((p) => (p as { test?: { name?: string } }).test?.name ?? '');
const missing = names.filter((n) => !staged.has(n));
const unknown = [...staged].filter((n) => !names.includes(n));
if (missing.length || unknown.length) {
  console.error(`scripts/test/all.ts: stages and vitest.workspace.ts disagree (not staged: ${missing.join(', ') || '-'}; not a project: ${unknown.join(', ') || '-'})`);
  process.exit(2);
}

function vitestRun(label: string, projectNames: string[], prefix: boolean): Promise<number> {
  const args = [VITEST, 'run', ...projectNames.flatMap((p) => ['--project', p]), ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', prefix ? 'pipe' : 'inherit', prefix ? 'pipe' : 'inherit'] });
  if (prefix) {
    for (const [stream, out] of [[child.stdout!, process.stdout], [child.stderr!, process.stderr]] as const) {
      createInterface({ input: stream }).on('line', (line) => out.write(`[${label}] ${line}\n`));
    }
  }
  return new Promise((done) => child.on('close', (code, signal) => done(code ?? (signal ? 1 : 0))));
}

const started = Date.now();
const failed: string[] = [];
for (const stage of STAGES) {
  const codes = await Promise.all(stage.map((run) => vitestRun(run.label, run.projects, stage.length > 1)));
  stage.forEach((run, i) => codes[i] !== 0 && failed.push(run.label));
}
console.log(`\nnpm test: ${failed.length ? `FAILED (${failed.join(', ')})` : 'all projects passed'} in ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(failed.length ? 1 : 0);
