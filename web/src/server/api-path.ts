// API paths built from values a browser sent (server function arguments, form fields): each value
// becomes exactly one encoded path segment, so `..`, `/` or an empty id can never steer the call
// to another API route with the visitor's session.
import { ApiRequestError } from './api-error';

export function apiPath(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((path, text, i) => path + text + (i < values.length ? segment(values[i]) : ''), '');
}

function segment(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  if (!text || text === '.' || text === '..' || text.length > 200) {
    throw new ApiRequestError(400, 'invalid_input', 'The link or form names an invalid id');
  }
  return encodeURIComponent(text);
}
