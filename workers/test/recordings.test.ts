// Server recordings through the API against the real local S3 server: plan gate, live-room and
// storage checks before anything is written, the REC badge every participant sees (room state in
// RoomDO), webhooks, finalization of uploaded parts into one playable object, and tenants apart.
// The media node's recorder (plain transports -> ffmpeg -> parts) is not built yet: the parts here
// are uploaded by the test through presigned part URLs, as the node will.
import { eq } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { files, recordings, webhookDeliveries } from '@roomcast/schema/db';
import { Database } from '../src/db/database.ts';
import { finalizeRecording } from '../src/recordings/finalize.ts';
import { ObjectStore } from '../src/storage/object-store.ts';
import { api, setPlan, signUp, type Tenant } from './api-client.ts';
import { config, join, liveRoom, roomTenant } from './room-client.ts';

const GIB = 1024 ** 3;
const recordingsPath = (t: Tenant) => `/organizations/${t.organizationId}/recordings`;
const startPath = (t: Tenant, roomId: string) => `/organizations/${t.organizationId}/rooms/${roomId}/recordings`;

async function subscribeAll(t: Tenant) {
  const res = await api('POST', `/organizations/${t.organizationId}/webhooks`, {
    token: t.token,
    body: { url: `http://127.0.0.1:${inject('webhookReceiverPort')}/recordings`, events: ['recording.started', 'recording.ready', 'recording.failed'] },
  });
  expect(res.status).toBe(201);
}

async function eventTypes(t: Tenant): Promise<string[]> {
  const db = new Database(config);
  try {
    const rows = await db.scoped({ organizationId: t.organizationId }, (tx) =>
      tx.select({ type: webhookDeliveries.eventType }).from(webhookDeliveries).where(eq(webhookDeliveries.organizationId, t.organizationId)).orderBy(webhookDeliveries.seq),
    );
    return rows.map((r) => r.type);
  } finally {
    await db.close();
  }
}

describe('server recordings', () => {
  it('is refused on Starter (403 plan_limit recording), and when the room is not live', async () => {
    const owner = await signUp('rec-starter');
    const room = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'Desk' } });
    const refused = await api('POST', startPath(owner, room.body.id), { token: owner.token });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'plan_limit', details: { limit: 'recording' } } } });
    await setPlan(owner, 'professional');
    const idle = await api('POST', startPath(owner, room.body.id), { token: owner.token });
    expect(idle).toMatchObject({ status: 409, body: { error: { code: 'room_not_live' } } });
    expect((await api('GET', recordingsPath(owner), { token: owner.token })).body.recordings).toEqual([]);
  });

  it('starts with a REC badge for everyone in the room, stops, and fails cleanly when no media arrived', async () => {
    const tenant = await roomTenant('rec-badge');
    await subscribeAll(tenant);
    const room = await liveRoom(tenant);
    const viewer = await join(room, { role: 'viewer' });
    expect(viewer.welcome.room.recording ?? null).toBeNull();

    const started = await api('POST', startPath(tenant, room.roomId), { token: tenant.token });
    expect(started).toMatchObject({ status: 201, body: { recording: { status: 'recording', roomId: room.roomId, sessionId: room.sessionId } } });
    const id = started.body.recording.id;
    const badge = await viewer.socket.next((m) => m.type === 'room.updated' && Boolean(m.room.recording));
    expect(badge.room.recording).toMatchObject({ id });
    // A participant joining later sees it in the welcome.
    const late = await join(room, { role: 'viewer' });
    expect(late.welcome.room.recording).toMatchObject({ id });
    // One recording at a time per room.
    expect(await api('POST', startPath(tenant, room.roomId), { token: tenant.token })).toMatchObject({ status: 409, body: { error: { code: 'recording_active' } } });

    const stopped = await api('POST', `${recordingsPath(tenant)}/${id}/stop`, { token: tenant.token });
    expect(stopped).toMatchObject({ status: 200, body: { recording: { status: 'failed', error: expect.stringContaining('No media') } } });
    const cleared = await viewer.socket.next((m) => m.type === 'room.updated' && !m.room.recording);
    expect(cleared.room.recording).toBeNull();
    expect(await eventTypes(tenant)).toEqual(['recording.started', 'recording.failed']);
    expect((await api('POST', `${recordingsPath(tenant)}/${id}/stop`, { token: tenant.token })).body.error.code).toBe('recording_not_active');
  });

  it('joins the uploaded parts into one playable object, counts its bytes, plays through a presigned GET and frees them on delete', async () => {
    const tenant = await roomTenant('rec-parts');
    await subscribeAll(tenant);
    const room = await liveRoom(tenant);
    const started = await api('POST', startPath(tenant, room.roomId), { token: tenant.token });
    const id = started.body.recording.id;

    // What the node does while live: each fragment PUT to a presigned part URL (no bucket secret).
    const store = new ObjectStore(config.storage!);
    const db = new Database(config);
    try {
      const row = await db.scoped({ organizationId: tenant.organizationId }, async (tx) => (await tx.select().from(recordings).where(eq(recordings.id, id)))[0]!);
      expect(row.objectKey).toContain(`org/${tenant.organizationId}/recordings/${id}/`);
      const fragments = [new Uint8Array(5 * 1024 * 1024).fill(1), new Uint8Array(1000).fill(2)];
      const parts: { partNumber: number; etag: string }[] = [];
      for (const [i, fragment] of fragments.entries()) {
        const res = await fetch(await store.presignPart(row.objectKey!, row.uploadId!, i + 1), { method: 'PUT', body: fragment });
        expect(res.status).toBe(200);
        parts.push({ partNumber: i + 1, etag: res.headers.get('etag')! });
      }
      const done = await db.scoped({ organizationId: tenant.organizationId }, (tx) => finalizeRecording(tx, store, row, parts, { durationMs: 10_000, videoCodec: 'vp8', audioCodec: 'opus' }));
      expect(done).toMatchObject({ status: 'ready', sizeBytes: 5 * 1024 * 1024 + 1000, durationMs: 10_000, uploadId: null });
    } finally {
      await db.close();
    }

    const one = await api('GET', `${recordingsPath(tenant)}/${id}`, { token: tenant.token });
    expect(one.body.recording).toMatchObject({ status: 'ready', videoCodec: 'vp8' });
    const head = await fetch(one.body.playbackUrl, { headers: { range: 'bytes=0-3' } });
    expect(head.status).toBe(206);
    expect(await eventTypes(tenant)).toEqual(['recording.started', 'recording.ready']);
    const limits = await api('GET', `/organizations/${tenant.organizationId}/limits`, { token: tenant.token });
    expect(limits.body.limits.find((l: { limit: string }) => l.limit === 'storage').current).toBe(5 * 1024 * 1024 + 1000);
    expect((await api('GET', `${recordingsPath(tenant)}?roomId=${room.roomId}`, { token: tenant.token })).body.recordings).toHaveLength(1);

    expect((await api('DELETE', `${recordingsPath(tenant)}/${id}`, { token: tenant.token })).status).toBe(204);
    expect((await fetch(one.body.playbackUrl)).status).toBe(404);
    const after = await api('GET', `/organizations/${tenant.organizationId}/limits`, { token: tenant.token });
    expect(after.body.limits.find((l: { limit: string }) => l.limit === 'storage').current).toBe(0);
  });

  it('refuses to start when the plan storage is nearly full, writing nothing', async () => {
    const tenant = await roomTenant('rec-full');
    await setPlan(tenant, 'professional');
    const room = await liveRoom(tenant);
    // Fill Professional's 25 GB to within less than 1 GiB with a pending upload reservation.
    const db = new Database(config);
    try {
      await db.scoped({ organizationId: tenant.organizationId }, (tx) =>
        tx.insert(files).values({ organizationId: tenant.organizationId, objectKey: `org/${tenant.organizationId}/files/${crypto.randomUUID()}`, name: 'big.zip', contentType: 'application/zip', sizeBytes: 25 * GIB - GIB / 2 }),
      );
    } finally {
      await db.close();
    }
    const refused = await api('POST', startPath(tenant, room.roomId), { token: tenant.token });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'plan_limit', details: { limit: 'storage' } } } });
    expect((await api('GET', recordingsPath(tenant), { token: tenant.token })).body.recordings).toEqual([]);
  });

  it("answers 404 for another tenant's recording ids and rooms", async () => {
    const tenant = await roomTenant('rec-owner');
    const room = await liveRoom(tenant);
    const started = await api('POST', startPath(tenant, room.roomId), { token: tenant.token });
    const id = started.body.recording.id;
    const stranger = await roomTenant('rec-stranger');
    for (const [method, path] of [
      ['GET', `${recordingsPath(stranger)}/${id}`],
      ['POST', `${recordingsPath(stranger)}/${id}/stop`],
      ['DELETE', `${recordingsPath(stranger)}/${id}`],
      ['POST', startPath(stranger, room.roomId)],
      ['GET', `${recordingsPath(tenant)}/${id}`],
    ] as const) {
      expect((await api(method, path, { token: stranger.token })).status, `${method} ${path}`).toBe(404);
    }
    expect((await api('GET', recordingsPath(stranger), { token: stranger.token })).body.recordings).toEqual([]);
    expect((await api('POST', `${recordingsPath(tenant)}/${id}/stop`, { token: tenant.token })).status).toBe(200);
  });

  it('stops a running recording when the room ends, so the next session can record again', async () => {
    const tenant = await roomTenant('rec-end');
    const room = await liveRoom(tenant);
    const started = await api('POST', startPath(tenant, room.roomId), { token: tenant.token });
    expect(started.status).toBe(201);
    expect((await api('POST', `/organizations/${tenant.organizationId}/rooms/${room.roomId}/end`, { token: tenant.token })).status).toBe(200);
    const after = await api('GET', `${recordingsPath(tenant)}/${started.body.recording.id}`, { token: tenant.token });
    expect(after.body.recording.status).toBe('failed');
    expect((await api('POST', `/organizations/${tenant.organizationId}/rooms/${room.roomId}/start`, { token: tenant.token })).status).toBe(201);
    expect((await api('POST', startPath(tenant, room.roomId), { token: tenant.token })).status).toBe(201);
  });
});
