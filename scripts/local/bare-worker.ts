// The Worker on the bare runtime: wrangler's bundle of it, run by miniflare with the Worker's own
// socket exposed directly (no entry worker, no dev proxy in front), so a client talks to the
// workerd that runs the Worker the way a deployed Worker's clients talk to Cloudflare's runtime.
// `npm run dev` uses it when WORKER_RUNTIME=bare (scripts/dev.ts); benchmarks of the signaling
// path use it because `wrangler dev`'s proxies change what they measure: they negotiate
// permessage-deflate with clients whatever the Worker's `no_web_socket_compression` flag says, and
// hold ~4 file descriptors per WebSocket (README "Big rooms: signaling"). It runs both Workers:
// the main one (wrangler.toml) and the fan-out shards' (wrangler.shards.toml), each its own isolate.
//
// Usage (the subset of `wrangler dev`'s arguments dev.ts passes):
//   tsx scripts/local/bare-worker.ts --port N [--ip 127.0.0.1] [--persist-to DIR] [--var KEY:VALUE ...]
// No file watching: restart it after changing the Worker. BARE_WORKER_INSPECTOR_PORT opens the
// runtime's inspector there (Chrome DevTools, or a CPU profile over the DevTools protocol).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// wrangler's own miniflare: the one `unstable_getMiniflareWorkerOptions` shapes options for.
const requireFromWrangler = createRequire(createRequire(import.meta.url).resolve('wrangler'));
const { Miniflare, convertV4MiniflareOptions } = requireFromWrangler('miniflare') as typeof import('miniflare');
const { unstable_getMiniflareWorkerOptions } = (await import('wrangler')) as typeof import('wrangler');

function parseArgs(argv: string[]) {
  const out = { ip: '127.0.0.1', port: 8787, persistTo: join(ROOT, '.wrangler/state'), vars: {} as Record<string, string> };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    // `wrangler dev` flags that mean nothing here come as --name=value (e.g. --show-interactive-dev-session=false).
    if (!['--ip', '--port', '--persist-to', '--var'].includes(flag)) continue;
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} wants a value`);
    if (flag === '--ip') out.ip = value;
    else if (flag === '--port') out.port = Number(value);
    else if (flag === '--persist-to') out.persistTo = resolve(ROOT, value);
    else {
      const at = value.indexOf(':');
      if (at < 1) throw new Error(`--var wants KEY:VALUE, got ${value}`);
      out.vars[value.slice(0, at)] = value.slice(at + 1);
    }
  }
  if (!Number.isInteger(out.port) || out.port <= 0) throw new Error('--port wants a port number');
  return out;
}

const args = parseArgs(process.argv.slice(2));
const outdir = join(ROOT, `.wrangler/bare-worker-${args.port}`);
rmSync(outdir, { recursive: true, force: true });

/**
 * The same bundle `wrangler deploy` uploads (the config's rules: wasm modules, text assets), and the
 * Worker's options. `entry` is the bundle's main module: wrangler names it after the config's `main`.
 */
function bundle(config: string, into: string, entry: string) {
  mkdirSync(into, { recursive: true });
  const wrangler = join(ROOT, 'node_modules/.bin/wrangler');
  const built = spawnSync(wrangler, ['deploy', '--dry-run', '--outdir', into, '--config', join(ROOT, config)], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) {
    process.stderr.write(built.stdout + built.stderr);
    throw new Error(`bundling the Worker of ${config} failed`);
  }
  const modules = readdirSync(into).flatMap((file): { type: 'ESModule' | 'CompiledWasm' | 'Text'; path: string }[] => {
    const path = join(into, file);
    if (file === entry) return [{ type: 'ESModule', path }];
    if (file.endsWith('.wasm')) return [{ type: 'CompiledWasm', path }];
    if (file.endsWith('.js') || file.endsWith('.css')) return [{ type: 'Text', path }];
    return []; // the source map and wrangler's README
  });
  // The entry first: miniflare takes the first module as the Worker's entry point.
  modules.sort((a, b) => Number(b.type === 'ESModule') - Number(a.type === 'ESModule'));
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, config));
  const options = workerOptions as { name?: string; bindings?: Record<string, unknown> };
  // Both Workers get the vars dev.ts passes (the shards read only theirs), as `wrangler dev` does.
  return { ...options, modulesRoot: into, modules, bindings: { ...(options.bindings ?? {}), ...args.vars } };
}
// wrangler describes a Worker in miniflare's v4 option shape and converts it the same way.
const mf = new Miniflare(convertV4MiniflareOptions({
  host: '127.0.0.1',
  port: 0, // miniflare's own entry socket, unused: clients dial the direct socket below
  ...(process.env.BARE_WORKER_INSPECTOR_PORT ? { inspectorPort: Number(process.env.BARE_WORKER_INSPECTOR_PORT) } : {}),
  durableObjectsPersist: join(args.persistTo, 'v3/do'),
  r2Persist: join(args.persistTo, 'v3/r2'),
  cachePersist: join(args.persistTo, 'v3/cache'),
  workers: [
    // The first is the entry; the two bind each other's objects by name (script_name).
    { ...bundle('wrangler.toml', outdir, 'index.js'), name: 'roomcast', unsafeDirectSockets: [{ host: args.ip, port: args.port }] },
    { ...bundle('wrangler.shards.toml', join(outdir, 'shards'), 'shard-worker.js'), name: 'roomcast-shards' },
  ],
} as Parameters<typeof convertV4MiniflareOptions>[0]));
await mf.ready;
console.log(`Worker on the bare runtime at http://${args.ip}:${args.port} (no dev proxy; restart after changing the Worker)`);

const stop = async () => {
  await mf.dispose().catch(() => {});
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
