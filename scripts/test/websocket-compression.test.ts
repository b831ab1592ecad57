// The Worker declines permessage-deflate (wrangler.toml: `no_web_socket_compression`): a room sends
// the same small JSON frame to every socket, and with deflate the runtime compresses it once per
// socket, with a compressor (and its window memory) per socket; see README "Big rooms". Proven on
// the workerd binary wrangler ships, run bare: `wrangler dev` puts its own proxies in front, which
// negotiate deflate with the client whatever the Worker's flags say. The same probe without the
// flag negotiates deflate, so this test can fail.
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freeTcpPort } from '../../schema/test/support/free-port.ts';
import { waitFor } from '../../schema/test/support/wait.ts';
import { compatibilityFlags, startBareWorkerd, type BareWorkerd } from '../local/bare-workerd.ts';

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

const started: BareWorkerd[] = [];
afterAll(() => {
  for (const workerd of started) workerd.stop();
});

/** What a client offering deflate (as browsers do) gets from a Worker with these flags. */
async function negotiated(flags: string[]): Promise<string> {
  const port = await freeTcpPort();
  const workerd = startBareWorkerd(WORKER, port, flags);
  started.push(workerd);
  const { child } = workerd;
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
