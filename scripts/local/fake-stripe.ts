// FAKE Stripe API for tests and local runs: Stripe itself cannot be reached from here, and no
// usable Stripe API mock exists offline. It implements exactly the endpoints Roomcast calls,
// with Stripe's documented request and response shapes (stripe-node talks to it through
// STRIPE_API_BASE = host/port/protocol):
//   POST /v1/customers                  form-encoded -> customer object
//   POST /v1/checkout/sessions          form-encoded -> checkout.session object (mode=subscription)
//   POST /v1/billing_portal/sessions    form-encoded -> billing_portal.session object
//   POST /v1/billing/meter_events       form-encoded -> billing.meter_event object
// Requests use `Authorization: Bearer <secret key>` (401 otherwise) and bracket-notation form
// bodies (`metadata[plan]=x`, `line_items[0][price]=y`). POSTs honour `Idempotency-Key`: the same
// key with the same parameters replays the first response (header `Idempotent-Replayed: true`);
// the same key with other parameters is a 400 `idempotency_error`. Meter event identifiers are
// unique: a second event with a used identifier is refused (400, code `resource_already_exists`).
// Errors have Stripe's shape {"error": {"type", "code", "message"}}.
// For tests only (not Stripe): GET /__fake/requests (every API request: method, path, parsed
// body, idempotency key, replayed, response), GET /__fake/checkout|portal/{id} (a plain page the
// returned session URLs lead to), GET /health.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

export const FAKE_STRIPE_HEALTH = 'roomcast-FAKE-stripe';

export interface FakeStripeOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** The secret key clients must present (STRIPE_SECRET_KEY). */
  secretKey: string;
  log?: (line: string) => void;
}

export interface FakeStripe {
  port: number;
  url: string;
  close(): Promise<void>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
  idempotencyKey: string | null;
  replayed: boolean;
  status: number;
  response: unknown;
  at: string;
}

type Json = Record<string, unknown>;
class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string | undefined,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

/** Parses Stripe's bracket-notation form encoding into nested objects and arrays. */
export function parseStripeForm(raw: string): Json {
  const root: Json = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const path = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> | unknown[] = root;
    path.forEach((part, i) => {
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(path[i + 1]!);
      const slot = node as Record<string, unknown>;
      if (last) slot[part] = value;
      else node = (slot[part] ??= nextIsIndex ? [] : {}) as Record<string, unknown>;
    });
  }
  return root;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);
const need = (body: Json, param: string) => {
  const value = body[param];
  if (value === undefined || value === '') throw new StripeError(400, 'invalid_request_error', 'parameter_missing', `Missing required param: ${param}.`, param);
  return value;
};

export async function startFakeStripe(options: FakeStripeOptions): Promise<FakeStripe> {
  const log = options.log ?? ((line: string) => console.log(`[FAKE stripe] ${line}`));
  const requests: RecordedRequest[] = [];
  const idempotency = new Map<string, { fingerprint: string; status: number; response: unknown }>();
  const customers = new Map<string, Json>();
  const meterIdentifiers = new Set<string>();
  let baseUrl = '';

  const routes: Record<string, (body: Json) => Json> = {
    'POST /v1/customers': (body) => {
      const customer = {
        id: id('cus'),
        object: 'customer',
        created: now(),
        email: body.email ?? null,
        name: body.name ?? null,
        metadata: body.metadata ?? {},
        livemode: false,
      };
      customers.set(customer.id, customer);
      return customer;
    },
    'POST /v1/checkout/sessions': (body) => {
      const mode = need(body, 'mode');
      if (mode !== 'subscription') throw new StripeError(400, 'invalid_request_error', 'parameter_invalid_string', 'This FAKE supports mode=subscription only.', 'mode');
      const customer = need(body, 'customer') as string;
      if (!customers.has(customer)) throw new StripeError(400, 'invalid_request_error', 'resource_missing', `No such customer: '${customer}'`, 'customer');
      const items = need(body, 'line_items') as { price?: string; quantity?: string }[];
      if (!items[0]?.price?.startsWith('price_')) throw new StripeError(400, 'invalid_request_error', 'resource_missing', 'No such price', 'line_items[0][price]');
      const sessionId = id('cs_test');
      return {
        id: sessionId,
        object: 'checkout.session',
        mode,
        status: 'open',
        payment_status: 'unpaid',
        customer,
        client_reference_id: body.client_reference_id ?? null,
        metadata: body.metadata ?? {},
        subscription: null,
        success_url: need(body, 'success_url'),
        cancel_url: body.cancel_url ?? null,
        url: `${baseUrl}/__fake/checkout/${sessionId}`,
        created: now(),
        expires_at: now() + 24 * 3600,
        livemode: false,
      };
    },
    'POST /v1/billing_portal/sessions': (body) => {
      const customer = need(body, 'customer') as string;
      if (!customers.has(customer)) throw new StripeError(400, 'invalid_request_error', 'resource_missing', `No such customer: '${customer}'`, 'customer');
      const sessionId = id('bps');
      return {
        id: sessionId,
        object: 'billing_portal.session',
        customer,
        return_url: body.return_url ?? null,
        url: `${baseUrl}/__fake/portal/${sessionId}`,
        created: now(),
        livemode: false,
      };
    },
    'POST /v1/billing/meter_events': (body) => {
      const eventName = need(body, 'event_name') as string;
      const payload = need(body, 'payload') as Json;
      if (!payload.stripe_customer_id) throw new StripeError(400, 'invalid_request_error', 'parameter_missing', 'Missing payload[stripe_customer_id].', 'payload');
      if (!/^\d+$/.test(String(payload.value ?? ''))) throw new StripeError(400, 'invalid_request_error', 'parameter_invalid_integer', 'payload[value] must be a whole number.', 'payload');
      const identifier = (body.identifier as string | undefined) ?? id('mev');
      if (meterIdentifiers.has(identifier)) {
        throw new StripeError(400, 'invalid_request_error', 'resource_already_exists', `A meter event with identifier ${identifier} already exists.`, 'identifier');
      }
      meterIdentifiers.add(identifier);
      return {
        object: 'billing.meter_event',
        event_name: eventName,
        identifier,
        payload,
        timestamp: Number(body.timestamp ?? now()),
        created: now(),
        livemode: false,
      };
    },
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), ...headers });
    res.end(JSON.stringify(body));
  };
  const errorBody = (e: StripeError) => ({ error: { type: e.type, code: e.code, message: e.message, param: e.param } });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'GET' && url.pathname === '/health') return void res.end(FAKE_STRIPE_HEALTH);
    if (req.method === 'GET' && url.pathname === '/__fake/requests') return send(res, 200, { requests });
    // Where the Checkout / Portal URLs lead: a plain page, so a browser run shows where it landed.
    const hosted = url.pathname.match(/^\/__fake\/(checkout|portal)\/([\w-]+)$/);
    if (req.method === 'GET' && hosted) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(`<!doctype html><title>FAKE Stripe ${hosted[1]}</title><h1>FAKE Stripe ${hosted[1]} page</h1><p>Session ${hosted[2]}. This is not Stripe: tests and local runs only.</p>`);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const key = `${req.method} ${url.pathname}`;
    const idempotencyKey = (req.headers['idempotency-key'] as string | undefined) ?? null;
    const body = parseStripeForm(raw);
    const record = (status: number, response: unknown, replayed = false) =>
      requests.push({ method: req.method!, path: url.pathname, body, idempotencyKey, replayed, status, response, at: new Date().toISOString() });

    if (req.headers.authorization !== `Bearer ${options.secretKey}`) {
      const e = new StripeError(401, 'invalid_request_error', undefined, 'Invalid API Key provided.');
      record(401, errorBody(e));
      return send(res, 401, errorBody(e));
    }
    const route = routes[key];
    if (!route) {
      const e = new StripeError(404, 'invalid_request_error', 'resource_missing', `Unrecognized request URL (${key}). The FAKE Stripe implements only what Roomcast calls.`);
      record(404, errorBody(e));
      return send(res, 404, errorBody(e));
    }
    const fingerprint = `${key}\n${raw}`;
    if (idempotencyKey) {
      const previous = idempotency.get(idempotencyKey);
      if (previous) {
        if (previous.fingerprint !== fingerprint) {
          const e = new StripeError(400, 'idempotency_error', undefined, `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`);
          record(400, errorBody(e));
          return send(res, 400, errorBody(e));
        }
        record(previous.status, previous.response, true);
        log(`${key} replayed (Idempotency-Key ${idempotencyKey})`);
        return send(res, previous.status, previous.response, { 'idempotent-replayed': 'true', 'idempotency-key': idempotencyKey });
      }
    }
    let status = 200;
    let response: unknown;
    try {
      response = route(body);
    } catch (error) {
      if (!(error instanceof StripeError)) throw error;
      status = error.status;
      response = errorBody(error);
    }
    // Stripe saves the result of a request that reached its API, errors included.
    if (idempotencyKey) idempotency.set(idempotencyKey, { fingerprint, status, response });
    record(status, response);
    log(`${key} -> ${status}`);
    return send(res, status, response, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`internal error: ${(error as Error).message}`);
      if (!res.headersSent) send(res, 500, { error: { type: 'api_error', message: 'FAKE Stripe internal error' } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;
  log(`FAKE Stripe API listening on ${baseUrl} (not Stripe: tests and local runs only)`);
  return {
    port,
    url: baseUrl,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// `npx tsx scripts/local/fake-stripe.ts`: the FAKE on its own, to try billing's Stripe mode with
// `npm run dev` (README: Billing). Port FAKE_STRIPE_PORT (12111), key STRIPE_SECRET_KEY.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.FAKE_STRIPE_PORT || 12111);
  const secretKey = process.env.STRIPE_SECRET_KEY || 'sk_test_roomcast_local_FAKE';
  startFakeStripe({ port, secretKey }).then(
    (fake) => console.log(`[FAKE stripe] use STRIPE_API_BASE=${fake.url} STRIPE_SECRET_KEY=${secretKey}`),
    (error: unknown) => {
      console.error('[FAKE stripe] failed to start:', error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
