// The Worker declines permessage-deflate (wrangler.toml: `no_web_socket_compression`): a room sends
// the same small JSON frame to every socket, and with deflate the runtime compresses it once per
// socket, with a compressor (and its window memory) per socket; see README "Big rooms". Proven on
// the workerd binary wrangler ships, run bare: `wrangler dev` puts its own proxies in front, which
// negotiate deflate with the client whatever the Worker's flags say. The same probe without the
// flag negotiates deflate, so this test can fail.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../../schema/test/support/wait.ts';

const root = new URL('../../', import.meta.url);
const toml = readFileSync(new URL('wrangler.toml', root), 'utf8');
const compatibilityDate = toml.match(/^compatibility_date\s*=\s*"([^"]+)"/m)![1]!;
const compatibilityFlags = [...(toml.match(/^compatibility_flags\s*=\s*\[([^\]]*)\]/m)![1]!.matchAll(/"([^"]+)"/g))].map((m) => m[1]!);
// The workerd wrangler runs (and deploys against), not whichever another package pulled in.
const workerdBin = (createRequire(createRequire(import.meta.url).resolve('wrangler'))('workerd') as { default: string }).default;

// A Worker that hands the upgrade to a Durable Object, as the signal route does with RoomDO.
const WORKER = `
import { DurableObject } from 'cloudflare:workers';
export class Room extends DurableObject {
  async fetch() {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }
  async webSocketMessage(ws, message) { ws.send(message); }
}
export default { fetch: (request, env) => env.ROOM.get(env.ROOM.idFromName('a')).fetch(request) };
`;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const started: { child: ChildProcess; dir: string }[] = [];
afterAll(() => {
  for (const { child, dir } of started) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** What a client offering deflate (as browsers do) gets from a Worker with these flags. */
async function negotiated(flags: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ws-compression-'));
  const port = await freePort();
  writeFileSync(join(dir, 'worker.js'), WORKER);
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${compatibilityDate}",
  compatibilityFlags = [${flags.map((f) => JSON.stringify(f)).join(', ')}],
  durableObjectNamespaces = [ (className = "Room", uniqueKey = "room", enableSql = true) ],
  durableObjectStorage = (inMemory = void),
  bindings = [ (name = "ROOM", durableObjectNamespace = "Room") ],
);
`,
  );
  const child = spawn(workerdBin, ['serve', join(dir, 'config.capnp'), '--experimental'], { stdio: 'ignore' });
  started.push({ child, dir });
  return waitFor(
    'workerd to answer the WebSocket',
    () =>
      new Promise<string | undefined>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
        ws.on('open', () => ws.send('echo'));
        ws.on('message', () => {
          resolve(ws.extensions);
          ws.close();
        });
        ws.on('error', () => resolve(undefined));
      }),
    { timeoutMs: 20_000, intervalMs: 200, abortIf: () => (child.exitCode !== null ? `workerd exited with ${child.exitCode}` : undefined) },
  );
}

describe('WebSocket compression', () => {
  it('wrangler.toml declines permessage-deflate even when the client offers it', async () => {
    expect(compatibilityFlags).toContain('no_web_socket_compression');
    expect(await negotiated(compatibilityFlags)).toBe('');
  }, 60_000);

  it('without the flag the same runtime negotiates permessage-deflate (the probe can tell)', async () => {
    expect(await negotiated(compatibilityFlags.filter((f) => f !== 'no_web_socket_compression'))).toBe('permessage-deflate');
  }, 60_000);
});
