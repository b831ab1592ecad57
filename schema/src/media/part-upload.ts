// PUTs bytes to a presigned URL of the object store, retried with backoff: one part of a multipart
// upload (a media node's recording fragment, a studio's local recording chunk) or a single object.
// Nothing is lost when the store hiccups: the caller keeps its copy of the bytes until this answers
// the ETag the store gave them; a refused signature or an expired URL (403/404) is not retried.
// Plain fetch: it runs on the media node and in the browser alike.

export interface PartUploadOptions {
  /** Attempts in all (first try included). */
  attempts?: number;
  /** Delay before the first retry; doubled after each failure (with up to 20% jitter). */
  baseDelayMs?: number;
  /** How long one PUT may take. */
  timeoutMs?: number;
  /** Told about every failed attempt (for logs and metrics). */
  onRetry?: (attempt: number, error: Error) => void;
}

export class PartUploadError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
  }
}

/**
 * PUTs `body` to the presigned `url` with retries; answers the ETag the store gave it. The caller
 * keeps its own copy of the bytes until this resolves.
 */
export async function putPart(url: string, body: Uint8Array, options: PartUploadOptions & { contentType?: string } = {}): Promise<string> {
  const attempts = options.attempts ?? 6;
  const baseDelayMs = options.baseDelayMs ?? 500;
  let lastError: Error = new Error('not attempted');
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const headers = options.contentType ? { 'content-type': options.contentType } : undefined;
      // Never a SharedArrayBuffer here (file reads, Blob bytes), which is all the DOM typing fears.
      const res = await fetch(url, { method: 'PUT', body: body as Uint8Array<ArrayBuffer>, headers, signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
      const etag = res.headers.get('etag');
      // Drain the body either way so the connection is reusable.
      const text = await res.text();
      if (res.ok && etag) return etag;
      lastError = new Error(`store answered ${res.status}${etag ? '' : ' without an ETag'}: ${text.slice(0, 200)}`);
      // A refused signature or an expired URL will not get better by retrying.
      if (res.status === 403 || res.status === 404) break;
    } catch (error) {
      lastError = error as Error;
    }
    if (attempt < attempts) {
      options.onRetry?.(attempt, lastError);
      const delay = baseDelayMs * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay * 0.2));
    }
  }
  throw new PartUploadError(`part upload failed after ${attempts} attempt(s): ${lastError.message}`, attempts);
}
