// Where to send the browser after signing in (`next`): only somewhere on this origin. A string
// check is not enough: browsers read `/\evil.example` (and `/\t/evil.example`) as
// `//evil.example`. So the path is resolved the way a browser would, and accepted only when it
// lands on our origin and cannot be read as protocol-relative once it is sent as `Location`.
// The same holds after one more decoding (`/%2F%2Fevil.example`, `/%5Cevil.example`): a proxy,
// a router or a later redirect that decodes the path once must not find another origin in it.

function onOrigin(next: string, origin: string): string | undefined {
  if (!next.startsWith('/')) return undefined;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return undefined;
  }
  if (url.origin !== origin) return undefined;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith('//') ? undefined : path;
}

export function sameOriginPath(next: unknown, origin: string, fallback: string): string {
  if (typeof next !== 'string') return fallback;
  const path = onOrigin(next, origin);
  if (path === undefined) return fallback;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return fallback;
  }
  return decoded === path || onOrigin(decoded, origin) !== undefined ? path : fallback;
}
