// The raw baseline of `npm run bench:room` (mode `raw`): the least a room can do on the same
// runtime. A Durable Object on the workerd that wrangler ships, run bare with wrangler.toml's
// compatibility date and flags, that accepts hibernatable sockets, answers hello with welcome and
// sends every chat.send to every socket as a chat.message of the room's shape: no tokens,
// presence, limits, history or storage. The room's numbers beside these say what the product
// adds to what the runtime costs (each send is a write on its own socket). With `storageDir`
// (mode raw-sql) it also writes each message as a row of its SQLite, on disk, before the fan-out,
// as the room keeps its history: the runtime's floor for a room that stores its chat.
import { freeTcpPort } from '../../schema/test/support/free-port.ts';
import { startBareWorkerd, type BareWorkerdOptions } from '../local/bare-workerd.ts';

const WORKER = `
import { DurableObject } from 'cloudflare:workers';
export class Room extends DurableObject {
  sockets = undefined;
  nextId = 1;
  constructor(ctx, env) {
    super(ctx, env);
    if (PERSIST) ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS chat (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL, sent_at INTEGER NOT NULL)');
  }
  live() { return (this.sockets ??= new Set(this.ctx.getWebSockets())); }
  async fetch() {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    this.live().add(server);
    return new Response(null, { status: 101, webSocket: client });
  }
  async webSocketMessage(ws, data) {
    const m = JSON.parse(data);
    if (m.type === 'hello') ws.send(JSON.stringify({ type: 'welcome', participants: [] }));
    else if (m.type === 'ping') ws.send('{"type":"pong"}');
    else if (m.type === 'chat.send') {
      const id = PERSIST ? this.ctx.storage.sql.exec('INSERT INTO chat (text, sent_at) VALUES (?, ?) RETURNING id', m.text, Date.now()).one().id : this.nextId++;
      const frame = JSON.stringify({ type: 'chat.message', id, author: { identity: 'bench-raw-0000', name: 'Viewer 0000' }, role: 'viewer', text: m.text, sentAt: new Date().toISOString() });
      for (const s of this.live()) try { s.send(frame); } catch {}
    }
  }
  async webSocketClose(ws) { this.live().delete(ws); }
}
export default { fetch: (request, env) => env.ROOM.get(env.ROOM.idFromName('raw')).fetch(request) };
`;

export async function startRawRoom(storageDir?: string, options?: BareWorkerdOptions): Promise<{ url: string; pid: number; stop(): void }> {
  const port = await freeTcpPort();
  const { child, stop } = startBareWorkerd(`const PERSIST = ${storageDir !== undefined};\n${WORKER}`, port, undefined, storageDir, options);
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ; ) {
    const up = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error('the raw baseline runtime (workerd) did not start');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, pid: child.pid!, stop };
}
