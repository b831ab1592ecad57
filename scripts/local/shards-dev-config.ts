// The fan-out shards' Worker (wrangler.shards.toml) for a local `wrangler dev` beside the main one:
// `wrangler dev --config wrangler.toml --config <this file>` runs both in one runtime, but passes
// `--var` and env files only to the first Worker. So each run gets a copy of the shards' config in
// its state folder, with the entry point made absolute and the vars the shards read set to the
// run's values. Used by scripts/dev.ts and the integration stack.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The settings the shards read (workers/src/config.ts, loadShardConfig). */
const SHARD_VARS = ['APP_ENV', 'ROOM_TOKEN_SECRET', 'ROOM_HEARTBEAT_SECONDS'] as const;

/** Writes the copy into `stateDir` and returns its path; throws if the lines it rewrites are gone. */
export function shardsDevConfig(vars: Record<string, string>, stateDir: string): string {
  const text = readFileSync(join(ROOT, 'wrangler.shards.toml'), 'utf8');
  const main = /^main = "([^"]+)"$/m;
  const appEnv = /^APP_ENV = "production"$/m;
  if (!main.test(text) || !appEnv.test(text)) throw new Error('wrangler.shards.toml: expected its `main = "..."` and `APP_ENV = "production"` lines');
  const local = SHARD_VARS.flatMap((k) => (vars[k] ? [`${k} = ${JSON.stringify(vars[k])}`] : []));
  const dir = join(stateDir, 'shards-worker');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'wrangler.toml');
  writeFileSync(file, text.replace(main, (_, path: string) => `main = ${JSON.stringify(join(ROOT, path))}`).replace(appEnv, local.join('\n')));
  return file;
}
