// Local recordings (a host's studio records in the browser and uploads the parts itself) through
// the API against the real local S3 server: plan, live-room and storage checks before anything is
// written; presigned part URLs (first ones at open, more on request) that the test PUTs to as the
// browser does; completion into a playable `ready` recording in the same library, counted against
// storage; a wrong ETag refused with the recording left open; the room's end and the server
// recording leave it alone; a studio that never completes it is cleaned up; tenants apart.
// The browser side is proven in web/test/e2e/local-recording.test.ts.
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { files, recordings, roomSessions } from '@roomcast/schema/db';
import { Database } from '../src/db/database.ts';
import type { Env } from '../src/env.ts';
import { cleanStaleRecordings } from '../src/recordings/stale-recordings.ts';
import { api, setPlan, signUp, type Tenant } from './api-client.ts';
import { config, liveRoom, roomTenant } from './room-client.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const recordingsPath = (t: Tenant) => `/organizations/${t.organizationId}/recordings`;
const localPath = (t: Tenant, roomId: string) => `/organizations/${t.organizationId}/rooms/${roomId}/local-recordings`;

async function putParts(urls: { partNumber: number; url: string }[], bodies: Uint8Array[]) {
  const parts: { partNumber: number; etag: string }[] = [];
  for (const [i, body] of bodies.entries()) {
    const res = await fetch(urls[i]!.url, { method: 'PUT', body });
    expect(res.status).toBe(200);
    parts.push({ partNumber: urls[i]!.partNumber, etag: res.headers.get('etag')! });
  }
  return parts;
}

describe('local recordings', () => {
  it('is refused on Starter (403 plan_limit recording), when the room is not live, and when the storage is nearly full', async () => {
    const owner = await signUp('local-starter');
    const room = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'Desk' } });
    expect(await api('POST', localPath(owner, room.body.id), { token: owner.token })).toMatchObject({ status: 403, body: { error: { code: 'plan_limit', details: { limit: 'recording' } } } });
    await setPlan(owner, 'professional');
    expect(await api('POST', localPath(owner, room.body.id), { token: owner.token })).toMatchObject({ status: 409, body: { error: { code: 'room_not_live' } } });

    const full = await roomTenant('local-full');
    await setPlan(full, 'professional');
    const live = await liveRoom(full);
    const db = new Database(config);
    try {
      await db.scoped({ organizationId: full.organizationId }, (tx) =>
        tx.insert(files).values({ organizationId: full.organizationId, objectKey: `org/${full.organizationId}/files/${crypto.randomUUID()}`, name: 'big.zip', contentType: 'application/zip', sizeBytes: 25 * GIB - GIB / 2 }),
      );
    } finally {
      await db.close();
    }
    expect(await api('POST', localPath(full, live.roomId), { token: full.token })).toMatchObject({ status: 403, body: { error: { code: 'plan_limit', details: { limit: 'storage' } } } });
    expect((await api('GET', recordingsPath(full), { token: full.token })).body.recordings).toEqual([]);
  });

  it('uploads parts through presigned URLs while recording, completes into a ready recording that plays and counts, beside a server recording and past the room end', async () => {
    const tenant = await roomTenant('local-parts');
    const room = await liveRoom(tenant);
    const opened = await api('POST', localPath(tenant, room.roomId), { token: tenant.token });
    expect(opened).toMatchObject({ status: 201, body: { recording: { status: 'recording', source: 'local', roomId: room.roomId, sessionId: room.sessionId }, partBytes: 5 * MIB } });
    expect(opened.body.partUrls.map((p: { partNumber: number }) => p.partNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(JSON.stringify(opened.body)).not.toContain(config.storage!.secretAccessKey);
    const id = opened.body.recording.id as string;

    // A server recording may run beside it (one server recording per room; local ones apart).
    const server = await api('POST', `/organizations/${tenant.organizationId}/rooms/${room.roomId}/recordings`, { token: tenant.token });
    expect(server.status).toBe(201);
    expect(await api('POST', `${recordingsPath(tenant)}/${server.body.recording.id}/part-urls`, { token: tenant.token, body: { fromPart: 1, count: 2 } })).toMatchObject({ status: 409, body: { error: { code: 'recording_not_local' } } });
    expect(await api('POST', `${recordingsPath(tenant)}/${id}/stop`, { token: tenant.token })).toMatchObject({ status: 409, body: { error: { code: 'recording_local' } } });

    const more = await api('POST', `${recordingsPath(tenant)}/${id}/part-urls`, { token: tenant.token, body: { fromPart: 9, count: 4 } });
    expect(more.status).toBe(200);
    expect(more.body.partUrls.map((p: { partNumber: number }) => p.partNumber)).toEqual([9, 10, 11, 12]);
    expect((await api('POST', `${recordingsPath(tenant)}/${id}/part-urls`, { token: tenant.token, body: { fromPart: 1, count: 65 } })).status).toBe(400);

    const bodies = [new Uint8Array(5 * MIB).fill(3), new Uint8Array(1234).fill(4)];
    const parts = await putParts(opened.body.partUrls, bodies);

    // The room ends while the studio still uploads: the local recording is left to it.
    expect((await api('POST', `/organizations/${tenant.organizationId}/rooms/${room.roomId}/end`, { token: tenant.token })).status).toBe(200);
    expect((await api('GET', `${recordingsPath(tenant)}/${id}`, { token: tenant.token })).body.recording.status).toBe('recording');

    const wrong = await api('POST', `${recordingsPath(tenant)}/${id}/complete`, { token: tenant.token, body: { parts: [parts[0], { ...parts[1], etag: '"0000"' }], durationMs: 8_000, videoCodec: 'vp8', audioCodec: 'opus' } });
    expect(wrong).toMatchObject({ status: 400, body: { error: { code: 'upload_incomplete' } } });
    expect((await api('GET', `${recordingsPath(tenant)}/${id}`, { token: tenant.token })).body.recording.status).toBe('recording');

    const done = await api('POST', `${recordingsPath(tenant)}/${id}/complete`, { token: tenant.token, body: { parts, durationMs: 8_000, videoCodec: 'vp8', audioCodec: 'opus' } });
    expect(done).toMatchObject({ status: 200, body: { recording: { status: 'ready', source: 'local', durationMs: 8_000, sizeBytes: 5 * MIB + 1234, videoCodec: 'vp8', audioCodec: 'opus' } } });
    // A retried complete (its answer lost) gets the same recording.
    expect((await api('POST', `${recordingsPath(tenant)}/${id}/complete`, { token: tenant.token, body: { parts, durationMs: 8_000, videoCodec: 'vp8', audioCodec: 'opus' } })).body.recording.status).toBe('ready');
    expect(await api('POST', `${recordingsPath(tenant)}/${id}/part-urls`, { token: tenant.token, body: { fromPart: 3, count: 1 } })).toMatchObject({ status: 409, body: { error: { code: 'recording_not_active' } } });

    const one = await api('GET', `${recordingsPath(tenant)}/${id}`, { token: tenant.token });
    expect(one.body.posterUrl).toBeNull();
    const bytes = new Uint8Array(await (await fetch(one.body.playbackUrl)).arrayBuffer());
    expect(bytes.length).toBe(5 * MIB + 1234);
    expect(bytes[0]).toBe(3);
    expect(bytes[bytes.length - 1]).toBe(4);
    const limits = await api('GET', `/organizations/${tenant.organizationId}/limits`, { token: tenant.token });
    expect(limits.body.limits.find((l: { limit: string }) => l.limit === 'storage').current).toBe(5 * MIB + 1234);
  });

  it("answers 404 for another tenant's local recording and room", async () => {
    const tenant = await roomTenant('local-owner');
    const room = await liveRoom(tenant);
    const id = (await api('POST', localPath(tenant, room.roomId), { token: tenant.token })).body.recording.id;
    const stranger = await roomTenant('local-stranger');
    for (const [path, body] of [
      [localPath(stranger, room.roomId), undefined],
      [`${recordingsPath(stranger)}/${id}/part-urls`, { fromPart: 1, count: 1 }],
      [`${recordingsPath(stranger)}/${id}/complete`, { parts: [{ partNumber: 1, etag: '"x"' }], durationMs: 1, videoCodec: 'vp8', audioCodec: null }],
      [`${recordingsPath(tenant)}/${id}/part-urls`, { fromPart: 1, count: 1 }],
    ] as const) {
      expect((await api('POST', path, { token: stranger.token, body })).status, path).toBe(404);
    }
  });

  it('aborts a local recording its studio never completed, once its session has long ended', async () => {
    const tenant = await roomTenant('local-stale');
    const room = await liveRoom(tenant);
    const id = (await api('POST', localPath(tenant, room.roomId), { token: tenant.token })).body.recording.id;
    expect((await api('POST', `/organizations/${tenant.organizationId}/rooms/${room.roomId}/end`, { token: tenant.token })).status).toBe(200);
    const db = new Database(config);
    try {
      await db.scoped({ organizationId: tenant.organizationId }, (tx) => tx.update(roomSessions).set({ endedAt: new Date(Date.now() - 2 * 3600_000) }).where(eq(roomSessions.id, room.sessionId)));
      expect(await cleanStaleRecordings(config, env as unknown as Env)).toBeGreaterThanOrEqual(1);
      const [row] = await db.scoped({ organizationId: tenant.organizationId }, (tx) => tx.select().from(recordings).where(eq(recordings.id, id)));
      expect(row).toMatchObject({ status: 'failed', uploadId: null, error: expect.stringContaining('never completed') });
    } finally {
      await db.close();
    }
  });
});
