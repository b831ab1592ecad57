// POST /api/v1/webhooks/stripe: the signature is verified inside the Worker over the raw body
// (bad or missing: 400, nothing changes), then the event is applied once (stripe-events.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors.ts';
import { createRouter, errorResponses, jsonContent } from '../http.ts';
import { processStripeEvent } from './stripe-events.ts';
import { verifyWebhook } from './stripe.ts';

export const webhookRoutes = createRouter();

/** Stripe events are a few KiB; the cap keeps huge unsigned bodies from costing work before the check. */
const MAX_WEBHOOK_BYTES = 512 * 1024;
const tooLarge = () => new ApiError(413, 'payload_too_large', `A webhook body is at most ${MAX_WEBHOOK_BYTES} bytes`);

webhookRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/stripe',
    tags: ['billing'],
    summary: 'Stripe webhook endpoint (signed with the endpoint secret)',
    description: 'Handles checkout.session.completed, customer.subscription.created/updated/deleted, invoice.payment_failed and invoice.paid.',
    responses: {
      200: jsonContent(z.object({ received: z.literal(true), outcome: z.enum(['applied', 'duplicate', 'stale', 'ignored']) }), 'Processed'),
      ...errorResponses(400, 404, 409, 413),
    },
  }),
  async (c) => {
    const billing = c.var.config.billing;
    if (billing.mode !== 'stripe') throw new ApiError(404, 'billing_local_mode', 'Billing runs in LOCAL MODE: there is no Stripe webhook');
    if (Number(c.req.header('content-length') ?? 0) > MAX_WEBHOOK_BYTES) throw tooLarge();
    const body = await c.req.text();
    if (new TextEncoder().encode(body).byteLength > MAX_WEBHOOK_BYTES) throw tooLarge();
    const event = await verifyWebhook(billing, body, c.req.header('stripe-signature'));
    const outcome = await processStripeEvent(c.var.db, c.var.redis, billing, event);
    return c.json({ received: true as const, outcome }, 200);
  },
);
