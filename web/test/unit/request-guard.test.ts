// The web server's CSRF rule as request logic: which requests reach server code at all.
import { describe, expect, it } from 'vitest';
import { refusal } from '../../src/server/request-guard.ts';

const ORIGIN = 'https://app.roomcast.example';
const FN = `${ORIGIN}/_server?id=src%2Fdashboard%2Fmembers.server.ts&name=changeRole&args=%5B%5D`;

const request = (url: string, method: string, headers: Record<string, string> = {}) => new Request(url, { method, headers });

describe('request guard', () => {
  it('refuses a server function called by GET, HEAD or any method but POST, even from this origin', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE']) {
      expect(refusal(request(FN, method, { 'sec-fetch-site': 'same-origin' }))?.status, method).toBe(405);
    }
  });

  it('recognises the server-function endpoint however its path is spelled', () => {
    for (const path of ['/_server/', '//_server', '/_SERVER', '/%5Fserver', '/%5fserver/', '/\\_server']) {
      expect(refusal(request(`${ORIGIN}${path}?id=x&name=y`, 'GET'))?.code, path).toBe('method_not_allowed');
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
});
