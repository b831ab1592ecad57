// `npm run bench:api`: concurrent clients against the local stack's REST API.
// Measures login, room create and room join; the last line is one JSON object.
//   BENCH_API_URL      use a stack that is already running (default: start one on port 8797)
//   BENCH_CONCURRENCY  clients in flight (default 50)
import pg from 'pg';
import { DEFAULT_ADMIN_DATABASE_URL } from '../db/migrate.ts';
import { apiCall as call, ensureStack, runConcurrent } from './stack.ts';

const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 50);
const adminUrl = process.env.DATABASE_ADMIN_URL ?? DEFAULT_ADMIN_DATABASE_URL;
const password = 'bench password 123';

async function main() {
  const stack = await ensureStack({
    url: process.env.BENCH_API_URL,
    port: 8797,
    env: { NEON_PROXY_PORT: '8798', UPSTASH_ADAPTER_PORT: '8799' },
  });
  try {
    const run = Date.now().toString(36);
    const ip = (i: number) => `198.18.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
    console.log(`setting up ${concurrency} users...`);
    const users = await Promise.all(
      Array.from({ length: concurrency }, (_, i) =>
        call(stack.url, 'POST', '/auth/signup', { email: `bench-${run}-${i}@example.test`, password, name: `Bench ${i}`, organizationName: `Bench ${run} ${i}` }, undefined, ip(i)),
      ),
    );
    // Room creation is plan-limited; the bench organizations go on Enterprise the way billing would.
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`update subscriptions set plan_id = 'enterprise', status = 'active' where organization_id = any($1)`, [users.map((u) => u.organization.id)]);
    await admin.end();
    const workspaces = await Promise.all(users.map((u) => call(stack.url, 'GET', `/organizations/${u.organization.id}/workspaces`, undefined, u.token)));

    console.log(`login: ${concurrency * 4} logins, ${concurrency} in flight...`);
    const login = await runConcurrent(concurrency * 4, concurrency, async (i) => {
      await call(stack.url, 'POST', '/auth/login', { email: `bench-${run}-${i % concurrency}@example.test`, password }, undefined, ip(i));
    });
    console.log(`  p50 ${login.p50} ms  p99 ${login.p99} ms  ${login.perSecond}/s`);

    const roomIds: string[][] = users.map(() => []);
    console.log(`room create: ${concurrency * 10} rooms, ${concurrency} in flight...`);
    const create = await runConcurrent(concurrency * 10, concurrency, async (i) => {
      const u = users[i % concurrency];
      const room = await call(stack.url, 'POST', `/organizations/${u.organization.id}/rooms`, { workspaceId: workspaces[i % concurrency].workspaces[0].id, title: `Bench room ${i}`, visibility: 'public' }, u.token);
      roomIds[i % concurrency]!.push(room.id);
    });
    console.log(`  p50 ${create.p50} ms  p99 ${create.p99} ms  ${create.perSecond}/s`);

    console.log(`room join: ${concurrency * 40} joins, ${concurrency} in flight...`);
    // Warm-up: the first requests of an isolate compile code and open the first connections.
    await runConcurrent(concurrency, concurrency, async (i) => {
      await call(stack.url, 'POST', `/organizations/${users[i]!.organization.id}/rooms/${roomIds[i]![0]}/join`, {}, users[i]!.token);
    });
    const join = await runConcurrent(concurrency * 40, concurrency, async (i) => {
      const k = i % concurrency;
      await call(stack.url, 'POST', `/organizations/${users[k]!.organization.id}/rooms/${roomIds[k]![i % roomIds[k]!.length]}/join`, {}, users[k]!.token);
    });
    console.log(`  p50 ${join.p50} ms  p99 ${join.p99} ms  ${join.perSecond}/s`);

    console.log(
      JSON.stringify({
        concurrency,
        login_p50_ms: login.p50,
        login_p99_ms: login.p99,
        login_per_s: login.perSecond,
        create_p50_ms: create.p50,
        create_p99_ms: create.p99,
        create_per_s: create.perSecond,
        join_p50_ms: join.p50,
        join_p99_ms: join.p99,
        join_per_s: join.perSecond,
      }),
    );
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
