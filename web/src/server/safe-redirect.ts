// Where to send the browser after signing in (`next`): only somewhere on this origin. A string
// check is not enough: browsers read `/\evil.example` (and `/\t/evil.example`) as
// `//evil.example`. So the path is resolved the way a browser would, and accepted only when it
// lands on our origin and cannot be read as protocol-relative once it is sent as `Location`.

export function sameOriginPath(next: unknown, origin: string, fallback: string): string {
  if (typeof next !== 'string' || !next.startsWith('/')) return fallback;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== origin) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith('//') ? fallback : path;
}
