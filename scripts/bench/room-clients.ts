// One bench:room client process (forked by room.ts): it holds a share of the room's sockets,
// sends the chat messages it is told to (stamping the send time into the text), and measures
// every delivery to its sockets itself. Splitting the sockets over several processes keeps the
// clients (which inflate every frame when permessage-deflate is on) from being the bottleneck,
// and each process reports how busy it was so a saturated client can be told from a slow server.
// Times are wall-clock milliseconds (timeOrigin + now), comparable across the processes.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export type ToClients =
  /** concurrency: joins in flight; the room lets one client address have 20 sockets waiting for hello. */
  | { op: 'open'; joins: { signalingUrl: string; token: string }[]; deflate: boolean; concurrency: number }
  | { op: 'phase'; tag: string }
  | { op: 'send'; index: number; text: string }
  | { op: 'collect' }
  | { op: 'close' };

export type FromClients =
  | { op: 'opened'; welcomeMs: number[]; extensions: string[] }
  | { op: 'failed'; message: string }
  | { op: 'progress'; delivered: number }
  | {
      op: 'collected';
      latencies: number[];
      /** Per message: [text, first delivery ms, last delivery ms] on this process's sockets. */
      firstLast: [string, number, number][];
      cpuPct: number;
      cpuMs: number;
      lagP99Ms: number;
    };

const now = () => performance.timeOrigin + performance.now();
/** The product's client pings every half heartbeat (ROOM_HEARTBEAT_SECONDS, 15 s by default). */
const PING_EVERY_MS = 7_500;
const reply = (m: FromClients) => process.send!(m);

let sockets: WebSocket[] = [];
let phase: { tag: string; latencies: number[]; firstLast: Map<string, [number, number]>; cpu0: NodeJS.CpuUsage; t0: number } | undefined;
let loopDelay: ReturnType<typeof monitorEventLoopDelay> | undefined;
let progress: ReturnType<typeof setInterval> | undefined;

function open(join: { signalingUrl: string; token: string }, deflate: boolean): Promise<{ ws: WebSocket; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const ws = new WebSocket(`${join.signalingUrl}?token=${encodeURIComponent(join.token)}`, { perMessageDeflate: deflate });
    const timer = setTimeout(() => reject(new Error('no welcome within 30 s')), 30_000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: 1, token: join.token })));
    ws.on('message', (data) => {
      const text = data.toString();
      // Cheap pre-filter: only chat frames are parsed on the hot path.
      if (text.startsWith('{"type":"chat.message"')) return onChat((JSON.parse(text) as { text: string }).text, now());
      const m = JSON.parse(text) as { type: string; code?: string; message?: string };
      if (m.type === 'welcome') {
        clearTimeout(timer);
        resolve({ ws, ms: now() - t0 });
      } else if (m.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${m.code}: ${m.message}`));
      }
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Bench texts are `<tag>-<k>-<sent at ms>`. */
function onChat(text: string, at: number): void {
  if (!phase || !text.startsWith(`${phase.tag}-`)) return;
  const sentAt = Number(text.slice(text.lastIndexOf('-') + 1));
  const ms = at - sentAt;
  phase.latencies.push(ms);
  const fl = phase.firstLast.get(text);
  if (fl) fl[1] = ms;
  else phase.firstLast.set(text, [ms, ms]);
}

async function openAll(joins: { signalingUrl: string; token: string }[], deflate: boolean, concurrency: number): Promise<void> {
  const welcomeMs: number[] = [];
  sockets = new Array(joins.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, joins.length) }, async () => {
      while (next < joins.length) {
        const i = next++;
        const { ws, ms } = await open(joins[i]!, deflate);
        sockets[i] = ws;
        // Each socket pings on its own clock from its welcome, as the product's client does (every
        // half heartbeat: 7.5 s by default), not all at once: a burst of every socket's ping
        // every few seconds is a load no room of browsers makes.
        const heartbeat = setInterval(() => (ws.readyState === ws.OPEN ? ws.send(`{"type":"ping","ts":${Date.now()}}`) : clearInterval(heartbeat)), PING_EVERY_MS);
        heartbeat.unref();
        welcomeMs.push(ms);
      }
    }),
  );
  reply({ op: 'opened', welcomeMs, extensions: [...new Set(sockets.map((ws) => ws.extensions || 'none'))] });
}

process.on('message', (m: ToClients) => {
  switch (m.op) {
    case 'open':
      openAll(m.joins, m.deflate, m.concurrency).catch((error: unknown) => reply({ op: 'failed', message: String(error) }));
      break;
    case 'phase':
      phase = { tag: m.tag, latencies: [], firstLast: new Map(), cpu0: process.cpuUsage(), t0: now() };
      loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      progress = setInterval(() => phase && reply({ op: 'progress', delivered: phase.latencies.length }), 50);
      break;
    case 'send':
      sockets[m.index]?.send(JSON.stringify({ type: 'chat.send', text: `${m.text}-${now().toFixed(3)}` }));
      break;
    case 'collect': {
      if (!phase) break;
      clearInterval(progress);
      loopDelay?.disable();
      const cpu = process.cpuUsage(phase.cpu0);
      const cpuPct = ((cpu.user + cpu.system) / 1000 / (now() - phase.t0)) * 100;
      const firstLast = [...phase.firstLast].map(([text, [f, l]]) => [text, f, l] as [string, number, number]);
      reply({ op: 'collected', latencies: phase.latencies, firstLast, cpuPct, cpuMs: (cpu.user + cpu.system) / 1000, lagP99Ms: (loopDelay?.percentile(99) ?? 0) / 1e6 });
      phase = undefined;
      break;
    }
    case 'close':
      for (const ws of sockets) ws.close(1000, 'leave');
      setTimeout(() => process.exit(0), 500);
      break;
  }
});
