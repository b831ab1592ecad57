// How the BFF reads an API answer: an error answer becomes `ApiRequestError` with the API's own
// `{code, message, details}`; a success answer is checked against the route's response shape from
// @roomcast/schema. A body that does not match is the API's fault, not the visitor's: it becomes
// `bad_api_response` (502, a generic message for the page) and is logged here with the route, so
// no page ever renders `undefined` from a field the API did not send. No request-scoped imports:
// unit tests call it with plain `Response`s.
import { z } from 'zod';
import { ErrorBody } from '@roomcast/schema/api';
import { ApiRequestError } from './api-error';

/** For calls whose answer the caller does not read (204s, or a body nobody looks at). */
export const IgnoredBody = z.unknown().transform((): void => undefined);

export const BAD_API_RESPONSE = 'bad_api_response';

export async function readApiResponse<S extends z.ZodType>(method: string, path: string, response: Response, shape: S): Promise<z.output<S>> {
  const json: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = ErrorBody.safeParse(json);
    if (!error.success) throw new ApiRequestError(response.status, 'http_error', `The API answered ${response.status}`);
    throw new ApiRequestError(response.status, error.data.error.code, error.data.error.message, error.data.error.details);
  }
  const result = shape.safeParse(json);
  if (result.success) return result.data;
  // Where and what, never the body: answers carry session and room tokens.
  const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  console.error(`API response did not match its schema: ${method} ${path} (${response.status})`, issues);
  throw new ApiRequestError(502, BAD_API_RESPONSE, 'Something went wrong on our side. Try again in a moment.');
}
