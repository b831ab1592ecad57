// CSRF defence for every mutation (server actions and functions are POSTs to this origin).
// Two layers: the session cookie is SameSite=Lax, so other sites' POSTs arrive without it; and
// here any non-GET request whose Origin (or, without Origin, Sec-Fetch-Site) shows another site
// is refused before any server code runs. Same-site subdomains and old browsers are covered too.
import { createMiddleware } from '@solidjs/start/middleware';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isCrossSiteWrite(request: Request): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const origin = request.headers.get('origin');
  if (origin) return origin !== new URL(request.url).origin;
  const site = request.headers.get('sec-fetch-site');
  return site !== null && site !== 'same-origin' && site !== 'none';
}

export default createMiddleware({
  onRequest: (event) => {
    if (isCrossSiteWrite(event.request)) {
      return new Response(JSON.stringify({ error: { code: 'csrf_rejected', message: 'Cross-site request refused' } }), {
        status: 403,
        headers: { 'content-type': 'application/json' },
      });
    }
  },
});
