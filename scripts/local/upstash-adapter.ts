// Upstash's REST protocol over a real local redis-server, so the unchanged @upstash/redis client
// (Worker and Node alike) works without an Upstash account. What the client sends and expects,
// read from @upstash/redis 1.39 (pkg/http.ts, pkg/pipeline.ts):
//   POST /            body ["SET","k","v"]            -> {result} | 400 {error}
//   POST /pipeline    body [[...], [...]]             -> [{result} | {error}, ...]
//   POST /multi-exec  body [[...], [...]] (atomic)    -> [{result} | {error}, ...] | 400 {error}
//   Authorization: Bearer <token> (401 {error} otherwise)
//   Upstash-Encoding: base64 (the client's default) -> every string in a result, however deeply
//     nested, is base64 of the raw bytes; numbers and nulls stay as they are.
//   upstash-sync-token: sent on every request, read back from every response (read-your-writes;
//     a single local server is always consistent, so any token will do).
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Redis as RedisClient } from 'ioredis';

// ioredis is CommonJS. Loaded through require's cache on purpose: an ESM import under vitest sees
// only its module object, and vitest imports global-setup once per project, where a second ESM
// import re-runs ioredis's entry file, which then throws "Cannot redefine property: default".
const { Redis } = createRequire(import.meta.url)('ioredis') as { Redis: typeof RedisClient };

export interface UpstashAdapterOptions {
  /** 0 picks a free port; the real one is returned. */
  port: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Default redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** The bearer token clients must present (UPSTASH_REDIS_REST_TOKEN). */
  token: string;
  log?: (line: string) => void;
}

export interface UpstashAdapter {
  port: number;
  /** Base URL for UPSTASH_REDIS_REST_URL. */
  url: string;
  close(): Promise<void>;
}

/** Body of GET /health, so a caller can tell this adapter from another service on the port. */
export const UPSTASH_ADAPTER_HEALTH = 'roomcast-upstash-adapter';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

// These change the state of the shared connection or never return; Upstash refuses them too.
const REFUSED = new Set([
  'select', 'swapdb', 'auth', 'hello', 'reset', 'quit', 'client', 'monitor', 'sync', 'psync',
  'multi', 'exec', 'discard', 'watch', 'unwatch', 'subscribe', 'psubscribe', 'ssubscribe',
  'unsubscribe', 'punsubscribe', 'sunsubscribe', 'shutdown', 'debug',
]);
// These may block; each gets its own connection so that others are not stuck behind it.
const BLOCKING = new Set([
  'blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop', 'wait', 'waitaof',
]);

type Arg = string | Buffer;
type Reply = Buffer | string | number | null | Reply[] | Error;
type Json = string | number | null | Json[];

class CommandError extends Error {}

export async function startUpstashAdapter(opts: UpstashAdapterOptions): Promise<UpstashAdapter> {
  const log = opts.log ?? (() => {});
  const redisUrl = opts.redisUrl ?? 'redis://127.0.0.1:6379';
  const expectedAuth = Buffer.from(`Bearer ${opts.token}`);
  if (!opts.token) throw new Error('upstash adapter: a token is required');

  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    connectTimeout: 3000,
    // Keep retrying in the background if redis restarts; requests fail fast meanwhile.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', (err) => log(`redis: ${err.message}`));
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`upstash adapter: cannot reach redis at ${redisUrl}: ${(err as Error).message}`);
  }

  let syncToken = 0;
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`request failed: ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, { error: 'ERR internal adapter error' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://adapter.invalid').pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(UPSTASH_ADAPTER_HEALTH);
      return;
    }
    if (!authorized(req.headers.authorization)) {
      req.resume();
      send(res, 401, { error: 'Unauthorized' });
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      send(res, 405, { error: 'ERR only POST is supported' });
      return;
    }
    const body = await readJson(req);
    if (body === undefined) {
      send(res, 400, { error: 'ERR failed to parse the request body as JSON' });
      return;
    }
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const encode = (reply: Reply) => toJson(reply, base64);
    res.setHeader('upstash-sync-token', String(++syncToken));

    try {
      if (path === '/') {
        const reply = await run(toCommand(body));
        if (reply instanceof Error) send(res, 400, { error: reply.message });
        else send(res, 200, { result: encode(reply) });
      } else if (path === '/pipeline') {
        const commands = toCommands(body);
        // Issued together on one connection, so they run in order (not atomically, like Upstash).
        const replies = await Promise.all(commands.map((c) => run(c)));
        send(res, 200, replies.map((r) => (r instanceof Error ? { error: r.message } : { result: encode(r) })));
      } else if (path === '/multi-exec') {
        const replies = await transaction(toCommands(body));
        send(res, 200, replies.map((r) => (r instanceof Error ? { error: r.message } : { result: encode(r) })));
      } else {
        send(res, 404, { error: `ERR unknown endpoint ${path}` });
      }
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      send(res, 400, { error: err.message });
    }
  }

  function authorized(header: string | undefined): boolean {
    if (!header) return false;
    const given = Buffer.from(header);
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  }

  async function run([name, ...args]: Arg[]): Promise<Reply> {
    const lower = String(name).toLowerCase();
    if (REFUSED.has(lower)) return new Error(`ERR command is not available: '${lower}'`);
    const blocking = BLOCKING.has(lower) || ((lower === 'xread' || lower === 'xreadgroup') && hasBlockOption(args));
    const conn = blocking ? redis.duplicate() : redis;
    try {
      return (await conn.callBuffer(wireName(name), ...args)) as Reply;
    } catch (err) {
      return asError(err);
    } finally {
      if (blocking) conn.disconnect();
    }
  }

  async function transaction(commands: Arg[][]): Promise<Reply[]> {
    for (const [name] of commands) {
      const lower = String(name).toLowerCase();
      if (REFUSED.has(lower) || BLOCKING.has(lower)) {
        throw new CommandError(`ERR command is not allowed in a transaction: '${lower}'`);
      }
    }
    const multi = redis.multi();
    for (const [name, ...args] of commands) multi.callBuffer(wireName(name), ...args);
    let results: [Error | null, unknown][] | null;
    try {
      results = await multi.exec();
    } catch (err) {
      // EXECABORT: a command was rejected while queueing (unknown command, wrong arity).
      throw new CommandError(asError(err).message);
    }
    if (results === null) throw new CommandError('ERR transaction aborted');
    return results.map(([err, reply]) => (err ? asError(err) : (reply as Reply)));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    redis.disconnect();
    throw err;
  });
  server.on('error', (err) => log(`server error: ${err.message}`));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('adapter has no TCP address');
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';

  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(async () => {
        await redis.quit().catch(() => redis.disconnect());
      });
      return closing;
    },
  };
}

// ioredis reshapes some replies (hgetall -> object, zrange withscores -> pairs...) by looking the
// command up by its lower-case name; Upstash returns Redis's raw RESP2 shape. Redis ignores the
// case of command names, so sending them upper-case keeps every reply raw.
function wireName(name: Arg | undefined): string {
  return String(name).toUpperCase();
}

function hasBlockOption(args: Arg[]): boolean {
  return args.some((a) => String(a).toLowerCase() === 'block');
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function toCommand(value: unknown): Arg[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new CommandError('ERR a command must be a non-empty JSON array');
  }
  return value.map((v): Arg => {
    if (typeof v === 'string') return Buffer.from(v, 'utf8');
    if (typeof v === 'number') return String(v);
    // The client serializes objects itself; anything else is taken as its JSON text.
    return JSON.stringify(v) ?? '';
  });
}

function toCommands(value: unknown): Arg[][] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new CommandError('ERR a pipeline must be a non-empty JSON array of commands');
  }
  return value.map(toCommand);
}

function toJson(reply: Reply, base64: boolean): Json {
  if (reply === null || typeof reply === 'number') return reply;
  if (Array.isArray(reply)) return reply.map((r) => toJson(r, base64));
  if (reply instanceof Error) return reply.message;
  const bytes = typeof reply === 'string' ? Buffer.from(reply, 'utf8') : reply;
  return base64 ? bytes.toString('base64') : bytes.toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}
