// The API's error answer as the web server sees it: `{code, message, details}` plus the HTTP status.
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }

  /** Per-field messages from an `invalid_input` answer (details: [{path, message}]), keyed by field. */
  fieldErrors(): Record<string, string> {
    const fields: Record<string, string> = {};
    if (this.code !== 'invalid_input' || !Array.isArray(this.details)) return fields;
    for (const issue of this.details as { path?: unknown; message?: unknown }[]) {
      if (typeof issue.path === 'string' && issue.path && typeof issue.message === 'string') fields[issue.path] ??= issue.message;
    }
    return fields;
  }
}
