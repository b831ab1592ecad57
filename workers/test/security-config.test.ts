// The published local dev secrets (scripts/dev.ts, README) must never run a production Worker:
// with them anyone could mint media-node credentials or room tokens, or drive the admin API.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import type { Env } from '../src/env.ts';

const production = { ...(env as unknown as Env), APP_ENV: 'production', STRIPE_SECRET_KEY: 'sk_live_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' } as Env;

describe('production configuration', () => {
  it('refuses the published dev secrets', () => {
    expect(() => loadConfig({ ...production, FLEET_SECRET: 'dev-only-fleet-secret-0123456789abcdef' })).toThrow(/FLEET_SECRET/);
    expect(() => loadConfig({ ...production, ADMIN_TOKEN: 'dev-only-admin-token-0123456789abcdef0123' })).toThrow(/ADMIN_TOKEN/);
    expect(() => loadConfig({ ...production, ROOM_TOKEN_SECRET: 'dev-only-room-token-secret-0123456789abcdef' })).toThrow(/ROOM_TOKEN_SECRET/);
    expect(() => loadConfig({ ...production, ADMIN_TOKEN: undefined })).toThrow(/ADMIN_TOKEN is required/);
    expect(loadConfig(production).env).toBe('production');
  });

  it('accepts them locally', () => {
    expect(loadConfig({ ...production, APP_ENV: 'development', FLEET_SECRET: 'dev-only-fleet-secret-0123456789abcdef' } as Env).fleet.secret).toMatch(/^dev-only-/);
  });
});
