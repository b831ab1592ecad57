// What a failed form action returns, so a page can show the message and each field's error next
// to that field. Redirects (thrown Responses) pass through untouched.
import { getRequestEvent } from 'solid-js/web';
import { z } from 'zod';
import { ApiRequestError } from './api';

export interface FormFailure {
  ok: false;
  code: string;
  message: string;
  fields: Record<string, string>;
}

class InvalidForm extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(Object.values(fields)[0] ?? 'Check the form');
  }
}

/** Validates form values with the same zod schema the API uses; throws field errors. */
export function parseForm<S extends z.ZodType>(schema: S, values: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) fields[issue.path.join('.') || 'form'] ??= issue.message;
  throw new InvalidForm(fields);
}

/** Text of a form field, or undefined when empty (so optional schema fields stay optional). */
export function field(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * For an action whose answer holds a one-time secret (an API key, an invitation link): refuses a
 * form posted without JavaScript BEFORE anything is created. That answer would travel in
 * SolidStart's flash cookie, which never carries secrets (server/flash-cookie.ts), so the secret
 * would be lost. SolidStart's client marks its calls with X-Server-Instance.
 */
export function scriptRequired(): FormFailure | null {
  if (getRequestEvent()?.request.headers.has('x-server-instance')) return null;
  return { ok: false, code: 'javascript_required', message: 'This needs JavaScript: the result is shown only once, in the page. Turn JavaScript on and try again.', fields: {} };
}

export function failure(error: unknown): FormFailure {
  if (error instanceof Response) throw error;
  if (error instanceof InvalidForm) return { ok: false, code: 'invalid_input', message: 'Please fix the highlighted fields.', fields: error.fields };
  if (error instanceof ApiRequestError) {
    const fields = error.fieldErrors();
    return { ok: false, code: error.code, message: error.message, fields };
  }
  console.error('form action failed', error);
  return { ok: false, code: 'internal', message: 'Something went wrong. Try again.', fields: {} };
}
