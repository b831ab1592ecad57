// TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1 with WebCrypto, 30-second steps, 6 digits, the
// parameters every authenticator app uses by default. The secret is 20 random bytes (160 bits,
// RFC 4226's recommendation), shown to the user in base32 inside an otpauth:// URI.
const STEP_SECONDS = 30;
const DIGITS = 6;
/** Steps accepted either side of now: a code typed just after it rolled over, or a skewed clock. */
const WINDOW = 1;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.toUpperCase().replace(/=+$/, '');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = BASE32.indexOf(ch);
    if (index < 0) throw new Error('not base32');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

export const generateTotpSecret = () => base32Encode(crypto.getRandomValues(new Uint8Array(20)));

export const currentStep = (nowMs = Date.now()) => Math.floor(nowMs / 1000 / STEP_SECONDS);

/** The HOTP value of `step` (RFC 4226 section 5.3: dynamic truncation). */
export async function totpCode(secret: string, step: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', base32Decode(secret), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']);
  const counter = new Uint8Array(8);
  new DataView(counter.buffer).setBigUint64(0, BigInt(step));
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, counter));
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, '0');
}

/**
 * The step whose code `code` is (within the window around now), or undefined. The caller refuses
 * a step at or before the last accepted one, so one code signs in once.
 */
export async function matchTotp(secret: string, code: string, nowMs = Date.now()): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const now = currentStep(nowMs);
  let matched: number | undefined;
  // Every candidate is computed and compared, so timing does not tell which step matched.
  for (let step = now - WINDOW; step <= now + WINDOW; step++) {
    const expected = await totpCode(secret, step);
    if (crypto.subtle.timingSafeEqual(new TextEncoder().encode(expected), new TextEncoder().encode(code))) matched ??= step;
  }
  return matched;
}

export function otpauthUri(secret: string, accountName: string, issuer = 'Roomcast'): string {
  const label = encodeURIComponent(`${issuer}:${accountName}`);
  const params = new URLSearchParams({ secret, issuer, algorithm: 'SHA1', digits: String(DIGITS), period: String(STEP_SECONDS) });
  return `otpauth://totp/${label}?${params}`;
}
