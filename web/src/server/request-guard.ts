// Which requests may reach server code (CSRF). SolidStart runs a server function at `/_server`
// for ANY method: a GET (or HEAD, OPTIONS...) takes its arguments from the query string, so a
// plain link could run a mutation with the victim's SameSite=Lax cookie. Hence:
// - a server function is POSTed, except a read: the router's query() calls server functions by
//   GET, and only the `load*` functions are reads (a convention test/unit/request-guard checks
//   against every query() and action() in web/src);
// - server functions, and every request that is not a read (GET/HEAD), must come from a page of
//   this origin, by Origin and by Sec-Fetch-Site;
// - a server function's body says its length and is small (the handler parses it whole, so an
//   unbounded one would cost the isolate its memory): the browser's client always sends a string
//   or a form with Content-Length; a body without one (chunked) is refused.
// Pure request logic (no SolidStart imports) so it can be unit tested.

export interface Refusal {
  status: 403 | 405 | 411 | 413;
  code: 'csrf_rejected' | 'method_not_allowed' | 'length_required' | 'payload_too_large';
  message: string;
}

/** The largest server-function body: a form or a few arguments (the API's own JSON limit). */
export const SERVER_FUNCTION_BODY_LIMIT = 64 * 1024;

const READ_METHODS = new Set(['GET', 'HEAD']);
const SERVER_FUNCTION_BASE = '/_server';
/** SolidStart's id of a read: `src_dashboard_rooms_server_ts--loadRooms_1`. */
export const READ_FUNCTION = /--load[A-Z]\w*_\d+$/;

/** The function SolidStart's handler will run: the X-Server-Id header's, else the `id` parameter's. */
function functionId(request: Request): string {
  const header = request.headers.get('x-server-id');
  if (header === null) return new URL(request.url).searchParams.get('id') ?? '';
  try {
    return decodeURIComponent(header).split('#')[0] ?? '';
  } catch {
    return header;
  }
}

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
  const read = request.method === 'GET' && READ_FUNCTION.test(functionId(request));
  if (serverFunction && request.method !== 'POST' && !read) {
    return { status: 405, code: 'method_not_allowed', message: 'Only reads may be called with GET; this server function takes POST' };
  }
  if (serverFunction) return bodyRefusal(request);
  return null;
}

function bodyRefusal(request: Request): Refusal | null {
  const declared = request.headers.get('content-length');
  if (declared === null) {
    return request.body === null ? null : { status: 411, code: 'length_required', message: 'Send the body with a Content-Length' };
  }
  const length = Number(declared);
  if (!Number.isSafeInteger(length) || length < 0) return { status: 411, code: 'length_required', message: 'Content-Length is not a length' };
  if (length > SERVER_FUNCTION_BODY_LIMIT) {
    return { status: 413, code: 'payload_too_large', message: `The request body is larger than ${SERVER_FUNCTION_BODY_LIMIT} bytes` };
  }
  return null;
}
