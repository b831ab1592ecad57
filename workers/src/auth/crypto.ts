// Small WebCrypto helpers shared by session tokens, API keys and invitations.
const encoder = new TextEncoder();

export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

const sha256 = async (value: string) => new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(value)));

export async function sha256Hex(value: string): Promise<string> {
  return Array.from(await sha256(value), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Constant-time comparison of a presented secret with the expected one, whatever their lengths:
 * both are hashed first, so the compare always runs over 32 bytes and leaks neither the expected
 * length nor how many leading characters matched.
 */
export async function secretsEqual(presented: string, expected: string): Promise<boolean> {
  const [left, right] = await Promise.all([sha256(presented), sha256(expected)]);
  return crypto.subtle.timingSafeEqual(left, right);
}

/** Constant-time comparison of two strings of hex or base64 characters. */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}
