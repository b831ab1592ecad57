// The recorder's part uploads against the real local S3 server (scripts/local/object-store.ts):
// retried with backoff through a store outage, the local fragment deleted only once the store
// has it, and kept when every attempt failed.
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsClient } from 'aws4fetch';
import { afterEach, describe, expect, it } from 'vitest';
import { startObjectStore, type LocalObjectStore } from '../../scripts/local/object-store.ts';
import { uploadPartFile } from '../src/recording/part-uploader.ts';

const keys = { bucket: 'recorder-test', accessKeyId: 'recorder-test-key', secretAccessKey: 'recorder-test-secret-0123456789' };
const aws = new AwsClient({ accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey, service: 's3', region: 'auto' });
let store: LocalObjectStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

/** Opens a multipart upload and presigns part 1, as the Worker does for the node. */
async function partUrl(endpoint: string) {
  const key = `org/test/recordings/${crypto.randomUUID()}/recording.mp4`;
  const created = await aws.fetch(`${endpoint}/${keys.bucket}/${key}?uploads`, { method: 'POST' });
  const uploadId = /<UploadId>([^<]+)</.exec(await created.text())![1]!;
  const signed = await aws.sign(new Request(`${endpoint}/${keys.bucket}/${key}?partNumber=1&uploadId=${uploadId}&X-Amz-Expires=600`, { method: 'PUT' }), { aws: { signQuery: true } });
  return { key, uploadId, url: signed.url };
}

async function fragment(bytes: number) {
  const path = join(await mkdtemp(join(tmpdir(), 'recorder-part-')), 'part-00001.mp4');
  await writeFile(path, new Uint8Array(bytes).fill(7));
  return path;
}

describe('recording part uploads', () => {
  it('retries through a store outage and deletes the fragment only after the store has it', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'recorder-store-'));
    store = await startObjectStore({ port: 0, directory, ...keys });
    const port = store.port;
    const { url } = await partUrl(store.endpoint);
    const path = await fragment(64 * 1024);
    // The store goes away, and comes back on the same port (same data) 700 ms later.
    await store.close();
    const retries: number[] = [];
    const upload = uploadPartFile(url, path, { baseDelayMs: 200, onRetry: (n) => retries.push(n) });
    await new Promise((r) => setTimeout(r, 700));
    expect(existsSync(path)).toBe(true);
    store = await startObjectStore({ port, directory, ...keys });
    const etag = await upload;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(existsSync(path)).toBe(false);
    console.log(`part upload: ${retries.length} failed attempt(s) during a 700 ms outage, then stored`);
  });

  it('keeps the fragment on disk when every attempt fails', async () => {
    store = await startObjectStore({ port: 0, ...keys });
    const { url } = await partUrl(store.endpoint);
    const path = await fragment(1024);
    await store.close();
    store = undefined;
    await expect(uploadPartFile(url, path, { attempts: 3, baseDelayMs: 50 })).rejects.toThrow(/after 3 attempt/);
    expect(existsSync(path)).toBe(true);
  });
});
