// Which requests may reach server code (CSRF). SolidStart runs a server function at `/_server`
// for ANY method: a GET (or HEAD, OPTIONS...) takes its arguments from the query string, so a
// plain link could run a mutation with the victim's SameSite=Lax cookie. Hence:
// - the server-function endpoint takes POST only (the client always POSTs, even for queries;
//   pages read through in-process calls during SSR, never through a GET to `/_server`);
// - server functions, and every request that is not a read (GET/HEAD), must come from a page of
//   this origin, by Origin and by Sec-Fetch-Site.
// Pure request logic (no SolidStart imports) so it can be unit tested.

export interface Refusal {
  status: 403 | 405;
  code: 'csrf_rejected' | 'method_not_allowed';
  message: string;
}

const READ_METHODS = new Set(['GET', 'HEAD']);
const SERVER_FUNCTION_BASE = '/_server';

/** SolidStart's server-function endpoint, however the path is spelled (case, slashes, escapes). */
export function isServerFunctionRequest(request: Request): boolean {
  if (request.headers.has('x-server-id')) return true;
  let path = new URL(request.url).pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape: judge the raw path.
  }
  path = path.replace(/[\\/]+/g, '/').toLowerCase();
  return path === SERVER_FUNCTION_BASE || path.startsWith(`${SERVER_FUNCTION_BASE}/`);
}

/**
 * True when the browser says the request comes from another site (or an opaque origin). Browsers
 * send Sec-Fetch-Site on every request and Origin on every POST; a client that sends neither is
 * not a victim's browser (and carries no one's cookie but its own).
 */
export function isCrossSite(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none') return true;
  const origin = request.headers.get('origin');
  return origin !== null && origin !== new URL(request.url).origin;
}

/** Why this request must not reach server code, or null when it may. */
export function refusal(request: Request): Refusal | null {
  const serverFunction = isServerFunctionRequest(request);
  if ((serverFunction || !READ_METHODS.has(request.method)) && isCrossSite(request)) {
    return { status: 403, code: 'csrf_rejected', message: 'Cross-site request refused' };
  }
  if (serverFunction && request.method !== 'POST') {
    return { status: 405, code: 'method_not_allowed', message: 'Server functions are called with POST only' };
  }
  return null;
}
