// Server-side client for the API Worker (the BFF's only way to the API). It attaches the signed-in
// user's session token from the `rc_web` cookie as `Authorization: Bearer`, forwards the browser's
// IP (the API rate-limits auth per IP), and returns the parsed JSON, or throws `ApiRequestError`
// carrying the API's `{code, message, details}`. Import it only from "use server" code.
import type { z } from 'zod';
import type * as Shapes from '@roomcast/schema/api';
import { getRequestEvent } from 'solid-js/web';
import { webConfig } from './config';
import { readSessionToken } from './session';
import { ApiRequestError } from './api-error';

export { ApiRequestError };
export { apiPath } from './api-path';

export type User = z.infer<typeof Shapes.User>;
export type Organization = z.infer<typeof Shapes.Organization>;
export type Workspace = z.infer<typeof Shapes.Workspace>;
export type Member = z.infer<typeof Shapes.Member>;
export type Invitation = z.infer<typeof Shapes.Invitation>;
export type Room = z.infer<typeof Shapes.Room>;
export type RoomSession = z.infer<typeof Shapes.RoomSession>;
export type RoomJoin = z.infer<typeof Shapes.RoomJoin>;
export type ApiKey = z.infer<typeof Shapes.ApiKey>;
export type Plan = z.infer<typeof Shapes.Plan>;
export type LimitUsage = z.infer<typeof Shapes.LimitUsage>;


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

export async function apiCall<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options: ApiCallOptions = {}): Promise<T> {
  const url = new URL(`${webConfig().apiUrl}/api/v1${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = options.token === undefined ? readSessionToken() : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const ip = clientIp(getRequestEvent()?.request);
  if (ip) {
    headers['cf-connecting-ip'] = ip;
  }

  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  } catch (cause) {
    throw new ApiRequestError(503, 'api_unreachable', 'The Roomcast API cannot be reached right now. Try again in a moment.', String(cause));
  }
  if (response.status === 204) return undefined as T;
  const json = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: unknown } } | null;
  if (!response.ok) {
    const error = json?.error;
    throw new ApiRequestError(
      response.status,
      error?.code ?? 'http_error',
      error?.message ?? `The API answered ${response.status}`,
      error?.details,
    );
  }
  return json as T;
}

export const api = {
  get: <T>(path: string, options?: Omit<ApiCallOptions, 'body'>) => apiCall<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: ApiCallOptions) => apiCall<T>('POST', path, { ...options, body }),
  patch: <T>(path: string, body: unknown, options?: ApiCallOptions) => apiCall<T>('PATCH', path, { ...options, body }),
  delete: <T = void>(path: string, options?: ApiCallOptions) => apiCall<T>('DELETE', path, options),
};
