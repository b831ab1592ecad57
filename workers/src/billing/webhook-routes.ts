// POST /api/v1/webhooks/stripe: the signature is verified inside the Worker over the raw body
// (bad or missing: 400, nothing changes), then the event is applied once (stripe-events.ts). Its
// body size is bounded before this handler runs (platform/body-limit.ts, WEBHOOK_BODY_LIMIT_BYTES).
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors.ts';
import { createRouter, errorResponses, jsonContent } from '../http.ts';
import { processStripeEvent } from './stripe-events.ts';
import { verifyWebhook } from './stripe.ts';

export const webhookRoutes = createRouter();

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
    const body = await c.req.text();
    const event = await verifyWebhook(billing, body, c.req.header('stripe-signature'));
    const outcome = await processStripeEvent(c.var.db, c.var.redis, billing, event);
    return c.json({ received: true as const, outcome }, 200);
  },
);
