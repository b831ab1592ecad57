// A webhook receiver for the workers tests: records every request it gets (headers and the raw
// body, which is what signatures cover) and answers from a script in its URL, so each test names
// its own behaviour: POST /hooks/<name>?script=500,500,500,200 answers 500 three times, then 200
// (the last entry repeats); `429:2` adds `Retry-After: 2`. GET /hooks/<name>/received lists what
// arrived. It also answers DNS-over-HTTPS JSON queries (/dns-query) so the production URL policy
// can be tested: names under private.test resolve to 10.0.0.7, under public.test to 203.0.114.7.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const WEBHOOK_RECEIVER_HEALTH = 'roomcast-webhook-receiver';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  status: number;
  at: number;
}

export async function startWebhookReceiver(port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const received = new Map<string, ReceivedWebhook[]>();
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (url.pathname === '/health') return send(200, WEBHOOK_RECEIVER_HEALTH);
    if (url.pathname === '/dns-query') return send(200, dnsAnswer(url.searchParams.get('name') ?? '', url.searchParams.get('type') ?? 'A'));
    const list = /^\/hooks\/([\w-]+)\/received$/.exec(url.pathname);
    if (list && req.method === 'GET') return send(200, received.get(list[1]!) ?? []);
    const hook = /^\/hooks\/([\w-]+)$/.exec(url.pathname);
    if (!hook || req.method !== 'POST') return send(404, { error: 'no such hook' });
    const body = await readBody(req);
    const log = received.get(hook[1]!) ?? [];
    received.set(hook[1]!, log);
    const script = (url.searchParams.get('script') ?? '200').split(',');
    const [status, retryAfter] = (script[Math.min(log.length, script.length - 1)] ?? '200').split(':');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    log.push({ headers, body, status: Number(status), at: Date.now() });
    send(Number(status), { ok: true }, retryAfter ? { 'retry-after': retryAfter } : {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function dnsAnswer(name: string, type: string) {
  const v6 = type === 'AAAA';
  const address = name.endsWith('.private.test') ? (v6 ? 'fd00::7' : '10.0.0.7') : name.endsWith('.public.test') ? (v6 ? '2606:4700::7' : '203.0.114.7') : null;
  return { Status: address ? 0 : 3, Answer: address ? [{ name, type: v6 ? 28 : 1, TTL: 60, data: address }] : [] };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
