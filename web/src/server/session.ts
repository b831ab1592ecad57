// The browser session of the web app (BFF): the API's session token lives in our own httpOnly
// cookie `rc_web`, so page JavaScript never sees it. Only server code (this module, api.ts) reads
// it. Plain header handling through the request event (no vinxi/http import), so that a stray
// client-side import of a server module cannot pull Node-only code into the browser bundle.
import { getRequestEvent } from 'solid-js/web';

export const SESSION_COOKIE = 'rc_web';
/** Matches the API's default session lifetime (SESSION_TTL_HOURS = 720). */
const MAX_AGE_SECONDS = 30 * 24 * 3600;

function event() {
  const e = getRequestEvent();
  if (!e) throw new Error('session helpers run only while serving a request');
  return e;
}

function setCookieHeader(value: string, maxAge: number): string {
  // Secure whenever the page is served over https (always in production); plain http only locally.
  const secure = new URL(event().request.url).protocol === 'https:' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

/**
 * A cookie of this request. Split on `;` and also on `,`: SolidStart's single-flight render after
 * an action that redirects rebuilds the Cookie header with Headers.append, which joins cookies with
 * ", " (so with any second cookie, e.g. another app's on the same host, the session went unseen).
 * Neither character can occur in a cookie value (RFC 6265 cookie-octet; ours are URI-encoded).
 */
export function readCookie(wanted: string): string | undefined {
  const header = event().request.headers.get('cookie') ?? '';
  for (const part of header.split(/[;,]/)) {
    const [name, ...rest] = part.trim().split('=');
    if (name === wanted) {
      try {
        return decodeURIComponent(rest.join('=')) || undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function readSessionToken(): string | undefined {
  return readCookie(SESSION_COOKIE);
}

export function writeSessionToken(token: string): void {
  event().response.headers.append('set-cookie', setCookieHeader(token, MAX_AGE_SECONDS));
}

export function clearSessionToken(): void {
  event().response.headers.append('set-cookie', setCookieHeader('', 0));
}
