// Verifying Roomcast webhooks (Standard Webhooks): the signature is HMAC-SHA256 over
// `${webhook-id}.${webhook-timestamp}.${raw body}` with the endpoint's `whsec_` secret, base64,
// listed as `v1,<sig>` (two during a secret rotation). Pass the RAW body: re-serialized JSON does
// not verify. Timestamps further than `toleranceSeconds` from now are refused (replays).
import type { WebhookEvent, WebhookEventType } from '@roomcast/schema/api';
import { WebhookVerificationError } from './errors.ts';

export type { WebhookEvent, WebhookEventType };

export interface VerifyOptions {
  toleranceSeconds?: number;
  /** Unix seconds; the clock by default. */
  now?: number;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

export async function verifyWebhook(secret: string, rawBody: string, headers: HeaderSource, options: VerifyOptions = {}): Promise<WebhookEvent> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature');
  const sentAt = Number(timestamp);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (!/^\d+$/.test(timestamp) || Math.abs(now - sentAt) > (options.toleranceSeconds ?? 300)) throw new WebhookVerificationError('Timestamp outside the tolerance');
  const expected = await sign(secret, `${id}.${timestamp}.${rawBody}`);
  const ok = signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    return version === 'v1' && signature !== undefined && constantTimeEqual(signature, expected);
  });
  if (!ok) throw new WebhookVerificationError('No matching signature');
  const event = JSON.parse(rawBody) as WebhookEvent;
  if (event.id !== id) throw new WebhookVerificationError('The body is not the event the headers name');
  return event;
}

async function sign(secret: string, content: string): Promise<string> {
  const raw = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const keyBytes = Uint8Array.from(atob(raw), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(content)));
  let binary = '';
  for (const b of mac) binary += String.fromCharCode(b);
  return btoa(binary);
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}
