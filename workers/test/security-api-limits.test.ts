// Attacker's tests of the API's own limits: how much one caller may send (body size, request
// rate per session user and per API key), what /health tells strangers, and the operator token.
import { describe, expect, it } from 'vitest';
import { api, bindingsWith, type ApiResponse, fetchWith, setPlan, signUp } from './api-client.ts';
import { ADMIN } from './fleet-test-node.ts';
import { LISTED_REVOKED_API_KEYS, MAX_ACTIVE_API_KEYS } from '../src/api-keys/api-key-routes.ts';
import { MAX_PENDING_INVITATIONS } from '../src/tenancy/member-routes.ts';
import { health } from '../src/platform/health.ts';

const errorBody = (code: string) => ({ error: { code, message: expect.any(String) } });

describe('request bodies', () => {
  it('a JSON body over the limit answers 413 payload_too_large before it is parsed', async () => {
    const owner = await signUp('body-limit');
    const res = await api('POST', `/organizations/${owner.organizationId}/workspaces`, { token: owner.token, rawBody: JSON.stringify({ name: 'x'.repeat(100 * 1024) }) });
    expect({ status: res.status, body: res.body }).toEqual({ status: 413, body: { error: { ...errorBody('payload_too_large').error, details: { maxBytes: 65536 } } } });
    // Not even valid JSON: the size is refused before any parse is attempted.
    const garbage = await api('POST', '/auth/login', { rawBody: '{'.repeat(70 * 1024) });
    expect({ status: garbage.status, body: garbage.body }).toMatchObject({ status: 413, body: errorBody('payload_too_large') });
  });

  it('a chunked body without content-length is cut off at the limit with 413', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Endless: the Worker must stop reading on its own.
        sent += chunk.byteLength;
        controller.enqueue(chunk);
        if (sent > 8 * 1024 * 1024) controller.close();
      },
    });
    const request = new Request('http://roomcast.test/api/v1/auth/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(request.headers.get('content-length')).toBeNull();
    const res = await fetchWith(bindingsWith({}), request);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 413, body: errorBody('payload_too_large') });
    expect(sent).toBeLessThan(1024 * 1024);
  });

  it('a body under the limit still works', async () => {
    const owner = await signUp('body-ok');
    const res = await api('PATCH', `/organizations/${owner.organizationId}`, { token: owner.token, body: { name: 'y'.repeat(100) } });
    expect(res.status).toBe(200);
  });
});

describe('per-principal rate limits', () => {
  const limited = bindingsWith({ API_RATE_LIMIT_PER_USER: '5', API_RATE_LIMIT_PER_KEY: '7' });
  const get = (path: string, token: string) =>
    new Request(`http://roomcast.test/api/v1${path}`, { headers: { authorization: `Bearer ${token}`, 'cf-connecting-ip': `10.9.${Math.floor(Math.random() * 250)}.1` } });

  it('a signed-in user over their budget gets 429 rate_limited with retry-after, from any address', async () => {
    const user = await signUp('rate-user');
    const statuses: number[] = [];
    let last!: ApiResponse;
    for (let i = 0; i < 7; i++) {
      last = await fetchWith(limited, get(`/organizations/${user.organizationId}`, user.token));
      statuses.push(last.status);
    }
    // signUp already spent one request of the budget of 5.
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429]);
    expect(last.body).toMatchObject(errorBody('rate_limited'));
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another user is not affected by the first one's budget.
    const other = await signUp('rate-other');
    expect((await fetchWith(limited, get('/auth/me', other.token))).status).toBe(200);
  });

  it('calls without a valid credential share one budget per client network: public lookups, room sockets and guessed tokens', async () => {
    const limited = bindingsWith({ API_RATE_LIMIT_PER_ANONYMOUS_CLIENT: '4' });
    const network = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const from = (ip: string, path: string, headers: Record<string, string> = {}) =>
      fetchWith(limited, new Request(`http://roomcast.test/api/v1${path}`, { headers: { 'cf-connecting-ip': ip, ...headers } }));
    const statuses: number[] = [];
    statuses.push((await from(`${network}::1`, `/public/rooms-by-id/${crypto.randomUUID()}`)).status);
    statuses.push((await from(`${network}::2`, `/rooms/${crypto.randomUUID()}/signal?token=x`, { upgrade: 'websocket' })).status);
    statuses.push((await from(`${network}::3`, '/auth/me', { authorization: `Bearer rck_${'x'.repeat(40)}` })).status);
    statuses.push((await from(`${network}::4`, '/auth/me', { authorization: 'Bearer 00000000-0000-0000-0000-000000000000|guess' })).status);
    statuses.push((await from(`${network}::5`, '/subscriptions/plans')).status);
    statuses.push((await from(`${network}::6`, '/auth/me', { authorization: 'Bearer guess-again' })).status);
    expect(statuses).toEqual([404, 401, 401, 401, 429, 429]);
    // Another client network, and a signed-in user from the limited one, have their own budgets.
    expect((await from(`192.0.2.${Math.floor(Math.random() * 250) + 1}`, '/subscriptions/plans')).status).toBe(200);
    const user = await signUp('anon-neighbour');
    expect((await from(`${network}::7`, '/auth/me', { authorization: `Bearer ${user.token}` })).status).toBe(200);
  });

  it('an API key over its budget gets 429 rate_limited; every answer says where it stands in RateLimit headers', async () => {
    const owner = await signUp('rate-key');
    await setPlan(owner, 'professional');
    const key = await api('POST', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token, body: { name: 'ci' } });
    expect(key.status).toBe(201);
    const answers: ApiResponse[] = [];
    for (let i = 0; i < 9; i++) answers.push(await fetchWith(limited, get(`/organizations/${owner.organizationId}/rooms`, key.body.secret)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 429, 429]);
    expect(answers.map((a) => Number(a.headers.get('ratelimit-remaining')))).toEqual([6, 5, 4, 3, 2, 1, 0, 0, 0]);
    expect(answers[0]!.headers.get('ratelimit-policy')).toBe('"api-key";q=7;w=60');
    expect(answers[0]!.headers.get('ratelimit')).toMatch(/^"api-key";r=6;t=\d+$/);
    expect(answers[0]!.headers.get('ratelimit-limit')).toBe('7');
    const reset = Number(answers[8]!.headers.get('ratelimit-reset'));
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(60);
    expect(Number(answers[8]!.headers.get('retry-after'))).toBe(reset);
  });
});

describe('bounded lists', () => {
  it(`an organization holds at most ${MAX_ACTIVE_API_KEYS} active API keys (each would bring its own request budget), racing creates included`, async () => {
    const owner = await signUp('key-hoard');
    await setPlan(owner, 'professional');
    const path = `/organizations/${owner.organizationId}/api-keys`;
    const created = await Promise.all(Array.from({ length: MAX_ACTIVE_API_KEYS + 5 }, (_, i) => api('POST', path, { token: owner.token, body: { name: `k${i}` } })));
    expect(created.filter((r) => r.status === 201)).toHaveLength(MAX_ACTIVE_API_KEYS);
    const refused = created.find((r) => r.status !== 201)!;
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'plan_limit', details: { limit: 'api_keys', max: MAX_ACTIVE_API_KEYS } });
    // Revoking one frees a slot for its replacement.
    const first = created.find((r) => r.status === 201)!;
    expect((await api('DELETE', `${path}/${first.body.apiKey.id}`, { token: owner.token })).status).toBe(204);
    expect((await api('POST', path, { token: owner.token, body: { name: 'rotated' } })).status).toBe(201);
  });

  it('the key list shows the active keys and only the most recently revoked ones, however many were churned', async () => {
    const owner = await signUp('key-churn');
    await setPlan(owner, 'professional');
    const path = `/organizations/${owner.organizationId}/api-keys`;
    for (let round = 0; round < 3; round++) {
      const batch = await Promise.all(Array.from({ length: MAX_ACTIVE_API_KEYS }, () => api('POST', path, { token: owner.token, body: { name: `r${round}` } })));
      await Promise.all(batch.map((k) => api('DELETE', `${path}/${k.body.apiKey.id}`, { token: owner.token })));
    }
    const live = await api('POST', path, { token: owner.token, body: { name: 'live' } });
    const list = await api('GET', path, { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.body.apiKeys).toHaveLength(1 + LISTED_REVOKED_API_KEYS);
    expect(list.body.apiKeys.filter((k: { revokedAt: string | null }) => k.revokedAt === null).map((k: { id: string }) => k.id)).toEqual([live.body.apiKey.id]);
  });

  it(`an organization has at most ${MAX_PENDING_INVITATIONS} invitations waiting at once`, async () => {
    const owner = await signUp('invite-spam');
    const path = `/organizations/${owner.organizationId}/invitations`;
    const invite = (i: number) => api('POST', path, { token: owner.token, body: { email: `spam-${i}-${owner.organizationId.slice(0, 8)}@example.test`, role: 'viewer' } });
    const statuses: number[] = [];
    for (let i = 0; i < MAX_PENDING_INVITATIONS + 3; i += 25) {
      const batch = await Promise.all(Array.from({ length: Math.min(25, MAX_PENDING_INVITATIONS + 3 - i) }, (_, j) => invite(i + j)));
      statuses.push(...batch.map((r) => r.status));
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(MAX_PENDING_INVITATIONS);
    expect(statuses.filter((s) => s === 403)).toHaveLength(3);
    const list = await api('GET', path, { token: owner.token });
    expect(list.body.invitations).toHaveLength(MAX_PENDING_INVITATIONS);
  });
});

describe('/health', () => {
  const broken = bindingsWith({ UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1', DATABASE_URL: 'postgres://roomcast_app:hunter2@127.0.0.1:1/nowhere' });

  it('tells anyone only ok or failing, never the raw dependency errors', async () => {
    const res = await fetchWith(broken, new Request('http://roomcast.test/health'));
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'degraded', dependencies: { postgres: { ok: false }, redis: { ok: false } } });
    const wrongToken = await fetchWith(broken, new Request('http://roomcast.test/health', { headers: { authorization: `Bearer ${ADMIN}x` } }));
    expect(wrongToken.body).toEqual(res.body);
  });

  it("a stranger's burst of /health requests probes the database and Redis once, not once per request", async () => {
    const pings = { postgres: 0, redis: 0 };
    const databaseUrl = `postgres://roomcast_app@127.0.0.1:1/${crypto.randomUUID()}`;
    const context = (authorization?: string) =>
      ({
        var: {
          config: { env: 'test', databaseUrl, redis: { url: 'http://127.0.0.1:1' }, fleet: { adminToken: ADMIN } },
          db: { ping: async () => void pings.postgres++ },
          redis: { ping: async () => void pings.redis++ },
        },
        req: { raw: new Request('http://roomcast.test/health', authorization ? { headers: { authorization } } : {}) },
        json: (body: unknown, status: number) => Response.json(body, { status }),
      }) as unknown as Parameters<typeof health>[0];
    expect((await health(context())).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 50 }, () => health(context()).then((r) => r.status)));
    expect(answers.every((s) => s === 200)).toBe(true);
    expect(pings).toEqual({ postgres: 1, redis: 1 });
    // The operator always gets a fresh probe.
    await health(context(`Bearer ${ADMIN}`));
    expect(pings).toEqual({ postgres: 2, redis: 2 });
  });

  it('gives the operator token the details', async () => {
    const res = await fetchWith(broken, new Request('http://roomcast.test/health', { headers: { authorization: `Bearer ${ADMIN}` } }));
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'degraded', worker: { ok: true, env: 'test' }, dependencies: { postgres: { ok: false, error: expect.any(String) }, redis: { ok: false, error: expect.any(String) } } });
  });
});

describe('the operator token', () => {
  it('is compared in constant time whatever the length presented (no early return on length)', async () => {
    // workerd freezes timers during execution, so observe the compare itself: a wrong-length
    // token must still go through the constant-time primitive, over equal-length inputs.
    const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean };
    const original = subtle.timingSafeEqual;
    const compared: [number, number][] = [];
    subtle.timingSafeEqual = function (a, b) {
      compared.push([a.byteLength, b.byteLength]);
      return original.call(this, a, b);
    };
    try {
      for (const token of ['short', `${ADMIN}-and-longer`]) {
        const res = await api('GET', '/admin/fleet/nodes', { token });
        expect(res.status).toBe(401);
      }
    } finally {
      subtle.timingSafeEqual = original;
    }
    expect(compared).toEqual([
      [32, 32],
      [32, 32],
    ]);
  });
});
