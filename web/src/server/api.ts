// Server-side client for the API Worker (the BFF's only way to the API). It attaches the signed-in
// user's session token from the `rc_web` cookie as `Authorization: Bearer`, forwards the browser's
// IP (the API rate-limits auth per IP), and returns the answer checked against the route's response
// shape (api-responses.ts), or throws `ApiRequestError`: the API's own `{code, message, details}`, or
// `bad_api_response` when the answer does not match (api-response.ts). Import it only from
// "use server" code.
import type { z } from 'zod';
import type * as Shapes from '@roomcast/schema/api';
import { getRequestEvent } from 'solid-js/web';
import { webConfig } from './config';
import { readSessionToken } from './session';
import { ApiRequestError } from './api-error';
import { IgnoredBody, readApiResponse } from './api-response';

export { ApiRequestError };
export { apiPath } from './api-path';
export { IgnoredBody };
export type PublicRoom = z.infer<typeof Shapes.PublicRoom>;

export type User = z.infer<typeof Shapes.User>;
export type Organization = z.infer<typeof Shapes.Organization>;
export type Workspace = z.infer<typeof Shapes.Workspace>;
export type Member = z.infer<typeof Shapes.Member>;
export type Invitation = z.infer<typeof Shapes.Invitation>;
export type Room = z.infer<typeof Shapes.Room>;
export type RoomSession = z.infer<typeof Shapes.RoomSession>;
export type RoomJoin = z.infer<typeof Shapes.RoomJoin>;
export type ApiKey = z.infer<typeof Shapes.ApiKey>;
export type WebhookEndpoint = z.infer<typeof Shapes.WebhookEndpoint>;
export type WebhookDelivery = z.infer<typeof Shapes.WebhookDelivery>;
export type Plan = z.infer<typeof Shapes.Plan>;
export type LimitUsage = z.infer<typeof Shapes.LimitUsage>;
export type AccountSession = z.infer<typeof Shapes.AccountSession>;

export interface ApiCallOptions {
  body?: unknown;
  query?: Record<string, string | undefined>;
  /** Override the credential: `null` sends none; default is the current session cookie. */
  token?: string | null;
}

/**
 * The browser's address as the edge saw it, so per-IP limits apply to the person, not to us. Only
 * the edge's own header: X-Forwarded-For is whatever the client wrote, so it would let anyone pick
 * the address their login and guest limits are counted against.
 */
function clientIp(request: Request | undefined): string | undefined {
  return request?.headers.get('cf-connecting-ip') ?? undefined;
}

export async function apiCall<S extends z.ZodType>(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  shape: S,
  options: ApiCallOptions = {},
): Promise<z.output<S>> {
  const url = new URL(`${webConfig().apiUrl}/api/v1${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = options.token === undefined ? readSessionToken() : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const request = getRequestEvent()?.request;
  const ip = clientIp(request);
  if (ip) {
    headers['cf-connecting-ip'] = ip;
  }
  // The browser's device and country, for the session it signs in to (sessions page).
  const userAgent = request?.headers.get('user-agent');
  if (userAgent) headers['user-agent'] = userAgent;
  const country = request?.headers.get('cf-ipcountry');
  if (country) headers['cf-ipcountry'] = country;

  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  } catch (cause) {
    throw new ApiRequestError(503, 'api_unreachable', 'The Roomcast API cannot be reached right now. Try again in a moment.', String(cause));
  }
  return readApiResponse(method, path, response, shape);
}

/** Each call names the response shape of its route (api-responses.ts), or `IgnoredBody`. */
export const api = {
  get: <S extends z.ZodType>(path: string, shape: S, options?: Omit<ApiCallOptions, 'body'>) => apiCall('GET', path, shape, options),
  post: <S extends z.ZodType>(path: string, shape: S, body?: unknown, options?: ApiCallOptions) => apiCall('POST', path, shape, { ...options, body }),
  patch: <S extends z.ZodType>(path: string, shape: S, body: unknown, options?: ApiCallOptions) => apiCall('PATCH', path, shape, { ...options, body }),
  put: <S extends z.ZodType>(path: string, shape: S, body: unknown, options?: ApiCallOptions) => apiCall('PUT', path, shape, { ...options, body }),
  /** DELETE answers 204: there is no body to read. */
  delete: (path: string, options?: ApiCallOptions) => apiCall('DELETE', path, IgnoredBody, options),
};
