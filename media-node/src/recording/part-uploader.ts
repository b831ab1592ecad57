// Uploads one recorded fragment as a part of the recording's multipart upload, through a
// presigned part URL the Worker handed the node (the node never holds the bucket's keys).
// Nothing is lost when the store hiccups: a failed PUT is retried with exponential backoff, and
// the local fragment is deleted only after the store answered success with the part's ETag.
// A fragment that still fails after every attempt stays on disk for the caller to retry later.
import { readFile, unlink } from 'node:fs/promises';

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

/** PUTs the file at `path` to `url`; answers the part's ETag once the store has it, then deletes the file. */
export async function uploadPartFile(url: string, path: string, options: PartUploadOptions = {}): Promise<string> {
  const etag = await putPart(url, await readFile(path), options);
  await unlink(path);
  return etag;
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
      const res = await fetch(url, { method: 'PUT', body, headers, signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
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
