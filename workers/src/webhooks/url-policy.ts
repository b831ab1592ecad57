// Where webhooks may be sent. In production an endpoint must be https and must not reach private,
// loopback, link-local or otherwise non-public addresses (no SSRF into anyone's network), checked
// when the endpoint is saved and again before every attempt, since DNS can change in between.
// workerd has no DNS API: host names are resolved over DNS-over-HTTPS (WEBHOOK_DNS_RESOLVER) and
// refused when any A/AAAA answer is non-public. The fetch itself resolves again, so a resolver
// answering differently within seconds (DNS rebinding) is not fully excluded; on Cloudflare the
// Worker's outbound fetch cannot reach private networks anyway, which closes that gap there.
// Outside production (local runs, tests) http and local addresses are allowed: receivers run there.
import type { WebhookConfig } from '../config.ts';

export type UrlVerdict = { ok: true; url: URL } | { ok: false; code: 'invalid_webhook_url' | 'private_webhook_url'; message: string; retryable?: boolean };

export async function checkWebhookUrl(raw: string, config: WebhookConfig, fetcher: typeof fetch = fetch): Promise<UrlVerdict> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, code: 'invalid_webhook_url', message: 'The webhook URL is not a valid absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, code: 'invalid_webhook_url', message: 'Webhook URLs use https' };
  if (url.username || url.password) return { ok: false, code: 'invalid_webhook_url', message: 'Webhook URLs may not carry credentials' };
  if (!config.publicUrlsOnly) return { ok: true, url };
  if (url.protocol !== 'https:') return { ok: false, code: 'invalid_webhook_url', message: 'Webhook URLs must use https' };

  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const literal = isIpLiteral(host);
  if (literal) {
    return isPublicAddress(host) ? { ok: true, url } : refuse(host);
  }
  if (host === 'localhost' || /\.(localhost|local|internal|home\.arpa)$/.test(host) || !host.includes('.')) return refuse(host);
  const answers = await resolve(host, config.dnsResolver, fetcher);
  if (answers === null) return { ok: false, code: 'invalid_webhook_url', message: `Could not resolve ${host}`, retryable: true };
  const bad = answers.find((a) => !isPublicAddress(a));
  return bad ? refuse(`${host} (${bad})`) : { ok: true, url };
}

const refuse = (what: string): UrlVerdict => ({
  ok: false,
  code: 'private_webhook_url',
  message: `Webhook URLs must reach a public address; ${what} is private, loopback, link-local or reserved`,
});

async function resolve(host: string, resolver: string, fetcher: typeof fetch): Promise<string[] | null> {
  try {
    const lookups = await Promise.all(
      ['A', 'AAAA'].map(async (type) => {
        const res = await fetcher(`${resolver}?name=${encodeURIComponent(host)}&type=${type}`, {
          headers: { accept: 'application/dns-json' },
          signal: AbortSignal.timeout(5_000),
        });
        if (!res.ok) throw new Error(`resolver answered ${res.status}`);
        const body = (await res.json()) as { Status?: number; Answer?: { type: number; data: string }[] };
        // type 1 = A, 28 = AAAA; CNAME answers (5) are followed by the resolver itself.
        return (body.Answer ?? []).filter((a) => a.type === 1 || a.type === 28).map((a) => a.data.toLowerCase());
      }),
    );
    const all = lookups.flat();
    return all.length > 0 ? all : null;
  } catch {
    return null;
  }
}

export function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** True for a globally routable unicast address. */
export function isPublicAddress(address: string): boolean {
  if (address.includes(':')) return isPublicV6(address);
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return false;
  return isPublicV4(parts as [number, number, number, number]);
}

function isPublicV4([a, b, c]: [number, number, number, number]): boolean {
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false; // this network, private, loopback, multicast, reserved
  if (a === 100 && b >= 64 && b <= 127) return false; // carrier-grade NAT
  if (a === 169 && b === 254) return false; // link-local (cloud metadata lives here)
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF protocol assignments, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if (a === 198 && b === 51 && c === 100) return false; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return false; // TEST-NET-3
  return true;
}

function isPublicV6(address: string): boolean {
  const groups = expandV6(address);
  if (!groups) return false;
  const [g0, g1, , , , g5, g6, g7] = groups;
  const embeddedV4 = (): [number, number, number, number] => [g6! >> 8, g6! & 0xff, g7! >> 8, g7! & 0xff];
  if (groups.slice(0, 5).every((g) => g === 0) && g5 === 0xffff) return isPublicV4(embeddedV4()); // ::ffff:a.b.c.d
  if (g0 === 0x64 && g1 === 0xff9b) return isPublicV4(embeddedV4()); // NAT64
  if (groups.slice(0, 7).every((g) => g === 0)) return false; // :: and ::1
  if ((g0! & 0xfe00) === 0xfc00) return false; // unique local
  if ((g0! & 0xffc0) === 0xfe80) return false; // link-local
  if ((g0! & 0xff00) === 0xff00) return false; // multicast
  if (g0 === 0x2001 && g1 === 0x0db8) return false; // documentation
  if (g0 === 0x100 && groups.slice(1, 4).every((g) => g === 0)) return false; // discard
  return (g0! & 0xe000) === 0x2000; // global unicast is 2000::/3
}

function expandV6(address: string): number[] | null {
  let text = address.split('%')[0]!;
  // A trailing dotted quad (::ffff:127.0.0.1) becomes two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}
