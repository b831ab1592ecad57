// The local S3-compatible object store for `npm run dev`, the e2e stack and the Worker tests: one
// store for the Worker, the media node and the browser, as R2's S3 endpoint is in production.
// It is @20minutes/s3rver (a real S3 server that checks SigV4 signatures, presigned URLs and
// multipart uploads included), started from code: its CLI is broken.
//
// What is added to it, so local behaves like a private R2 bucket:
// - every request must be signed (s3rver lets unsigned requests through as anonymous; R2 and a
//   private S3 bucket refuse them): nothing stored is public;
// - AbortMultipartUpload (DELETE ?uploadId=), which s3rver lacks (405): stale upload cleanup uses it;
// - UploadPart to an upload that is not open answers NoSuchUpload (s3rver would open it);
// - CompleteMultipartUpload checks each part's ETag (s3rver joins whatever parts it has): a wrong
//   or missing part answers InvalidPart, as S3 and R2 do;
// - GET /health answers OBJECT_STORE_HEALTH, so a second test run can tell the port is ours.
// Not there, and not used by Roomcast: ListParts and ListMultipartUploads.
// The bucket is created on start with a CORS rule that lets the web app's browser PUT parts and
// read the ETag header back (multipart completion needs it).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createRequire } from 'node:module';

export const OBJECT_STORE_HEALTH = 'roomcast-local-object-store';

export interface ObjectStoreOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Where objects live on disk; default a fresh temporary folder removed on close. */
  directory?: string;
  log?: (line: string) => void;
}

export interface LocalObjectStore {
  port: number;
  /** The S3 endpoint (path-style: {endpoint}/{bucket}/{key}). */
  endpoint: string;
  bucket: string;
  close(): Promise<void>;
}

interface S3rverInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  configureBuckets(): Promise<unknown>;
  store: unknown;
  context: { store: unknown };
}
interface Part {
  number: number | string;
  etag: string;
}
interface FilesystemStoreClass {
  new (directory: string): {
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    putPart(bucket: string, uploadId: string, partNumber: number, content: unknown): Promise<unknown>;
    putObjectMultipart(bucket: string, uploadId: string, parts: Part[]): Promise<unknown>;
  };
}
interface KoaContext {
  method: string;
  query: Record<string, string>;
  params: { bucket: string };
  status: number;
  body: unknown;
  store: InstanceType<FilesystemStoreClass>;
}
interface RouterLayer {
  path: string;
  methods: string[];
}

const require = createRequire(import.meta.url);

const CORS = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/** A request carries a SigV4/V2 signature, in its headers or (presigned) in its query. */
function isSigned(req: IncomingMessage): boolean {
  if (req.headers.authorization) return true;
  const query = new URL(req.url ?? '/', 'http://local').searchParams;
  return query.has('X-Amz-Algorithm') || query.has('Signature');
}

let routerExtended = false;

/** Adds AbortMultipartUpload to s3rver's router, after its signature check (once per process). */
function addAbortMultipartUpload() {
  if (routerExtended) return;
  routerExtended = true;
  const router = require('@20minutes/s3rver/lib/routes.js') as {
    stack: RouterLayer[];
    delete(path: string, handler: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
  };
  const objectDelete = router.stack.findIndex((l) => l.path === '/:bucket/*key' && l.methods.includes('DELETE'));
  router.delete('/:bucket/*key', async (ctx, next) => {
    if (!('uploadId' in ctx.query)) return next();
    const uploadDir = join(ctx.store.getResourcePath(ctx.params.bucket, undefined, 'uploads'), basename(ctx.query.uploadId!));
    if (!existsSync(uploadDir)) {
      ctx.status = 404;
      ctx.body = { Error: { Code: 'NoSuchUpload', Message: 'The specified upload does not exist.' } };
      return;
    }
    await rm(uploadDir, { recursive: true, force: true });
    ctx.status = 204;
  });
  // Moved ahead of s3rver's own DELETE handler (which refuses uploadId), after authentication.
  router.stack.splice(objectDelete, 0, router.stack.pop()!);
}

/** s3rver's file store, with CompleteMultipartUpload checking every part's ETag as S3 does. */
function checkingStore(directory: string) {
  const FilesystemStore = require('@20minutes/s3rver/lib/stores/filesystem.js') as FilesystemStoreClass;
  const S3Error = require('@20minutes/s3rver/lib/models/error.js') as new (code: string, message: string, details?: Record<string, unknown>) => Error;
  return new (class extends FilesystemStore {
    // A part for an upload that was never opened, or was aborted or completed: NoSuchUpload (s3rver
    // would open it anew).
    override async putPart(bucket: string, uploadId: string, partNumber: number, content: unknown) {
      const uploadDir = join(this.getResourcePath(bucket, undefined, 'uploads'), basename(uploadId));
      if (!existsSync(join(uploadDir, 'key'))) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
      return super.putPart(bucket, uploadId, partNumber, content);
    }

    override async putObjectMultipart(bucket: string, uploadId: string, parts: Part[]) {
      const uploadDir = join(this.getResourcePath(bucket, undefined, 'uploads'), basename(uploadId));
      for (const part of parts) {
        const md5 = await readFile(join(uploadDir, `${Number(part.number)}.md5`), 'utf8').catch(() => null);
        if (md5 === null || md5.trim() !== part.etag.replace(/"/g, '').trim()) {
          throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found or its entity tag did not match.', { PartNumber: part.number, ETag: part.etag });
        }
      }
      return super.putObjectMultipart(bucket, uploadId, parts);
    }
  })(directory);
}

export async function startObjectStore(options: ObjectStoreOptions): Promise<LocalObjectStore> {
  const S3rver = require('@20minutes/s3rver') as new (opts: Record<string, unknown>) => S3rverInstance;
  addAbortMultipartUpload();
  const AWSAccount = require('@20minutes/s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } };
  // s3rver knows one account with the key pair S3RVER/S3RVER; ours is added to it.
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(options.accessKeyId, options.secretAccessKey);

  const temporary = options.directory === undefined;
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'roomcast-object-store-'));
  const s3 = new S3rver({
    directory,
    silent: true,
    // Path-style only: {endpoint}/{bucket}/{key}, as the Worker signs them.
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket, configs: [CORS] }],
  });
  s3.store = s3.context.store = checkingStore(directory);
  await s3.configureBuckets();
  const handle = s3.callback();

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(OBJECT_STORE_HEALTH);
      return;
    }
    // CORS preflights carry no signature by design (browsers send them bare).
    if (req.method !== 'OPTIONS' && !isSigned(req)) {
      res
        .writeHead(403, { 'content-type': 'application/xml' })
        .end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Anonymous access is not allowed: sign the request or use a presigned URL</Message></Error>');
      return;
    }
    handle(req, res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const endpoint = `http://${host}:${port}`;
  options.log?.(`${endpoint}/${options.bucket} (S3 API, signed requests only)`);
  return {
    port,
    endpoint,
    bucket: options.bucket,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          if (temporary) rmSync(directory, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
