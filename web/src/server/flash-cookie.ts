// SolidStart's no-JS path (a form posted without JavaScript) answers with a redirect and a `flash`
// cookie that holds the action's result AND every submitted form field (see handleNoJS in
// @solidjs/start's server-handler), so a failed sign-in would store the password in the browser's
// cookie jar. Every such cookie is rewritten on its way out: no form input at all (no page reads
// it back), no one-time secrets in the result, and our session cookie's flags.
// Pure header logic (no SolidStart imports) so it can be unit tested.

export const FLASH_COOKIE = 'flash';

/** Result fields that are credentials; a page shows them once, never through a cookie. */
const SECRET_KEYS = new Set(['password', 'secret', 'token', 'acceptUrl']);
const MAX_DEPTH = 8;

function withoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => withoutSecrets(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !SECRET_KEYS.has(key))
      .map(([key, item]) => [key, withoutSecrets(item, depth + 1)]),
  );
}

/**
 * The Set-Cookie line to send instead of `setCookie`: unchanged for other cookies, scrubbed for
 * the flash cookie, or null (send nothing) when a flash cookie cannot be read.
 */
export function scrubFlashCookie(setCookie: string, secure: boolean): string | null {
  const eq = setCookie.indexOf('=');
  if (eq < 0 || setCookie.slice(0, eq).trim() !== FLASH_COOKIE) return setCookie;
  const raw = setCookie.slice(eq + 1).split(';')[0] ?? '';
  let flash: { url?: unknown; result?: unknown; thrown?: unknown; error?: unknown };
  try {
    flash = JSON.parse(decodeURIComponent(raw));
  } catch {
    return null;
  }
  if (!flash || typeof flash !== 'object') return null;
  // `input: []` keeps SolidStart's reader (initFromFlash) working without any submitted field.
  const value = { url: flash.url, result: withoutSecrets(flash.result), thrown: flash.thrown, error: flash.error, input: [] };
  return `${FLASH_COOKIE}=${encodeURIComponent(JSON.stringify(value))}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** The response with any flash cookie scrubbed (the same object when it sets none). */
export function withScrubbedFlash(response: Response, secure: boolean): Response {
  const cookies = response.headers.getSetCookie();
  if (!cookies.some((c) => c.trimStart().startsWith(`${FLASH_COOKIE}=`))) return response;
  const headers = new Headers(response.headers);
  headers.delete('set-cookie');
  for (const cookie of cookies) {
    const kept = scrubFlashCookie(cookie, secure);
    if (kept !== null) headers.append('set-cookie', kept);
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
