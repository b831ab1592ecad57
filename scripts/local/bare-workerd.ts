// A one-file Worker with a Durable Object class `Room` (bound as ROOM) on the workerd that wrangler
// ships, run bare (no wrangler, no miniflare in front) with wrangler.toml's compatibility date and,
// unless told otherwise, its flags: what the runtime itself does. Used by the WebSocket
// compression test and by bench:room's raw baseline.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const toml = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8');
export const compatibilityDate = toml.match(/^compatibility_date\s*=\s*"([^"]+)"/m)![1]!;
export const compatibilityFlags = [...toml.match(/^compatibility_flags\s*=\s*\[([^\]]*)\]/m)![1]!.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
// The workerd wrangler runs (and deploys against), not whichever another package pulled in.
const workerdBin = (createRequire(createRequire(import.meta.url).resolve('wrangler'))('workerd') as { default: string }).default;

export interface BareWorkerd {
  child: ChildProcess;
  stop(): void;
}

export interface BareWorkerdOptions {
  /** V8 flags for the process (workerd's `v8Flags`), e.g. --trace-gc. */
  v8Flags?: string[];
  /** The process's standard output, when given (else ignored); `spawnPrefix` e.g. line-buffers it. */
  onStdout?: (chunk: Buffer) => void;
  spawnPrefix?: string[];
}

/**
 * Serves `workerJs` (an ES module exporting `Room` and a default fetch) on 127.0.0.1:port. The
 * objects' storage is in memory, or in `storageDir` on disk (as `wrangler dev` keeps it).
 */
export function startBareWorkerd(workerJs: string, port: number, flags: string[] = compatibilityFlags, storageDir?: string, options: BareWorkerdOptions = {}): BareWorkerd {
  const dir = mkdtempSync(join(tmpdir(), 'bare-workerd-'));
  if (storageDir) mkdirSync(storageDir, { recursive: true });
  writeFileSync(join(dir, 'worker.js'), workerJs);
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  v8Flags = [${(options.v8Flags ?? []).map((f) => JSON.stringify(f)).join(', ')}],
  services = [ (name = "main", worker = .worker)${storageDir ? `, (name = "storage", disk = (path = ${JSON.stringify(resolve(storageDir))}, writable = true))` : ''} ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${compatibilityDate}",
  compatibilityFlags = [${flags.map((f) => JSON.stringify(f)).join(', ')}],
  durableObjectNamespaces = [ (className = "Room", uniqueKey = "room", enableSql = true) ],
  durableObjectStorage = ${storageDir ? '(localDisk = "storage")' : '(inMemory = void)'},
  bindings = [ (name = "ROOM", durableObjectNamespace = "Room") ],
);
`,
  );
  const [command, ...args] = [...(options.spawnPrefix ?? []), workerdBin, 'serve', join(dir, 'config.capnp'), '--experimental'];
  const child = spawn(command!, args, { stdio: ['ignore', options.onStdout ? 'pipe' : 'ignore', 'ignore'] });
  if (options.onStdout) child.stdout!.on('data', options.onStdout);
  return {
    child,
    stop: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
