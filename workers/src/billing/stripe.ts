// The one place a Stripe client is built. In workerd stripe-node must use fetch and SubtleCrypto;
// tests and local runs point it at the FAKE Stripe (scripts/local/fake-stripe.ts) through
// STRIPE_API_BASE, production leaves that unset and talks to api.stripe.com.
import Stripe from 'stripe';
import type { BillingConfig, Config } from '../config.ts';
import { ApiError } from '../errors.ts';

export type StripeBilling = Extract<BillingConfig, { mode: 'stripe' }>;

const cryptoProvider = Stripe.createSubtleCryptoProvider();
const clients = new WeakMap<StripeBilling, Stripe>();

export function stripeClient(billing: StripeBilling): Stripe {
  let client = clients.get(billing);
  if (!client) {
    client = new Stripe(billing.secretKey, {
      httpClient: Stripe.createFetchHttpClient(),
      // Retries reuse the idempotency key, so a retried create never makes a second object.
      maxNetworkRetries: 2,
      ...(billing.api ?? {}),
    });
    clients.set(billing, client);
  }
  return client;
}

/** The Stripe side of billing, or a 409 explaining that this deployment runs in local mode. */
export function requireStripe(config: Config): StripeBilling {
  if (config.billing.mode === 'stripe') return config.billing;
  throw new ApiError(
    409,
    'billing_local_mode',
    'Billing runs in LOCAL MODE (no Stripe keys): an owner switches plans with POST /organizations/{org}/subscription/local-plan',
  );
}

/** Verifies the Stripe-Signature header over the raw body; throws on a bad or missing one. */
export async function verifyWebhook(billing: StripeBilling, payload: string, signature: string | undefined): Promise<Stripe.Event> {
  if (!signature) throw new ApiError(400, 'invalid_signature', 'Missing Stripe-Signature header');
  try {
    return await stripeClient(billing).webhooks.constructEventAsync(payload, signature, billing.webhookSecret, undefined, cryptoProvider);
  } catch {
    throw new ApiError(400, 'invalid_signature', 'The Stripe-Signature header does not match this payload');
  }
}

/** Runs a Stripe API call; a Stripe failure becomes a 502 the caller can show, not a 500. */
export async function callStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) {
      console.error(`Stripe ${what} failed`, error.type, error.code, error.message);
      throw new ApiError(502, 'stripe_error', `Stripe could not ${what} right now; try again in a moment`, { type: error.type, code: error.code });
    }
    throw error;
  }
}

/** Which plan a Stripe price id buys (the reverse of STRIPE_PRICE_*). */
export function planForPrice(billing: StripeBilling, priceId: string | undefined) {
  if (!priceId) return undefined;
  return (Object.entries(billing.priceIds) as [keyof StripeBilling['priceIds'], string | undefined][]).find(([, id]) => id === priceId)?.[0];
}
