// The one list of test projects. vitest 4 no longer reads this file by itself:
// vitest.config.ts imports it into `test.projects`.
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineProject, type TestProjectInlineConfiguration } from 'vitest/config';
import { testServices } from './scripts/test/services.ts';

/** Workers tests that need Stripe keys (the `workers-stripe` project). */
const STRIPE_TESTS = ['workers/test/billing-stripe*.test.ts', 'workers/test/usage-report*.test.ts', 'workers/test/security-stripe*.test.ts'];
/** Workers tests of big rooms (the `workers-shards` project): rooms shard after a few sockets. */
const SHARD_TESTS = ['workers/test/room-shards*.test.ts'];
/**
 * The Workers projects run their files one after the other in one workerd runtime instead of a
 * new one per file (`isolate: false`): starting workerd took 5-14 s per file, half of these
 * projects' time. The tests share no module state (no stubbed globals) and tenants are unique
 * per test, so nothing leaks from one file to the next.
 */
const SHARED_RUNTIME = { isolate: false } as const;

/**
 * Deployed, the fan-out shards run in a Worker of their own (wrangler.shards.toml); in the tests
 * they run beside the room in the Worker under test, which still exports the class, so the tests
 * can reach both objects' internals. The code is the same; only the isolate differs.
 */
const LOCAL_SHARDS = { ROOM_SHARD: { className: 'RoomShardDO', useSQLite: true } };

export const projects: TestProjectInlineConfiguration[] = [
  // The Worker and its Durable Objects, inside workerd, against real Postgres and Redis.
  defineProject({
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        // Rooms here never shard: room-presence opens 200+ sockets to test the room's own presence
        // fan-out limit; sharding has its own project below.
        miniflare: { bindings: { ...testServices.workerBindings, ROOM_SHARD_AFTER_SOCKETS: '1000000' }, durableObjects: LOCAL_SHARDS },
      }),
    ],
    test: {
      name: 'workers',
      ...SHARED_RUNTIME,
      include: ['workers/test/**/*.test.ts'],
      exclude: [...STRIPE_TESTS, ...SHARD_TESTS],
      // Each signup spends ~50 ms in Argon2id by design; some tests sign up a whole team.
      testTimeout: 30_000,
      globalSetup: ['scripts/test/global-setup.ts'],
      setupFiles: ['workers/test/setup/quiet-durable-objects.ts'],
    },
  }),
  // Billing against the FAKE Stripe API (scripts/local/fake-stripe.ts): the same Worker with
  // Stripe keys bound. The project above runs without keys, in billing's local mode.
  defineProject({
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: { bindings: { ...testServices.workerBindings, ...testServices.stripeBindings }, durableObjects: LOCAL_SHARDS },
      }),
    ],
    test: {
      name: 'workers-stripe',
      ...SHARED_RUNTIME,
      include: STRIPE_TESTS,
      testTimeout: 30_000,
      globalSetup: ['scripts/test/global-setup.ts'],
      setupFiles: ['workers/test/setup/quiet-durable-objects.ts'],
    },
  }),
  // Fan-out shards: the same Worker with rooms that move viewers to shards past 2 sockets, 2 per
  // shard, so a test reaches several shards with a handful of sockets.
  defineProject({
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: { bindings: { ...testServices.workerBindings, ROOM_SHARD_AFTER_SOCKETS: '2', ROOM_SHARD_SOCKETS: '2' }, durableObjects: LOCAL_SHARDS },
      }),
    ],
    test: {
      name: 'workers-shards',
      ...SHARED_RUNTIME,
      include: SHARD_TESTS,
      testTimeout: 30_000,
      globalSetup: ['scripts/test/global-setup.ts'],
      setupFiles: ['workers/test/setup/quiet-durable-objects.ts'],
    },
  }),
  // Node-side code: the local stack, migrations, RLS, protocol schemas, the web server's request logic.
  defineProject({
    test: {
      name: 'node',
      include: ['schema/test/**/*.test.ts', 'scripts/test/**/*.test.ts', 'web/test/unit/**/*.test.ts', 'sdk/client/test/**/*.test.ts'],
      // Fuzzers (10,000 frames), cloud-init and promtool runs: 3-7 s on a machine shared with
      // the browser tests, past vitest's default 5 s. None of these is a speed check.
      testTimeout: 30_000,
      globalSetup: ['scripts/test/global-setup.ts'],
    },
  }),
  // The product in a real browser (`npm run test:e2e`): web/test/e2e against the full local stack
  // (scripts/dev.ts on ports 23787/23789/23079/23000, database roomcast_e2e), started once per run.
  defineProject({
    test: {
      name: 'e2e',
      include: ['web/test/e2e/**/*.test.ts'],
      fileParallelism: false,
      testTimeout: 120_000,
      hookTimeout: 120_000,
      globalSetup: ['web/test/e2e/global-setup.ts'],
    },
  }),
  // The media fleet end to end (`npm run test:fleet`): wrangler dev, media node processes and
  // WebRTC bots on its own ports (28787/28789/28079, RTC 21000-21100), database roomcast_fleet_it.
  defineProject({
    test: {
      name: 'fleet',
      include: ['integration/**/*.test.ts'],
      // Each file starts its own stack on the same ports: one file at a time.
      fileParallelism: false,
      // Real-time media across several processes, beside the Worker tests on 2 cores: a timing
      // wait that runs out under load is tried once more (vitest reports the retry; a test that
      // fails twice fails the run). A retry's startNode replaces the first try's node of that id.
      retry: 1,
      testTimeout: 120_000,
      hookTimeout: 180_000,
    },
  }),
  // The media node and its engine conformance suite (`npm run test:media`).
  defineProject({
    test: {
      name: 'media',
      include: ['media-node/test/**/*.test.ts'],
      // Real-time media in every file (WebRTC bots, ffmpeg encoding): two files side by side on a
      // 2-core machine measure the machine, not the engine (the ramp-up bound was missed so).
      fileParallelism: false,
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  }),
];
