// `npm run bench:room`: N WebSockets in one room on the local stack (N = 100, 500, 1000). For
// each N: the join rate (upgrade + hello -> welcome), then chat at steady rates, measuring the
// delivery latency of every message to every socket. Messages are sent round-robin by the joined
// sockets, so each stays within the room's per-participant chat limit. A rate is sustained when
// every message reaches every socket and the delivery p99 stays under the target. Loopback only;
// the last line is one JSON object.
//   BENCH_ROOM_URL      use a stack that is already running (default: start one on port 8807)
//   BENCH_ROOM_SOCKETS  comma-separated socket counts (default 100,500,1000)
//   BENCH_ROOM_RATES    comma-separated messages/second to try (default 20,50,100,200,400)
//   BENCH_ROOM_DEFLATE  0: the client does not offer permessage-deflate (browsers do; default 1).
//                       With it on, this one process inflates every frame of every socket.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import WebSocket from 'ws';
import { DEFAULT_ADMIN_DATABASE_URL } from '../db/migrate.ts';
import { apiCall as call, ensureStack, percentile, round, runConcurrent } from './stack.ts';

const SOCKET_COUNTS = (process.env.BENCH_ROOM_SOCKETS ?? '100,500,1000').split(',').map(Number);
const RATES = (process.env.BENCH_ROOM_RATES ?? '20,50,100,200,400').split(',').map(Number);
const OFFER_DEFLATE = process.env.BENCH_ROOM_DEFLATE !== '0';
const TARGET_P99_MS = 100;
const PHASE_MS = 2500;
const DRAIN_MS = 2000;
const BUDGET_MS = 170_000;
const adminUrl = process.env.DATABASE_ADMIN_URL ?? DEFAULT_ADMIN_DATABASE_URL;
const started = Date.now();

interface Client {
  ws: WebSocket;
  /** Latencies of bench messages, by run tag. */
  onChat?: (text: string, at: number) => void;
  ping: ReturnType<typeof setInterval>;
}

function open(signalingUrl: string, token: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${signalingUrl}?token=${encodeURIComponent(token)}`, { perMessageDeflate: OFFER_DEFLATE });
    const client: Client = { ws, ping: setInterval(() => ws.readyState === ws.OPEN && ws.send('{"type":"ping"}'), 10_000) };
    const timer = setTimeout(() => reject(new Error('no welcome within 30 s')), 30_000);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: 1, token })));
    ws.on('message', (data) => {
      const at = performance.now();
      const text = data.toString();
      // Cheap pre-filter: only chat frames are parsed on the hot path.
      if (text.startsWith('{"type":"chat.message"')) {
        const m = JSON.parse(text) as { text: string };
        client.onChat?.(m.text, at);
        return;
      }
      const m = JSON.parse(text) as { type: string; code?: string; message?: string };
      if (m.type === 'welcome') {
        clearTimeout(timer);
        resolve(client);
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

async function benchSockets(url: string, owner: { token: string; org: string; workspace: string; apiKey: string }, n: number) {
  const room = await call(url, 'POST', `/organizations/${owner.org}/rooms`, { workspaceId: owner.workspace, title: `Bench ${n}`, visibility: 'public' }, owner.token);
  await call(url, 'POST', `/organizations/${owner.org}/rooms/${room.id}/start`, undefined, owner.token);
  const joins: { token: string; signalingUrl: string }[] = new Array(n);
  await runConcurrent(n, 20, async (i) => {
    joins[i] = await call(url, 'POST', `/organizations/${owner.org}/rooms/${room.id}/join`, { identity: `bench-${n}-${i}`, name: `Viewer ${i}`, role: 'viewer' }, owner.apiKey);
  });
  const clients: Client[] = new Array(n);
  const join = await runConcurrent(n, 50, async (i) => {
    clients[i] = await open(joins[i]!.signalingUrl, joins[i]!.token);
  });
  // What the stack accepted of the client's offer (locally, wrangler's dev proxy negotiates it).
  const extensions = [...new Set(clients.map((c) => c.ws.extensions || 'none'))].join(' / ');
  console.log(`${n} sockets: joined at ${join.perSecond}/s (welcome p50 ${join.p50} ms, p99 ${join.p99} ms), extensions: ${extensions}`);

  const runs: { rate: number; sent: number; expected: number; delivered: number; p50: number; p99: number; sustained: boolean }[] = [];
  let sender = 0;
  for (const rate of RATES) {
    // Each socket may send about one message a second under the room's default chat limit.
    if (rate > n || Date.now() - started > BUDGET_MS - 2 * (PHASE_MS + DRAIN_MS)) break;
    const tag = `r${rate}`;
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    // Per message: when the first and the last socket got it (fan-out spread vs time to first).
    const firstLast = new Map<string, [number, number]>();
    for (const c of clients) {
      c.onChat = (text, at) => {
        const t0 = sentAt.get(text);
        if (t0 === undefined) return;
        latencies.push(at - t0);
        const fl = firstLast.get(text);
        if (fl) fl[1] = at - t0;
        else firstLast.set(text, [at - t0, at - t0]);
      };
    }
    const total = Math.round((rate * PHASE_MS) / 1000);
    // The bench's own client shares the cores with workerd: report how busy it was, so a slow
    // result can be told apart from a slow server.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let k = 0; k < total; k++) {
      const due = t0 + (k * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const text = `${tag}-${k}`;
      sentAt.set(text, performance.now());
      clients[sender++ % n]!.ws.send(JSON.stringify({ type: 'chat.send', text }));
    }
    const expected = total * n;
    const drainUntil = performance.now() + DRAIN_MS;
    while (latencies.length < expected && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
    loopDelay.disable();
    const cpu = process.cpuUsage(cpu0);
    const clientCpu = round(((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100);
    const lagP99 = round(loopDelay.percentile(99) / 1e6);
    const lagMax = round(loopDelay.max / 1e6);
    latencies.sort((a, b) => a - b);
    const p50 = round(percentile(latencies, 50));
    const p99 = round(percentile(latencies, 99));
    const sustained = latencies.length === expected && p99 < TARGET_P99_MS;
    runs.push({ rate, sent: total, expected, delivered: latencies.length, p50, p99, sustained });
    console.log(`  ${rate} msg/s: ${latencies.length}/${expected} deliveries, p50 ${p50} ms, p99 ${p99} ms${sustained ? '' : '  (not sustained)'}`);
    const firsts = [...firstLast.values()].map(([f]) => f).sort((a, b) => a - b);
    const spreads = [...firstLast.values()].map(([f, l]) => l - f).sort((a, b) => a - b);
    console.log(`    first socket p50 ${round(percentile(firsts, 50))} ms, first-to-last spread p50 ${round(percentile(spreads, 50))} ms, p99 ${round(percentile(spreads, 99))} ms`);
    console.log(`    bench client: ${clientCpu}% of one core, event-loop lag p99 ${lagP99} ms, max ${lagMax} ms`);
    if (!sustained) break;
    // Let every socket's 10-second chat window clear before the next, faster, phase.
    await new Promise((r) => setTimeout(r, Math.min(1000, DRAIN_MS)));
  }
  for (const c of clients) {
    clearInterval(c.ping);
    c.ws.close(1000, 'leave');
  }
  await call(url, 'POST', `/organizations/${owner.org}/rooms/${room.id}/end`, undefined, owner.token).catch(() => {});
  const at20 = runs.find((r) => r.rate === 20);
  return {
    sockets: n,
    join_per_s: join.perSecond,
    join_p99_ms: join.p99,
    rate_msgs_per_s: at20?.rate ?? null,
    delivery_p50_ms: at20?.p50 ?? null,
    delivery_p99_ms: at20?.p99 ?? null,
    max_sustained_msgs_per_s: runs.filter((r) => r.sustained).at(-1)?.rate ?? 0,
    runs,
  };
}

async function main() {
  const stack = await ensureStack({
    url: process.env.BENCH_ROOM_URL,
    port: 8807,
    env: { NEON_PROXY_PORT: '8808', UPSTASH_ADAPTER_PORT: '8809' },
  });
  try {
    const run = crypto.randomUUID().slice(0, 8);
    const signup = await call(stack.url, 'POST', '/auth/signup', { email: `bench-room-${run}@example.test`, password: 'bench password 123', name: 'Bench host', organizationName: `Bench rooms ${run}` });
    const org = signup.organization.id as string;
    // Enterprise: no viewers-per-room limit and API access, the way billing would set it.
    const db = new pg.Client({ connectionString: adminUrl });
    await db.connect();
    await db.query(`update subscriptions set plan_id = 'enterprise', status = 'active' where organization_id = $1`, [org]);
    await db.end();
    const workspaces = await call(stack.url, 'GET', `/organizations/${org}/workspaces`, undefined, signup.token);
    const key = await call(stack.url, 'POST', `/organizations/${org}/api-keys`, { name: 'bench' }, signup.token);
    const owner = { token: signup.token as string, org, workspace: workspaces.workspaces[0].id as string, apiKey: key.secret as string };
    const results = [];
    for (const n of SOCKET_COUNTS) {
      if (Date.now() - started > BUDGET_MS) {
        console.log(`time budget spent: skipping ${n} sockets`);
        break;
      }
      results.push(await benchSockets(stack.url, owner, n));
    }
    const last = results.at(-1)!;
    const { runs: _runs, ...summary } = last;
    console.log(JSON.stringify({ ...summary, by_sockets: results.map(({ runs: _r, ...r }) => r) }));
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
