// Uploads against the real local S3 server (scripts/local/object-store.ts, @20minutes/s3rver,
// which checks SigV4): presigned PUT and multipart straight to the store, confirmation by the
// store's own answer, downloads through short-lived presigned GETs, the plan's storage limit
// before anything is written, stale upload cleanup, and tenants kept apart.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import type { Env } from '../src/env.ts';
import { cleanStaleUploads } from '../src/storage/stale-uploads.ts';
import { addMember, api, bindingsWith, fetchWith, setPlan, signUp } from './api-client.ts';
import { filesPath, uploadSmall } from './file-uploads.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

describe('file uploads to the object store', () => {
  it('uploads with a presigned PUT, confirms with the store, downloads with a presigned GET; nothing is public', async () => {
    const owner = await signUp('files');
    const created = await api('POST', filesPath(owner), { token: owner.token, body: { name: 'Q3 chart.txt', contentType: 'text/plain', sizeBytes: 11 } });
    expect(created.status).toBe(201);
    expect(created.body.file).toMatchObject({ name: 'Q3 chart.txt', status: 'pending', sizeBytes: 11 });
    expect(created.body.upload.kind).toBe('single');
    const uploadUrl = new URL(created.body.upload.url);
    // Keys are namespaced by organization.
    expect(uploadUrl.pathname).toContain(`/org/${owner.organizationId}/files/`);

    // Not confirmable before the bytes are there.
    const early = await api('POST', `${filesPath(owner)}/${created.body.file.id}/complete`, { token: owner.token, body: {} });
    expect(early).toMatchObject({ status: 400, body: { error: { code: 'upload_incomplete' } } });

    // The content type is part of the signature: another type is refused by the store itself.
    expect((await fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: 'hello world' })).status).toBe(403);
    expect((await fetch(uploadUrl, { method: 'PUT', headers: created.body.upload.headers, body: 'hello world' })).status).toBe(200);
    const done = await api('POST', `${filesPath(owner)}/${created.body.file.id}/complete`, { token: owner.token, body: {} });
    expect(done).toMatchObject({ status: 200, body: { file: { status: 'uploaded', sizeBytes: 11 } } });

    const listed = await api('GET', filesPath(owner), { token: owner.token });
    expect(listed.body.files.map((f: { id: string }) => f.id)).toEqual([created.body.file.id]);

    const one = await api('GET', `${filesPath(owner)}/${created.body.file.id}`, { token: owner.token });
    expect(one.status).toBe(200);
    const download = await fetch(one.body.downloadUrl);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('hello world');
    expect(download.headers.get('content-disposition')).toContain('attachment');
    // Ranged reads work on the same URL (players seek this way).
    const ranged = await fetch(one.body.downloadUrl, { headers: { range: 'bytes=6-10' } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('world');

    // The same object without a signature, or with a tampered one, is refused.
    const bare = new URL(one.body.downloadUrl);
    bare.search = '';
    expect((await fetch(bare)).status).toBe(403);
    const tampered = new URL(one.body.downloadUrl);
    tampered.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    expect((await fetch(tampered)).status).toBe(403);

    // The plan page counts the confirmed bytes.
    const limits = await api('GET', `/organizations/${owner.organizationId}/limits`, { token: owner.token });
    expect(limits.body.limits.find((l: { limit: string }) => l.limit === 'storage')).toMatchObject({ max: 5 * GIB, current: 11 });

    // Delete frees the storage and removes the object from the store.
    expect((await api('DELETE', `${filesPath(owner)}/${created.body.file.id}`, { token: owner.token })).status).toBe(204);
    expect((await fetch(one.body.downloadUrl)).status).toBe(404);
    const after = await api('GET', `/organizations/${owner.organizationId}/limits`, { token: owner.token });
    expect(after.body.limits.find((l: { limit: string }) => l.limit === 'storage')).toMatchObject({ current: 0 });
  });

  it('uploads a large file in presigned parts and completes it with the parts\' ETags', async () => {
    const owner = await signUp('files-multipart');
    const size = 12 * MIB;
    const created = await api('POST', filesPath(owner), { token: owner.token, body: { name: 'webinar.mp4', contentType: 'video/mp4', sizeBytes: size } });
    expect(created.status).toBe(201);
    const upload = created.body.upload;
    expect(upload.kind).toBe('multipart');
    expect(upload.parts).toHaveLength(Math.ceil(size / upload.partSize));
    expect(upload.parts.length).toBeGreaterThan(1);

    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = i % 251;
    const parts: { partNumber: number; etag: string }[] = [];
    for (const part of upload.parts) {
      const start = (part.partNumber - 1) * upload.partSize;
      const res = await fetch(part.url, { method: 'PUT', body: bytes.slice(start, Math.min(size, start + upload.partSize)) });
      expect(res.status).toBe(200);
      parts.push({ partNumber: part.partNumber, etag: res.headers.get('etag')! });
    }
    const fileUrl = `${filesPath(owner)}/${created.body.file.id}`;
    // Without the parts, or with a wrong ETag, nothing is completed.
    expect((await api('POST', `${fileUrl}/complete`, { token: owner.token, body: {} })).body.error.code).toBe('upload_incomplete');
    const wrong = parts.map((p, i) => (i === 0 ? { ...p, etag: '"00000000000000000000000000000000"' } : p));
    expect((await api('POST', `${fileUrl}/complete`, { token: owner.token, body: { parts: wrong } })).body.error.code).toBe('upload_incomplete');

    const done = await api('POST', `${fileUrl}/complete`, { token: owner.token, body: { parts } });
    expect(done).toMatchObject({ status: 200, body: { file: { status: 'uploaded', sizeBytes: size } } });
    const one = await api('GET', fileUrl, { token: owner.token });
    const got = new Uint8Array(await (await fetch(one.body.downloadUrl)).arrayBuffer());
    expect(got.length).toBe(size);
    expect(got[9 * MIB]).toBe((9 * MIB) % 251);
  });

  it('discards an object whose size differs from the declared one, and refuses forbidden types and oversized files', async () => {
    const owner = await signUp('files-mismatch');
    const created = await api('POST', filesPath(owner), { token: owner.token, body: { name: 'a.txt', contentType: 'text/plain', sizeBytes: 100 } });
    await fetch(created.body.upload.url, { method: 'PUT', headers: created.body.upload.headers, body: 'x'.repeat(50) });
    const done = await api('POST', `${filesPath(owner)}/${created.body.file.id}/complete`, { token: owner.token, body: {} });
    expect(done).toMatchObject({ status: 400, body: { error: { code: 'upload_mismatch' } } });
    expect((await api('GET', `${filesPath(owner)}/${created.body.file.id}`, { token: owner.token })).status).toBe(404);

    const exe = await api('POST', filesPath(owner), { token: owner.token, body: { name: 'setup.exe', contentType: 'application/x-msdownload', sizeBytes: 10 } });
    expect(exe).toMatchObject({ status: 415, body: { error: { code: 'unsupported_file_type', message: expect.stringContaining('PDF') } } });
    const huge = await api('POST', filesPath(owner), { token: owner.token, body: { name: 'big.pdf', contentType: 'application/pdf', sizeBytes: 65 * MIB } });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'file_too_large', message: expect.stringContaining('64 MiB') } } });
    const slash = await api('POST', filesPath(owner), { token: owner.token, body: { name: '../etc/passwd', contentType: 'text/plain', sizeBytes: 10 } });
    expect(slash).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
  });

  it("enforces the plan's storage before an upload starts (403 plan_limit naming storage), and nothing is written", async () => {
    const owner = await signUp('files-quota');
    // Files up to 10 GiB for this test only: the quota, not the per-file cap, must refuse.
    const bindings = bindingsWith({ UPLOAD_MAX_FILE_MIB: String(10 * 1024), UPLOAD_MULTIPART_FROM_MIB: String(10 * 1024) });
    const declare = (sizeBytes: number) =>
      fetchWith(
        bindings,
        new Request(`http://roomcast.test/api/v1${filesPath(owner)}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json', 'cf-connecting-ip': '10.9.9.9' },
          body: JSON.stringify({ name: 'archive.zip', contentType: 'application/zip', sizeBytes }),
        }),
      );
    const first = await declare(3 * GIB);
    expect(first.status).toBe(201);
    // Pending uploads reserve their size: 3 GiB + 3 GiB passes Starter's 5 GB.
    const second = await declare(3 * GIB);
    expect(second).toMatchObject({ status: 403, body: { error: { code: 'plan_limit', details: { limit: 'storage', max: 5 * GIB, current: 3 * GIB, plan: 'starter' } } } });
    const listed = await api('GET', filesPath(owner), { token: owner.token });
    expect(listed.body.files).toEqual([]);

    await setPlan(owner, 'professional');
    expect((await declare(3 * GIB)).status).toBe(201);
    // Abandoning an upload frees its reservation.
    expect((await api('DELETE', `${filesPath(owner)}/${first.body.file.id}`, { token: owner.token })).status).toBe(204);
    await setPlan(owner, 'starter');
    expect((await declare(1 * GIB)).status).toBe(201);
  });

  it('lets every member list and download, only hosts and up upload, and answers 404 to other tenants', async () => {
    const owner = await signUp('files-roles');
    const file = await uploadSmall(owner, 'chart data');
    const viewer = await addMember(owner, 'viewer');
    expect((await api('GET', filesPath(owner), { token: viewer.token })).body.files).toHaveLength(1);
    expect((await api('GET', `${filesPath(owner)}/${file.id}`, { token: viewer.token })).status).toBe(200);
    const denied = await api('POST', filesPath(owner), { token: viewer.token, body: { name: 'x.txt', contentType: 'text/plain', sizeBytes: 1 } });
    expect(denied).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await api('DELETE', `${filesPath(owner)}/${file.id}`, { token: viewer.token })).status).toBe(403);

    const stranger = await signUp('files-stranger');
    // Their own organization path with our file id, and our organization path: both 404.
    expect((await api('GET', `${filesPath(stranger)}/${file.id}`, { token: stranger.token })).status).toBe(404);
    expect((await api('DELETE', `${filesPath(stranger)}/${file.id}`, { token: stranger.token })).status).toBe(404);
    expect((await api('POST', `${filesPath(stranger)}/${file.id}/complete`, { token: stranger.token, body: {} })).status).toBe(404);
    expect((await api('GET', `${filesPath(owner)}/${file.id}`, { token: stranger.token })).status).toBe(404);
    // A workspace of another tenant cannot be named either.
    const cross = await api('POST', filesPath(stranger), { token: stranger.token, body: { name: 'x.txt', contentType: 'text/plain', sizeBytes: 1, workspaceId: owner.workspaceId } });
    expect(cross.status).toBe(404);
  });

  it('lists files newest first a page at a time, each once', async () => {
    const owner = await signUp('files-pages');
    const uploaded: string[] = [];
    for (let i = 0; i < 5; i++) uploaded.unshift((await uploadSmall(owner, `file ${i}`, `f${i}.txt`)).id);
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const page: { status: number; body: any } = await api('GET', `${filesPath(owner)}?limit=2${before ? `&before=${before}` : ''}`, { token: owner.token });
      expect(page.status).toBe(200);
      expect(page.body.files.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.files.map((f: { id: string }) => f.id));
      before = page.body.nextCursor;
    } while (before && seen.length < 10);
    expect(seen).toEqual(uploaded);
    expect(await api('GET', `${filesPath(owner)}?before=garbage`, { token: owner.token })).toMatchObject({ status: 400, body: { error: { code: 'invalid_cursor' } } });
  });

  it('aborts stale multipart uploads and frees their reservation', async () => {
    const owner = await signUp('files-stale');
    const created = await api('POST', filesPath(owner), { token: owner.token, body: { name: 'lost.mp4', contentType: 'video/mp4', sizeBytes: 7 * MIB } });
    expect(created.body.upload.kind).toBe('multipart');
    const part = created.body.upload.parts[0];
    expect((await fetch(part.url, { method: 'PUT', body: new Uint8Array(MIB) })).status).toBe(200);

    const config = loadConfig(env as unknown as Env);
    // Not stale yet: kept.
    await cleanStaleUploads(config);
    expect((await api('GET', `${filesPath(owner)}/${created.body.file.id}`, { token: owner.token })).status).toBe(200);
    // A day later: the upload is aborted in the store and the row (and its reservation) is gone.
    const removed = await cleanStaleUploads(config, new Date(Date.now() + 25 * 3600_000));
    expect(removed).toBeGreaterThanOrEqual(1);
    expect((await api('GET', `${filesPath(owner)}/${created.body.file.id}`, { token: owner.token })).status).toBe(404);
    expect((await fetch(part.url, { method: 'PUT', body: new Uint8Array(MIB) })).status).toBe(404);
  });
});
