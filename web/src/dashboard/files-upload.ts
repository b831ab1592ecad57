// Sends a file's bytes from the browser straight to the object store with the presigned URL(s)
// the API signed: one PUT, or one PUT per part (a few at a time) keeping each part's ETag for the
// completion. XMLHttpRequest, because fetch reports no upload progress.
import type { z } from 'zod';
import type { FileUpload } from '@roomcast/schema/api';

/** Parts in flight at once: enough to fill an uplink, few enough that progress stays smooth. */
const PARALLEL_PARTS = 3;

export class UploadError extends Error {}

function put(url: string, body: Blob, headers: Record<string, string>, onProgress: (sent: number) => void): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(body.size);
        resolve(xhr.getResponseHeader('etag'));
      } else reject(new UploadError(`The store refused the upload (HTTP ${xhr.status}).`));
    };
    xhr.onerror = () => reject(new UploadError('The upload was interrupted (network error). Try again.'));
    xhr.send(body);
  });
}

/** Uploads `file` as `upload` says; reports total bytes sent; answers the parts to complete a multipart upload with. */
export async function sendToStore(file: File, upload: z.infer<typeof FileUpload>, onProgress: (sentBytes: number) => void) {
  if (upload.kind === 'single') {
    await put(upload.url, file, upload.headers, onProgress);
    return undefined;
  }
  const sent = new Map<number, number>();
  const report = (partNumber: number, bytes: number) => {
    sent.set(partNumber, bytes);
    let total = 0;
    for (const value of sent.values()) total += value;
    onProgress(total);
  };
  const queue = [...upload.parts];
  const done: { partNumber: number; etag: string }[] = [];
  const worker = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const start = (part.partNumber - 1) * upload.partSize;
      const { partNumber } = part;
      const etag = await put(part.url, file.slice(start, start + upload.partSize), {}, (bytes) => report(partNumber, bytes));
      if (!etag) throw new UploadError('The store did not return the part\'s ETag (is ETag exposed by the bucket\'s CORS rule?).');
      done.push({ partNumber, etag });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, upload.parts.length) }, worker));
  return done.sort((a, b) => a.partNumber - b.partNumber);
}
