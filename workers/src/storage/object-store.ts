// The one client of the object store (R2's S3 endpoint in production, the local S3 server in
// development and tests). Everything goes through the S3 API signed with aws4fetch: browsers and
// media nodes get short-lived presigned URLs and upload or download straight to the store; only
// the Worker holds the bucket's keys. Path-style URLs: {endpoint}/{bucket}/{key}.
import { AwsClient } from 'aws4fetch';
import type { StorageConfig } from '../config.ts';
import { ApiError } from '../errors.ts';

export interface ObjectHead {
  sizeBytes: number;
  contentType: string | null;
}

export interface ListedObject {
  key: string;
  sizeBytes: number;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

/** The store answered something other than success: a 502 to the caller, details in the log. */
export class ObjectStoreError extends ApiError {
  constructor(operation: string, status: number, body: string) {
    super(502, 'storage_error', `The object store refused ${operation} (${status})`);
    console.error(`object store: ${operation} answered ${status}: ${body.slice(0, 300)}`);
  }
}

export class ObjectStore {
  readonly #aws: AwsClient;

  constructor(readonly config: StorageConfig) {
    this.#aws = new AwsClient({
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      service: 's3',
      region: config.region,
    });
  }

  objectUrl(key: string, query: Record<string, string> = {}): URL {
    const url = new URL(`${this.config.endpoint}/${this.config.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url;
  }

  /** A URL anyone holding it may use once for `method` until it expires (SigV4 query signing). */
  async presign(method: 'GET' | 'PUT' | 'HEAD', key: string, options: { query?: Record<string, string>; headers?: Record<string, string>; expiresIn?: number } = {}): Promise<string> {
    const url = this.objectUrl(key, { ...options.query, 'X-Amz-Expires': String(options.expiresIn ?? this.config.urlTtlSeconds) });
    // allHeaders: the given headers (a content type) are signed too; aws4fetch leaves them out by default.
    const signed = await this.#aws.sign(new Request(url, { method, headers: options.headers }), { aws: { signQuery: true, allHeaders: true } });
    return signed.url;
  }

  /** A short-lived download link; `downloadName` makes browsers save rather than show it. */
  presignGet(key: string, options: { downloadName?: string; expiresIn?: number; contentType?: string } = {}): Promise<string> {
    const query: Record<string, string> = {};
    if (options.contentType) query['response-content-type'] = options.contentType;
    // A plain ASCII name: signers disagree on how to encode !'()* in the query (the local server
    // and aws4fetch do), and a name is cosmetic; the original name stays in Postgres.
    if (options.downloadName) query['response-content-disposition'] = `attachment; filename="${options.downloadName.replace(/[^A-Za-z0-9 ._-]/g, '_')}"`;
    return this.presign('GET', key, { query, expiresIn: options.expiresIn });
  }

  /** A presigned single PUT; the content type is signed, so the uploader must send exactly it. */
  presignPut(key: string, contentType: string): Promise<string> {
    return this.presign('PUT', key, { headers: { 'content-type': contentType } });
  }

  presignPart(key: string, uploadId: string, partNumber: number, expiresIn?: number): Promise<string> {
    return this.presign('PUT', key, { query: { partNumber: String(partNumber), uploadId }, expiresIn });
  }

  async head(key: string): Promise<ObjectHead | null> {
    const res = await this.#aws.fetch(this.objectUrl(key), { method: 'HEAD' });
    if (res.status === 404) return null;
    if (!res.ok) throw new ObjectStoreError('HEAD', res.status, '');
    return { sizeBytes: Number(res.headers.get('content-length') ?? 0), contentType: res.headers.get('content-type') };
  }

  /** The object's bytes as the store answers them; null when there is none. */
  async get(key: string): Promise<Response | null> {
    const res = await this.#aws.fetch(this.objectUrl(key), { method: 'GET' });
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) throw new ObjectStoreError('GET', res.status, await res.text());
    return res;
  }

  /**
   * Every object whose key starts with `prefix` (ListObjects, `pageSize` keys a page, at most
   * 1000; the next page starts after the last key listed). Not ListObjectsV2: S3 and R2 answer
   * both, but the local S3 server cannot answer a truncated V2 page (its continuation tokens are
   * DES-encrypted, which current OpenSSL no longer offers: it answers 500).
   */
  async list(prefix: string, pageSize = 1000): Promise<ListedObject[]> {
    const listed: ListedObject[] = [];
    for (;;) {
      const url = new URL(`${this.config.endpoint}/${this.config.bucket}`);
      url.searchParams.set('prefix', prefix);
      url.searchParams.set('max-keys', String(pageSize));
      const last = listed.at(-1);
      if (last) url.searchParams.set('marker', last.key);
      const res = await this.#aws.fetch(url, { method: 'GET' });
      const body = await res.text();
      if (!res.ok) throw new ObjectStoreError('ListObjects', res.status, body);
      const before = listed.length;
      for (const [, contents] of body.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const key = xmlValue(contents!, 'Key');
        if (key !== undefined) listed.push({ key: unescapeXml(key), sizeBytes: Number(xmlValue(contents!, 'Size') ?? 0) });
      }
      if (xmlValue(body, 'IsTruncated') !== 'true' || listed.length === before) return listed;
    }
  }

  /** Writes a small object in one PUT (a playlist the Worker itself writes). */
  async put(key: string, body: string | Uint8Array, contentType: string): Promise<void> {
    const res = await this.#aws.fetch(this.objectUrl(key), { method: 'PUT', body, headers: { 'content-type': contentType } });
    if (!res.ok) throw new ObjectStoreError('PUT', res.status, await res.text());
    await res.body?.cancel();
  }

  async delete(key: string): Promise<void> {
    const res = await this.#aws.fetch(this.objectUrl(key), { method: 'DELETE' });
    // S3 answers 204 whether or not the key existed.
    if (!res.ok && res.status !== 404) throw new ObjectStoreError('DELETE', res.status, await res.text());
  }

  async createMultipartUpload(key: string, contentType: string): Promise<string> {
    const url = this.objectUrl(key);
    url.search = 'uploads';
    const res = await this.#aws.fetch(url, { method: 'POST', headers: { 'content-type': contentType } });
    const body = await res.text();
    if (!res.ok) throw new ObjectStoreError('CreateMultipartUpload', res.status, body);
    const uploadId = xmlValue(body, 'UploadId');
    if (!uploadId) throw new ObjectStoreError('CreateMultipartUpload', res.status, body);
    return uploadId;
  }

  /**
   * Joins the parts into one object. The store checks every ETag against the part it holds, so a
   * missing or wrong part fails here and nothing is counted.
   */
  async completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const xml = `<CompleteMultipartUpload>${sorted
      .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`)
      .join('')}</CompleteMultipartUpload>`;
    const res = await this.#aws.fetch(this.objectUrl(key, { uploadId }), { method: 'POST', body: xml, headers: { 'content-type': 'application/xml' } });
    const body = await res.text();
    // S3 may answer 200 with an <Error> body when completion fails late.
    if (!res.ok || body.includes('<Error>')) {
      if (res.status === 400 || body.includes('InvalidPart')) {
        throw new ApiError(400, 'upload_incomplete', 'The uploaded parts do not match: upload every part and send each part\'s ETag');
      }
      if (res.status === 404) throw new ApiError(400, 'upload_incomplete', 'The multipart upload no longer exists: start the upload again');
      throw new ObjectStoreError('CompleteMultipartUpload', res.status, body);
    }
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    const res = await this.#aws.fetch(this.objectUrl(key, { uploadId }), { method: 'DELETE' });
    if (!res.ok && res.status !== 404) throw new ObjectStoreError('AbortMultipartUpload', res.status, await res.text());
  }
}

const xmlValue = (xml: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
const unescapeXml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The configured store, or 503 when this deployment has none. */
export function requireObjectStore(config: StorageConfig | undefined): ObjectStore {
  if (!config) throw new ApiError(503, 'storage_unavailable', 'Object storage is not configured on this deployment (STORAGE_ENDPOINT)');
  return new ObjectStore(config);
}
