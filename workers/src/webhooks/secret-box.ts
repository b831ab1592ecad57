// Webhook endpoint secrets at rest: AES-256-GCM (WebCrypto) under a key-encryption key from config
// (WEBHOOK_SECRET_KEYS; the first key seals, every listed key opens, so a new key can be put first
// while rows sealed under the old one still open). The endpoint's id is the additional data: a
// sealed secret copied into another row does not open. Stored as `sealed:v1:<keyId>:<base64 of
// 12-byte IV + ciphertext>`. Rows written before encryption hold the plain `whsec_...` and still
// open; they are sealed the next time their organization's deliveries run (deliver.ts).
import type { WebhookSecretKey } from '../config.ts';

const PREFIX = 'sealed:v1:';
const IV_BYTES = 12;

export class WebhookSecretError extends Error {
  override name = 'WebhookSecretError';
}

/** Imported keys, per isolate: importKey is cheap but not free, and runs per delivery otherwise. */
const imported = new WeakMap<WebhookSecretKey, Promise<CryptoKey>>();
function cryptoKey(key: WebhookSecretKey): Promise<CryptoKey> {
  let found = imported.get(key);
  if (!found) {
    found = crypto.subtle.importKey('raw', key.raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
    imported.set(key, found);
  }
  return found;
}

const additionalData = (context: string) => new TextEncoder().encode(context);
const endpointContext = (endpointId: string) => `webhook_endpoint:${endpointId}`;

export const isSealed = (stored: string) => stored.startsWith(PREFIX);

/** Seals `secret` for the endpoint `endpointId` under the first key. */
export function sealWebhookSecret(keys: readonly WebhookSecretKey[], endpointId: string, secret: string): Promise<string> {
  return sealSecret(keys, endpointContext(endpointId), secret);
}

/**
 * Seals any secret bound to `context` (e.g. `sso_client_secret:<org>`, `totp:<user>`): the same
 * keys and format as endpoint secrets; a value sealed for one context does not open in another.
 */
export async function sealSecret(keys: readonly WebhookSecretKey[], context: string, secret: string): Promise<string> {
  const key = keys[0];
  if (!key) throw new WebhookSecretError('no webhook secret key is configured');
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: additionalData(context) }, await cryptoKey(key), new TextEncoder().encode(secret)),
  );
  const out = new Uint8Array(IV_BYTES + sealed.length);
  out.set(iv);
  out.set(sealed, IV_BYTES);
  return `${PREFIX}${key.id}:${toBase64(out)}`;
}

/** The plain secret of a stored value (sealed, or a plain `whsec_...` from before encryption). */
export async function openWebhookSecret(keys: readonly WebhookSecretKey[], endpointId: string, stored: string): Promise<string> {
  if (!isSealed(stored)) return stored;
  return openSecret(keys, endpointContext(endpointId), stored);
}

/** Opens a value sealed by sealSecret for the same context; throws WebhookSecretError otherwise. */
export async function openSecret(keys: readonly WebhookSecretKey[], context: string, stored: string): Promise<string> {
  if (!isSealed(stored)) throw new WebhookSecretError('secret is not sealed');
  const [keyId, data] = stored.slice(PREFIX.length).split(':');
  const key = keys.find((k) => k.id === keyId);
  if (!key || !data) throw new WebhookSecretError(`webhook secret sealed under key "${keyId}", which is not configured`);
  const bytes = fromBase64(data);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.slice(0, IV_BYTES), additionalData: additionalData(context) },
      await cryptoKey(key),
      bytes.slice(IV_BYTES),
    );
    return new TextDecoder().decode(plain);
  } catch {
    throw new WebhookSecretError(`secret does not open (wrong key, or not sealed for ${context.split(':')[0]})`);
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}
