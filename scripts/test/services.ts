// Where the test run's services live. Read by vitest.workspace.ts at config time (the Worker's
// bindings under test) and by global-setup.ts (which starts them), so both agree on fixed ports.
// The ports differ from `npm run dev`'s so tests and a dev stack can run side by side; each one
// can be moved with an environment variable.
import { envPort as port } from '../local/env-port.ts';
import { appDatabaseUrl } from '../local/postgres.ts';

const env = process.env;

const neonProxyPort = port('TEST_NEON_PROXY_PORT', 18789);
const upstashPort = port('TEST_UPSTASH_PORT', 18079);
const fakeStripePort = port('TEST_FAKE_STRIPE_PORT', 18111);
// Beside the Neon proxy's port (18213 by default), so it moves with TEST_NEON_PROXY_PORT.
const objectStorePort = port('TEST_OBJECT_STORE_PORT', neonProxyPort - 576);
const objectStore = { bucket: 'roomcast-test', accessKeyId: 'roomcast-test-access-key', secretAccessKey: 'roomcast-test-secret-key-0123456789' };
// The local mail service (scripts/local/mail-server.ts): its email API and inbox, beside the FAKE
// Stripe so a slot that moves one moves both; its SMTP port is the system's choice.
const mailPort = port('TEST_MAIL_PORT', fakeStripePort + 1);
const mailApiToken = 'roomcast-test-mail-token';
// The local OpenID Connect provider (scripts/local/oidc-provider.ts) that plays an organization's
// identity provider in the SSO tests, beside the mail service.
const oidcPort = port('TEST_OIDC_PORT', fakeStripePort + 2);
const stripeSecretKey = 'sk_test_roomcast_FAKE_stripe';
const adminDatabaseUrl = env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/roomcast_test';
const upstashToken = 'roomcast-test-upstash-token';

export const testServices = {
  /** Superuser URL of the test database: recreated and migrated by global-setup. */
  adminDatabaseUrl,
  /** The real redis-server behind the Upstash adapter. Tests share it with dev: never flush it. */
  redisUrl: env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  neonProxyPort,
  upstashPort,
  upstashToken,
  /** The FAKE Stripe API (scripts/local/fake-stripe.ts), started by global-setup. */
  fakeStripePort,
  stripeSecretKey,
  /** The local S3-compatible store (scripts/local/object-store.ts), started by global-setup. */
  objectStorePort,
  objectStore,
  /** The local mail service: tests read the inbox at http://127.0.0.1:{mailPort}/api/messages. */
  mailPort,
  mailApiToken,
  /**
   * The local OIDC provider: any address signs in with OIDC_TEST_PASSWORD. Two clients: the one
   * organizations configure, and another application of the same provider (for audience tests).
   */
  oidc: {
    port: oidcPort,
    issuer: `http://127.0.0.1:${oidcPort}`,
    clients: [
      { clientId: 'roomcast-test', clientSecret: 'roomcast-test-oidc-secret', redirectUris: ['http://roomcast.test/sso/callback'] },
      { clientId: 'another-app', clientSecret: 'another-app-oidc-secret', redirectUris: ['http://another-app.test/callback'] },
    ],
  },
  /**
   * Added to workerBindings for the `workers-stripe` test project only: billing against the FAKE
   * Stripe. Every other workers test runs without Stripe keys, in billing's local mode, exactly
   * like `npm run dev` without keys.
   */
  stripeBindings: {
    STRIPE_SECRET_KEY: stripeSecretKey,
    STRIPE_WEBHOOK_SECRET: 'whsec_roomcast_test_webhook_secret',
    STRIPE_API_BASE: `http://127.0.0.1:${fakeStripePort}`,
    STRIPE_PRICE_STARTER: 'price_test_starter',
    STRIPE_PRICE_PROFESSIONAL: 'price_test_professional',
    STRIPE_PRICE_BUSINESS: 'price_test_business',
    // Rooms re-read the plan after 1 s (30 s by default), so a test sees a plan change reach them.
    ROOM_PLAN_CACHE_SECONDS: '1',
  },
  /** Variables the Worker sees under test, the same names `npm run dev` passes to wrangler. */
  workerBindings: {
    APP_ENV: 'test',
    DATABASE_URL: appDatabaseUrl(adminDatabaseUrl),
    NEON_WS_PROXY: `127.0.0.1:${neonProxyPort}`,
    UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${upstashPort}`,
    UPSTASH_REDIS_REST_TOKEN: upstashToken,
    ROOM_TOKEN_SECRET: 'test-room-token-secret-0123456789abcdef',
    FLEET_SECRET: 'test-fleet-secret-0123456789abcdef',
    ADMIN_TOKEN: 'test-admin-token-0123456789abcdef0123',
    // Webhook retries 200 ms, 400 ms, 800 ms... apart instead of 30 s, 1 min, 2 min...
    WEBHOOK_RETRY_BASE_MS: '200',
    STORAGE_ENDPOINT: `http://127.0.0.1:${objectStorePort}`,
    STORAGE_BUCKET: objectStore.bucket,
    STORAGE_ACCESS_KEY_ID: objectStore.accessKeyId,
    STORAGE_SECRET_ACCESS_KEY: objectStore.secretAccessKey,
    // Files from 6 MiB up go in parts (16 MiB by default), so a test reaches multipart with little data.
    UPLOAD_MULTIPART_FROM_MIB: '6',
    UPLOAD_MAX_FILE_MIB: '64',
    EMAIL_API_URL: `http://127.0.0.1:${mailPort}`,
    EMAIL_API_KEY: mailApiToken,
    // Endpoint secrets sealed under a test key (not the local `dev` one, so production configs built
    // from these bindings load).
    WEBHOOK_SECRET_KEYS: `test:${btoa('test-webhook-secret-key-32-bytes')}`,
  },
} as const;
