// The web app's production build for `npm run dev`: rebuilt when any web source is newer than it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeLines } from './processes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const WEB_DIR = join(ROOT, 'web');
const WEB_BUILD_OUTPUT = join(WEB_DIR, '.output/server/index.mjs');

/** The build is stale when it is missing or any web source is newer than it. */
export function webBuildIsStale(): boolean {
  if (!existsSync(WEB_BUILD_OUTPUT)) return true;
  const built = statSync(WEB_BUILD_OUTPUT).mtimeMs;
  const newer = (path: string): boolean =>
    statSync(path).isDirectory()
      ? readdirSync(path).some((name) => newer(join(path, name)))
      : statSync(path).mtimeMs > built;
  return ['src', 'public', 'app.config.ts', 'package.json'].some((p) => existsSync(join(WEB_DIR, p)) && newer(join(WEB_DIR, p)));
}

export async function buildWeb(log: (line: string) => void): Promise<void> {
  log('building the web app (vinxi build)...');
  const child = spawn(join(ROOT, 'node_modules/.bin/vinxi'), ['build'], { cwd: WEB_DIR, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  pipeLines(child, (line) => output.push(line));
  const code = await new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
  if (code !== 0) {
    for (const line of output.slice(-40)) log(line);
    throw new Error(`vinxi build exited with code ${code}`);
  }
  log('web app built');
}
