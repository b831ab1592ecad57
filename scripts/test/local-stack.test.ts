// The local stand-ins for Upstash and Neon, exercised with the unchanged cloud clients. The proxy
// and adapter under test are the ones global-setup started on the test ports.
import { randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { Pool, neonConfig } from '@neondatabase/serverless';
import { Redis as Upstash } from '@upstash/redis';
import { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startNeonWsProxy } from '../local/neon-ws-proxy.ts';
import { testServices } from './services.ts';

const upstashUrl = testServices.workerBindings.UPSTASH_REDIS_REST_URL;
const proxyPort = testServices.neonProxyPort;
const prefix = `test:local-stack:${randomUUID()}:`;
const key = (name: string) => prefix + name;

describe('Upstash adapter with @upstash/redis', () => {
  const redis = new Upstash({ url: upstashUrl, token: testServices.upstashToken });
  const direct = new IORedis(testServices.redisUrl);

  afterAll(async () => {
    const keys = await direct.keys(`${prefix}*`);
    if (keys.length) await direct.del(...keys);
    direct.disconnect();
  });

  it('round-trips unicode and control characters through SET and GET', async () => {
    // (Strings that parse as JSON come back parsed: that is the client's doing, not the adapter's.)
    const values = ['héllo ☃ 🚀 日本語', 'nul\u0000 and \u0001\u007f\u0080\u00ff', ' leading and trailing ', '{not json'];
    for (const [i, value] of values.entries()) {
      expect(await redis.set(key(`s${i}`), value)).toBe('OK');
      expect(await redis.get(key(`s${i}`))).toBe(value);
    }
    expect(await redis.get(key('missing'))).toBeNull();
  });

  it('returns non-UTF-8 bytes unchanged, base64-encoded', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41, 0xc3]);
    await direct.set(key('bin'), bytes);
    const res = await fetch(upstashUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${testServices.upstashToken}`, 'upstash-encoding': 'base64' },
      body: JSON.stringify(['GET', key('bin')]),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('upstash-sync-token')).toBeTruthy();
    expect(await res.json()).toEqual({ result: bytes.toString('base64') });
  });

  it('stores JSON values the way the client serializes them', async () => {
    await redis.set(key('json'), { a: 1, nested: ['x', null] });
    expect(await redis.get(key('json'))).toEqual({ a: 1, nested: ['x', null] });
    await redis.hset(key('hash'), { field: 'välue', n: 7 });
    expect(await redis.hgetall(key('hash'))).toEqual({ field: 'välue', n: 7 });
  });

  it('counts with INCR and expires with EXPIRE', async () => {
    expect(await redis.incr(key('counter'))).toBe(1);
    expect(await redis.incrby(key('counter'), 41)).toBe(42);
    expect(await redis.expire(key('counter'), 60)).toBe(1);
    const ttl = await redis.ttl(key('counter'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('answers nested array replies', async () => {
    await redis.rpush(key('list'), 'a', 'ü', 'c');
    expect(await redis.lrange(key('list'), 0, -1)).toEqual(['a', 'ü', 'c']);
    expect(await redis.eval('return {1, "two", {3, "vier"}}', [], [])).toEqual([1, 'two', [3, 'vier']]);
  });

  it('runs a pipeline in order and reports each command on its own', async () => {
    const p = redis.pipeline();
    p.set(key('p'), 'x');
    p.get(key('p'));
    p.lpush(key('p'), 'wrong type');
    p.incr(key('p-count'));
    const results = await p.exec({ keepErrors: true });
    expect(results.map((r) => r.result)).toEqual(['OK', 'x', undefined, 1]);
    expect(results[2]?.error).toMatch(/WRONGTYPE/);
  });

  it('runs MULTI/EXEC atomically', async () => {
    const tx = redis.multi();
    tx.incr(key('m'));
    tx.incr(key('m'));
    tx.get(key('m'));
    expect(await tx.exec()).toEqual([1, 2, 2]);

    await redis.set(key('m-str'), 'not a number');
    const failing = redis.multi();
    failing.incr(key('m-str'));
    failing.set(key('m-after'), 'ran');
    const results = await failing.exec({ keepErrors: true });
    expect(results[0]?.error).toMatch(/not an integer/);
    expect(results[1]?.result).toBe('OK');
  });

  it('turns a Redis error reply into a rejected command', async () => {
    await redis.set(key('text'), 'abc');
    await expect(redis.incr(key('text'))).rejects.toThrow(/not an integer/);
    const res = await fetch(upstashUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${testServices.upstashToken}` },
      body: JSON.stringify(['INCR', key('text')]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/^ERR value is not an integer/) });
  });

  it('works without base64 encoding too', async () => {
    const plain = new Upstash({ url: upstashUrl, token: testServices.upstashToken, responseEncoding: false });
    await plain.set(key('plain'), 'ünïcode');
    expect(await plain.get(key('plain'))).toBe('ünïcode');
  });

  it('rejects a wrong or missing token with 401', async () => {
    const intruder = new Upstash({ url: upstashUrl, token: 'wrong-token', retry: false });
    await expect(intruder.get(key('s0'))).rejects.toThrow(/Unauthorized/);
    const res = await fetch(`${upstashUrl}/pipeline`, { method: 'POST', body: JSON.stringify([['GET', key('s0')]]) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'Unauthorized' });
  });

  it('refuses commands that would change the shared connection', async () => {
    await expect(redis.exec(['SELECT', '1'])).rejects.toThrow(/not available/);
    // The shared connection still talks to the same database.
    expect(await redis.get(key('s0'))).toBe('héllo ☃ 🚀 日本語');
  });
});

describe('Neon WebSocket proxy with @neondatabase/serverless', () => {
  beforeAll(() => {
    neonConfig.webSocketConstructor = WebSocket;
    neonConfig.wsProxy = (host, port) => `127.0.0.1:${proxyPort}/v2?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
    neonConfig.pipelineTLS = false;
  });

  it('runs transactions against the real Postgres', async () => {
    const pool = new Pool({ connectionString: testServices.adminDatabaseUrl, max: 2 });
    try {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('CREATE TEMP TABLE proxy_probe (v text) ON COMMIT DROP');
        await client.query('INSERT INTO proxy_probe VALUES ($1), ($2)', ['ünï', 'x'.repeat(200_000)]);
        const { rows } = await client.query<{ v: string }>('SELECT v FROM proxy_probe ORDER BY length(v)');
        await client.query('COMMIT');
        expect(rows.map((r) => r.v.length)).toEqual([3, 200_000]);
        expect(rows[0]?.v).toBe('ünï');
      } finally {
        client.release();
      }
      await expect(pool.query('SELECT 1 FROM proxy_probe')).rejects.toThrow(/does not exist/);
      const [a, b] = await Promise.all([pool.query('SELECT 1 AS n'), pool.query('SELECT current_database() AS db')]);
      expect(a.rows[0]).toEqual({ n: 1 });
      expect(b.rows[0]).toEqual({ db: new URL(testServices.adminDatabaseUrl).pathname.slice(1) });
    } finally {
      await pool.end();
    }
  });

  it('logs the Worker in as the API role', async () => {
    const pool = new Pool({ connectionString: testServices.workerBindings.DATABASE_URL });
    try {
      const { rows } = await pool.query('SELECT current_user AS u');
      expect(rows[0]).toEqual({ u: 'roomcast_app' });
    } finally {
      await pool.end();
    }
  });

  it('refuses to relay to an address that is not loopback', async () => {
    for (const address of ['10.0.0.1:5432', '192.168.1.10:5432', 'db.example.com:5432', '[2001:db8::1]:5432', '0.0.0.0:5432']) {
      expect(await upgradeStatus(`ws://127.0.0.1:${proxyPort}/v2?address=${encodeURIComponent(address)}`)).toBe(403);
    }
    const pool = new Pool({ connectionString: 'postgres://postgres@10.1.2.3:5432/postgres', connectionTimeoutMillis: 3000 });
    try {
      await expect(pool.query('SELECT 1')).rejects.toThrow();
    } finally {
      await pool.end().catch(() => {});
    }
  });

  it('refuses browser pages (any Origin) and malformed requests', async () => {
    const ok = `ws://127.0.0.1:${proxyPort}/v2?address=127.0.0.1:5432`;
    expect(await upgradeStatus(ok, { origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${proxyPort}/v2`)).toBe(400);
    expect(await upgradeStatus(`ws://127.0.0.1:${proxyPort}/v2?address=127.0.0.1:99999`)).toBe(400);
  });
});

describe('Neon WebSocket proxy on its own', () => {
  it('listens on an ephemeral port and half-closes after Terminate, even if the server never hangs up', async () => {
    // A stand-in for PGlite: records what it receives and never closes its side.
    const received: Buffer[] = [];
    let sawEnd!: () => void;
    const ended = new Promise<void>((resolve) => (sawEnd = resolve));
    const sockets: Socket[] = [];
    const db = createServer({ allowHalfOpen: true }, (s) => {
      sockets.push(s);
      s.on('data', (d) => received.push(d));
      s.on('end', sawEnd);
    });
    await new Promise<void>((resolve) => db.listen(0, '127.0.0.1', resolve));
    const dbPort = (db.address() as { port: number }).port;
    const proxy = await startNeonWsProxy({ port: 0 });
    expect(proxy.port).toBeGreaterThan(0);
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/v2?address=127.0.0.1:${dbPort}`);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const startup = startupMessage({ user: 'postgres', database: 'postgres' });
      // A query whose parameters happen to contain the Terminate bytes must not end the session.
      // It is long and split across frames, the way a bulk INSERT arrives.
      const tricky = typedMessage(
        'Q',
        Buffer.concat([Buffer.from('SELECT '), Buffer.from([0x58, 0, 0, 0, 4]), Buffer.alloc(100_000, 0x20), Buffer.from([0])]),
      );
      ws.send(Buffer.concat([startup, tricky.subarray(0, 3)]));
      ws.send(tricky.subarray(3, 9));
      ws.send(tricky.subarray(9, 50_000));
      ws.send(tricky.subarray(50_000));
      await expect.poll(() => Buffer.concat(received).length).toBe(startup.length + tricky.length);
      let endedEarly = false;
      void ended.then(() => (endedEarly = true));
      // A barrier instead of a pause: the proxy relays in order, so once a later message (Sync)
      // has reached the database side, a half-close caused by the bytes before it would have too.
      const sync = Buffer.from([0x53, 0, 0, 0, 4]);
      ws.send(sync);
      await expect.poll(() => Buffer.concat(received).length).toBe(startup.length + tricky.length + sync.length);
      expect(endedEarly).toBe(false);

      ws.send(Buffer.from([0x58, 0, 0, 0, 4])); // Terminate, socket left open by the client
      await withTimeout(ended, 2000, 'proxy did not half-close the database side after Terminate');
      expect(Buffer.concat(received).subarray(-5)).toEqual(Buffer.from([0x58, 0, 0, 0, 4]));

      // Once the database closes, the WebSocket closes too.
      const closed = new Promise<number>((resolve) => ws.once('close', resolve));
      for (const s of sockets) s.end();
      expect(await withTimeout(closed, 2000, 'websocket did not close')).toBe(1000);
    } finally {
      await proxy.close();
      db.close();
    }
  });

  it('closes the WebSocket when the database is not listening', async () => {
    const proxy = await startNeonWsProxy({ port: 0 });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/v2?address=127.0.0.1:1`);
      const code = await withTimeout(new Promise<number>((resolve) => ws.once('close', resolve)), 3000, 'no close');
      expect(code).toBe(1011);
    } finally {
      await proxy.close();
    }
  });
});

function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

function startupMessage(params: Record<string, string>): Buffer {
  const body = Buffer.concat([
    Buffer.from([0, 3, 0, 0]),
    ...Object.entries(params).map(([k, v]) => Buffer.from(`${k}\0${v}\0`)),
    Buffer.from([0]),
  ]);
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  return Buffer.concat([len, body]);
}

function typedMessage(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
