// The client a per-address limit or ban applies to. An IPv4 address is one client. An IPv6 client
// is its /64: a home or mobile connection is handed a whole /64 and picks addresses in it at will
// (privacy extensions), so counting full IPv6 addresses would give one person 2^64 fresh starts
// against guest bans, guests per client, sign-in and public-join limits.

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Eight 16-bit groups of an IPv6 address (`::` expanded, a dotted IPv4 tail converted), or null. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const tail = IPV4.exec(text.slice(text.lastIndexOf(':') + 1));
  if (tail && text.includes(':')) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, text.lastIndexOf(':') + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

/**
 * `a.b.c.d` for IPv4 (IPv4-mapped IPv6 included), `ipv6:xxxx:xxxx:xxxx:xxxx::/64` for IPv6, the
 * trimmed input for anything else, undefined for nothing.
 */
export function clientNetwork(address: string | null | undefined): string | undefined {
  const text = address?.trim();
  if (!text) return undefined;
  const v4 = IPV4.exec(text);
  if (v4) return v4.slice(1).map(Number).join('.');
  const groups = ipv6Groups(text);
  if (!groups) return text.toLowerCase();
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return `ipv6:${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
