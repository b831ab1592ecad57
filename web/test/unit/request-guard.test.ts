// The web server's CSRF rule as request logic: which requests reach server code at all.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { READ_FUNCTION, refusal, SERVER_FUNCTION_BODY_LIMIT } from '../../src/server/request-guard.ts';

const WEB_SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

const ORIGIN = 'https://app.roomcast.example';
const FN = `${ORIGIN}/_server?id=src_dashboard_members_server_ts--changeRole_1&name=x&args=%5B%5D`;
const READ = `${ORIGIN}/_server/?id=src_dashboard_rooms_server_ts--loadRooms_1&name=x&args=%5B%5D`;

const request = (url: string, method: string, headers: Record<string, string> = {}) => new Request(url, { method, headers });

describe('request guard', () => {
  it('refuses a server function called by GET, HEAD or any method but POST, even from this origin', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE']) {
      expect(refusal(request(FN, method, { 'sec-fetch-site': 'same-origin' }))?.status, method).toBe(405);
    }
  });

  it('lets the router read by GET (load* functions, same origin) and runs no mutation by GET, whatever the URL says', () => {
    expect(refusal(request(READ, 'GET', { 'sec-fetch-site': 'same-origin', 'x-server-id': 'src_dashboard_rooms_server_ts--loadRooms_1#x' }))).toBeNull();
    expect(refusal(request(READ, 'GET', { 'sec-fetch-site': 'cross-site' }))?.code).toBe('csrf_rejected');
    expect(refusal(request(READ, 'HEAD', { 'sec-fetch-site': 'same-origin' }))?.code).toBe('method_not_allowed');
    // The handler runs the function the header names, not the one in the URL.
    expect(refusal(request(READ, 'GET', { 'sec-fetch-site': 'same-origin', 'x-server-id': 'src_dashboard_members_server_ts--changeRole_1#x' }))?.code).toBe(
      'method_not_allowed',
    );
  });

  it('recognises the server-function endpoint however its path is spelled', () => {
    for (const path of ['/_server/', '//_server', '/_SERVER', '/%5Fserver', '/%5fserver/', '/\\_server']) {
      expect(refusal(request(`${ORIGIN}${path}?id=x--startRoom_1&name=y`, 'GET'))?.code, path).toBe('method_not_allowed');
    }
    expect(refusal(request(`${ORIGIN}/anything`, 'GET', { 'x-server-id': 'x#y' }))?.code).toBe('method_not_allowed');
  });

  it('refuses a cross-site request to a server function whatever the method', () => {
    for (const method of ['GET', 'POST']) {
      expect(refusal(request(FN, method, { 'sec-fetch-site': 'cross-site' }))?.code, method).toBe('csrf_rejected');
      expect(refusal(request(FN, method, { 'sec-fetch-site': 'same-site' }))?.code, method).toBe('csrf_rejected');
      expect(refusal(request(FN, method, { origin: 'https://evil.example' }))?.code, method).toBe('csrf_rejected');
      expect(refusal(request(FN, method, { origin: 'null' }))?.code, method).toBe('csrf_rejected');
    }
  });

  it('refuses a cross-site write to any path, not only to server functions', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      expect(refusal(request(`${ORIGIN}/login`, method, { origin: 'https://evil.example' }))?.code, method).toBe('csrf_rejected');
    }
    // An Origin of this site does not help when the browser says the request is cross-site.
    expect(refusal(request(`${ORIGIN}/_server`, 'POST', { origin: ORIGIN, 'sec-fetch-site': 'cross-site' }))?.code).toBe('csrf_rejected');
  });

  it('lets same-origin POSTs to server functions and page reads from anywhere through', () => {
    expect(refusal(request(FN, 'POST', { origin: ORIGIN, 'sec-fetch-site': 'same-origin' }))).toBeNull();
    // A script or curl sends neither header: it carries no victim's cookie.
    expect(refusal(request(FN, 'POST'))).toBeNull();
    // Links from other sites to pages (a room, an invitation) keep working.
    expect(refusal(request(`${ORIGIN}/r/acme/market-open`, 'GET', { 'sec-fetch-site': 'cross-site' }))).toBeNull();
    expect(refusal(request(`${ORIGIN}/embed/abc`, 'HEAD', { 'sec-fetch-site': 'cross-site' }))).toBeNull();
  });

  it('refuses a server-function body over the limit, or one that does not say its length, before anything parses it', () => {
    const same = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' };
    const post = (headers: Record<string, string>, body?: BodyInit) => new Request(FN, { method: 'POST', headers: { ...same, ...headers }, ...(body ? { body, duplex: 'half' } : {}) } as RequestInit);
    expect(refusal(post({ 'content-length': String(SERVER_FUNCTION_BODY_LIMIT + 1) }, 'x'))?.status).toBe(413);
    expect(refusal(post({ 'content-length': 'lots' }, 'x'))?.status).toBe(411);
    // Chunked: a stream with no declared length.
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('[]')), c.close()) });
    expect(refusal(post({}, stream))?.status).toBe(411);
    // What the browser's client sends: a form or a string, with its length.
    expect(refusal(post({ 'content-length': '2' }, '[]'))).toBeNull();
    expect(refusal(post({ 'content-length': String(SERVER_FUNCTION_BODY_LIMIT) }, 'x'))).toBeNull();
    // Pages are not server functions: their bodies are none of this rule's business.
    expect(refusal(new Request(`${ORIGIN}/login`, { method: 'POST', headers: { ...same, 'content-length': '999999' }, body: 'x' }))).toBeNull();
  });

  it('every query() wraps a load* function and no action() does (the convention the GET rule relies on)', () => {
    const files = readdirSync(WEB_SRC, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f));
    const wrapped = (kind: string) =>
      files.flatMap((f) => [...readFileSync(join(WEB_SRC, f), 'utf8').matchAll(new RegExp(`\\b${kind}\\((\\w+),`, 'g'))].map((m) => m[1]!));
    const reads = wrapped('query');
    const writes = wrapped('action');
    expect(reads.length).toBeGreaterThan(5);
    expect(writes.length).toBeGreaterThan(5);
    for (const name of reads) expect(READ_FUNCTION.test(`--${name}_1`), `query(${name})`).toBe(true);
    for (const name of writes) expect(READ_FUNCTION.test(`--${name}_1`), `action(${name})`).toBe(false);
  });
});
