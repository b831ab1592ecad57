// Request bodies are bounded before anything reads them: a declared Content-Length over the limit
// is refused at once, and a chunked body (no length) is counted as it streams and cut off there.
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors.ts';

/** Every JSON body of the API is a few small fields; 64 KiB leaves ample room. */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;
/** Stripe events are a few KiB; the cap keeps huge unsigned bodies from costing work before the signature check. */
export const WEBHOOK_BODY_LIMIT_BYTES = 512 * 1024;

const limitBody = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(413, 'payload_too_large', `The request body is larger than ${maxSize} bytes`, { maxBytes: maxSize });
    },
  });

const jsonLimit = limitBody(JSON_BODY_LIMIT_BYTES);
const webhookLimit = limitBody(WEBHOOK_BODY_LIMIT_BYTES);

/** Every request under /api/v1: the webhook gets Stripe's room, everything else the JSON limit. */
export const limitRequestBody = createMiddleware((c, next) => (c.req.path.startsWith('/api/v1/webhooks/') ? webhookLimit(c, next) : jsonLimit(c, next)));
