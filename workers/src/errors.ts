// The one error type of the Worker. Handlers throw it; app.ts's onError turns it into
// {"error": {"code", "message", "details"}} with its status.
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const forbidden = (message = 'Your role does not allow this') => new ApiError(403, 'forbidden', message);
export const unauthenticated = (message = 'Sign in or send a valid bearer token') =>
  new ApiError(401, 'unauthenticated', message);
export const conflict = (message: string, code = 'conflict') => new ApiError(409, code, message);

/** True when a Postgres error is a unique violation (optionally on one constraint). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = findPgError(error);
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

function findPgError(error: unknown): { code?: string; constraint?: string } | undefined {
  // drizzle wraps driver errors; the Postgres fields sit on the error or on its cause.
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
      return e as { code: string; constraint?: string };
    }
  }
  return undefined;
}
