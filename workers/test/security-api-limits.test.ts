// Attacker's tests of the API's own limits: how much one caller may send (body size, request
// rate per session user and per API key), what /health tells strangers, and the operator token.
import { describe, expect, it } from 'vitest';
import { api, bindingsWith, type ApiResponse, fetchWith, setPlan, signUp } from './api-client.ts';
import { ADMIN } from './fleet-test-node.ts';

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

describe('/health', () => {
  const broken = bindingsWith({ UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1', DATABASE_URL: 'postgres://roomcast_app:hunter2@127.0.0.1:1/nowhere' });

  it('tells anyone only ok or failing, never the raw dependency errors', async () => {
    const res = await fetchWith(broken, new Request('http://roomcast.test/health'));
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'degraded', dependencies: { postgres: { ok: false }, redis: { ok: false } } });
    const wrongToken = await fetchWith(broken, new Request('http://roomcast.test/health', { headers: { authorization: `Bearer ${ADMIN}x` } }));
    expect(wrongToken.body).toEqual(res.body);
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
