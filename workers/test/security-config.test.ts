// The published local dev secrets (scripts/dev.ts, README) must never run a production Worker:
// with them anyone could mint media-node credentials or room tokens, or drive the admin API.
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import type { Env } from '../src/env.ts';
import { bindingsWith, fetchWith } from './api-client.ts';

const production = { ...(env as unknown as Env), APP_ENV: 'production', STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' } as Env;

describe('production configuration', () => {
  it('refuses the published dev secrets', () => {
    expect(() => loadConfig({ ...production, FLEET_SECRET: 'dev-only-fleet-secret-0123456789abcdef' })).toThrow(/FLEET_SECRET/);
    expect(() => loadConfig({ ...production, ADMIN_TOKEN: 'dev-only-admin-token-0123456789abcdef0123' })).toThrow(/ADMIN_TOKEN/);
    expect(() => loadConfig({ ...production, ROOM_TOKEN_SECRET: 'dev-only-room-token-secret-0123456789abcdef' })).toThrow(/ROOM_TOKEN_SECRET/);
    expect(() => loadConfig({ ...production, ADMIN_TOKEN: undefined })).toThrow(/ADMIN_TOKEN is required/);
    expect(() => loadConfig({ ...production, WEBHOOK_SECRET_KEYS: undefined })).toThrow(/WEBHOOK_SECRET_KEYS is required/);
    expect(() => loadConfig({ ...production, WEBHOOK_SECRET_KEYS: `dev:${btoa('x'.repeat(32))}` })).toThrow(/local key id "dev"/);
    expect(() => loadConfig({ ...production, WEBHOOK_SECRET_KEYS: `k1:${btoa('too short')}` })).toThrow(/32 bytes/);
    expect(() => loadConfig({ ...production, WEBHOOK_SECRET_KEYS: `k1:${btoa('x'.repeat(32))},k1:${btoa('y'.repeat(32))}` })).toThrow(/differ/);
    expect(loadConfig({ ...production, WEBHOOK_SECRET_KEYS: `k2:${btoa('y'.repeat(32))}, k1:${btoa('x'.repeat(32))}` }).webhooks.secretKeys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(loadConfig(production).env).toBe('production');
  });

  it('needs the email API in production (verification and reset links must reach people)', () => {
    expect(() => loadConfig({ ...production, EMAIL_API_URL: undefined, EMAIL_API_KEY: undefined })).toThrow(/EMAIL_API_URL and EMAIL_API_KEY are required in production/);
    expect(() => loadConfig({ ...production, EMAIL_API_KEY: undefined })).toThrow(/EMAIL_API/);
    expect(loadConfig({ ...production, APP_ENV: 'development', EMAIL_API_URL: undefined, EMAIL_API_KEY: undefined } as Env).mail).toBeUndefined();
  });

  it('accepts them locally', () => {
    expect(loadConfig({ ...production, APP_ENV: 'development', FLEET_SECRET: 'dev-only-fleet-secret-0123456789abcdef' } as Env).fleet.secret).toMatch(/^dev-only-/);
  });
});

describe('a Worker with development settings', () => {
  const call = (url: string, bindings: Partial<Env> = {}) => fetchWith(bindingsWith(bindings), new Request(url));

  it('refuses to serve on a public hostname (a deploy that kept APP_ENV=development)', async () => {
    for (const appEnv of ['development', 'test']) {
      for (const url of ['https://roomcast.example.com/health', 'https://api.roomcast.app/api/v1/subscriptions/plans', 'https://roomcast.workers.dev/api/v1/auth/me']) {
        expect(await call(url, { APP_ENV: appEnv })).toMatchObject({ status: 503, body: { error: { code: 'unsafe_configuration', message: expect.stringContaining('APP_ENV=production') } } });
      }
    }
  });

  it('serves on loopback and reserved local names, as under npm run dev and the tests', async () => {
    for (const url of ['http://127.0.0.1:8787/health', 'http://localhost:8787/health', 'http://[::1]:8787/health', 'http://roomcast.test/health']) {
      expect((await call(url, { APP_ENV: 'development' })).status).toBe(200);
    }
    expect((await exports.default.fetch(new Request('http://roomcast.test/api/v1/subscriptions/plans'))).status).toBe(200);
  });
});
