// TURN credentials with every join (coturn's TURN REST API, `use-auth-secret`): the user name is
// "<expiry>:<user>", the password base64(HMAC-SHA1(secret, user name)). The HMAC is checked
// against a vector computed outside the Worker (Python's hmac), and coturn itself accepts and
// refuses them in media-node/test/turn-relay.test.ts.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { mintIceServers, turnPassword } from '../src/rooms/turn-credentials.ts';
import { api, bindingsWith, fetchWith, signUp, unique } from './api-client.ts';

const SECRET = 'turn-test-secret-0123456789abcdef0123';
const withTurn = bindingsWith({ TURN_SECRET: SECRET, TURN_URLS: 'turn:turn.example.test:3478?transport=udp, turns:turn.example.test:443?transport=tcp', TURN_TTL_SECONDS: '600' });

describe('TURN credentials', () => {
  it('are coturn REST API credentials: HMAC-SHA1 of "expiry:user", base64', async () => {
    // python3 -c "import hmac,hashlib,base64; print(base64.b64encode(hmac.new(b'turn-test-secret-0123456789abcdef0123', b'1700003600:user_abc', hashlib.sha1).digest()).decode())"
    expect(await turnPassword(SECRET, '1700003600:user_abc')).toBe('lzGUj9cL/c4xCf4Ppx8uuqcq6Z0=');
    const [server] = await mintIceServers({ secret: SECRET, urls: ['turn:t:3478'], ttlSeconds: 3600 }, 'user:abc', 1_700_000_000_000);
    expect(server).toEqual({ urls: ['turn:t:3478'], username: '1700003600:user_abc', credential: 'lzGUj9cL/c4xCf4Ppx8uuqcq6Z0=' });
  });

  it('come with every join when TURN is configured, valid for TURN_TTL_SECONDS', async () => {
    const owner = await signUp('turn-join');
    const slug = unique('turn');
    const created = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'TURN', slug, visibility: 'public' } });
    const roomId = created.body.id as string;
    const request = (path: string, token?: string, body: unknown = {}) =>
      new Request(`http://roomcast.test/api/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    const started = await fetchWith(withTurn, request(`/organizations/${owner.organizationId}/rooms/${roomId}/start`, owner.token));
    expect([200, 201]).toContain(started.status);
    const before = Math.floor(Date.now() / 1000);
    const host = started.body.join.iceServers;
    expect(host).toHaveLength(1);
    expect(host[0].urls).toEqual(['turn:turn.example.test:3478?transport=udp', 'turns:turn.example.test:443?transport=tcp']);
    const [expiry, user] = (host[0].username as string).split(':');
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600 - 1);
    expect(Number(expiry)).toBeLessThanOrEqual(before + 600 + 5);
    expect(user).toMatch(/^user_[0-9a-f-]{36}$/);
    expect(host[0].credential).toBe(await turnPassword(SECRET, host[0].username));

    const viewer = await fetchWith(withTurn, request(`/public/rooms-by-id/${roomId}/join`, undefined, { name: 'Guest' }));
    expect(viewer.status).toBe(200);
    expect(viewer.body.iceServers[0].username).toMatch(/^\d+:guest-[0-9a-f-]{36}$/);
    expect(viewer.body.iceServers[0].credential).toBe(await turnPassword(SECRET, viewer.body.iceServers[0].username));

    // Without TURN configured (the test project's default), joins carry no iceServers.
    const plain = await api('POST', `/public/rooms-by-id/${roomId}/join`, { body: { name: 'Guest' } });
    expect(plain.body.iceServers).toEqual([]);
  });

  it('need TURN_SECRET and TURN_URLS together, turn: URLs, a long secret, and no published dev secret in production', () => {
    expect(() => loadConfig(bindingsWith({ TURN_SECRET: SECRET }))).toThrow(/TURN_SECRET and TURN_URLS go together/);
    expect(() => loadConfig(bindingsWith({ TURN_URLS: 'turn:x:3478' }))).toThrow(/TURN_SECRET and TURN_URLS go together/);
    expect(() => loadConfig(bindingsWith({ TURN_SECRET: SECRET, TURN_URLS: 'https://x' }))).toThrow(/turn: or turns:/);
    expect(() => loadConfig(bindingsWith({ TURN_SECRET: 'short', TURN_URLS: 'turn:x:3478' }))).toThrow(/32 characters/);
    expect(() => loadConfig(bindingsWith({ APP_ENV: 'production', STRIPE_SECRET_KEY: 'sk', STRIPE_WEBHOOK_SECRET: 'wh', ROOM_TOKEN_SECRET: 'p'.repeat(40), FLEET_SECRET: 'p'.repeat(40), ADMIN_TOKEN: 'p'.repeat(40), TURN_SECRET: `dev-only-${'x'.repeat(30)}`, TURN_URLS: 'turn:x:3478' }))).toThrow(/TURN_SECRET/);
  });
});
