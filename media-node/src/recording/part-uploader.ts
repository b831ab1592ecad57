// Uploads one recorded fragment as a part of the recording's multipart upload, through a
// presigned part URL the Worker handed the node (the node never holds the bucket's keys).
// Nothing is lost when the store hiccups: a failed PUT is retried with exponential backoff, and
// the local fragment is deleted only after the store answered success with the part's ETag.
// A fragment that still fails after every attempt stays on disk for the caller to retry later.
import { readFile, unlink } from 'node:fs/promises';
import { putPart, type PartUploadOptions } from '@roomcast/schema/media/part-upload';

export { PartUploadError, putPart, type PartUploadOptions } from '@roomcast/schema/media/part-upload';

/** PUTs the file at `path` to `url`; answers the part's ETag once the store has it, then deletes the file. */
export async function uploadPartFile(url: string, path: string, options: PartUploadOptions = {}): Promise<string> {
  const etag = await putPart(url, await readFile(path), options);
  await unlink(path);
  return etag;
}

