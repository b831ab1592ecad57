// The operator's bearer token (ADMIN_TOKEN): the admin API requires it, /health shows details to it.
import { secretsEqual } from '../auth/crypto.ts';
import { ApiError, unauthenticated } from '../errors.ts';
import { bearerOf } from '../fleet/fleet-token.ts';

/** True when the request carries the configured operator token (never when none is configured). */
export async function isOperator(expected: string | undefined, request: Request): Promise<boolean> {
  const token = bearerOf(request);
  return Boolean(expected && token) && (await secretsEqual(token!, expected!));
}

/** No token configured: every call is refused. */
export async function requireOperator(expected: string | undefined, request: Request): Promise<void> {
  if (!expected) throw new ApiError(503, 'admin_disabled', 'The admin API is disabled: set ADMIN_TOKEN');
  if (!(await isOperator(expected, request))) throw unauthenticated('Send the operator token as "Authorization: Bearer <ADMIN_TOKEN>"');
}
