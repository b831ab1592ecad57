// Server recordings through the API against the real local S3 server: plan gate, live-room and
// storage checks before anything is written, the REC badge every participant sees (room state in
// RoomDO), webhooks, finalization of uploaded parts into one playable object, and tenants apart.
// The room's side of the recorder against the scripted node (fleet-test-node.ts): what it is asked
// to record, the presigned URLs it gets, the parts it reports, stop with its report, and a node
// lost mid-recording (partial). The parts are uploaded by the test through those presigned URLs, as
// the real node does (media-node/test/recording-recorder.test.ts, web/test/e2e/recordings.test.ts).
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { files, recordings, recordingTracks, webhookDeliveries } from '@roomcast/schema/db';
import { Database } from '../src/db/database.ts';
import type { Env } from '../src/env.ts';
import { finalizeRecording } from '../src/recordings/finalize.ts';
import { cleanStaleRecordings } from '../src/recordings/stale-recordings.ts';
import { ObjectStore } from '../src/storage/object-store.ts';
import { api, setPlan, signUp, unique, type Tenant } from './api-client.ts';
import { TestNode } from './fleet-test-node.ts';
import { config, join, liveRoom, publishCameraAndMic, roomTenant, shareScreen, socketRequest, until } from './room-client.ts';

// Rooms are placed on the global FleetDO: no test may leave a node behind for the next one.
afterEach(() => TestNode.closeAll());

const GIB = 1024 ** 3;
const recordingsPath = (t: Tenant) => `/organizations/${t.organizationId}/recordings`;
const startPath = (t: Tenant, roomId: string) => `/organizations/${t.organizationId}/rooms/${roomId}/recordings`;

/**
 * A live room on its own scripted node, its host publishing a camera and a microphone, and a
 * recording started: what the node was asked (`recording.start`) comes back with the ids.
 */
async function recordingOnNode(label: string) {
  const tenant = await roomTenant(label);
  const node = await TestNode.register({ nodeId: unique(label) });
  const room = await liveRoom(tenant);
  const host = await join(room, { role: 'host', name: 'Hana' });
  const { room: link } = await node.acceptAssignment(room.roomId);
  await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
  const { camera, mic } = await publishCameraAndMic(host.socket);
  const started = await api('POST', startPath(tenant, room.roomId), { token: tenant.token });
  expect(started.status).toBe(201);
  const id = started.body.recording.id as string;
  const start = await until('recording.start at the node', () => node.requests.find((r) => r.type === 'request' && r.method === 'recording.start'));
  const startData = (start as { data: { recordingId: string; producerIds: string[]; partUrls: { partNumber: number; url: string }[]; posterUrl: string } }).data;
  return { tenant, node, link, host, camera, mic, id, startData };
}

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

  it("records on the room's origin node: parts reported as they land, more part URLs on request, and a node lost mid-recording leaves a partial recording that plays", async () => {
    const { tenant, node, link, host, camera, mic, id, startData } = await recordingOnNode('rec-node');
    expect(startData).toMatchObject({ recordingId: id, producerIds: [camera, mic] });
    expect(startData.partUrls.map((p) => p.partNumber)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    // Presigned URLs only: the node is never given the bucket's keys.
    expect(JSON.stringify(startData)).not.toContain(config.storage!.secretAccessKey);

    // What the recorder does while live: PUT a part through its URL, report the ETag.
    const bytes = new Uint8Array(300_000).map((_, i) => i % 256);
    const put = await fetch(startData.partUrls[0]!.url, { method: 'PUT', body: bytes });
    expect(put.status).toBe(200);
    link.send({ type: 'recording.part', recordingId: id, part: { partNumber: 1, etag: put.headers.get('etag')!, sizeBytes: bytes.length } });
    link.send({ type: 'recording.urls_wanted', recordingId: id, fromPart: 17, count: 2 });
    const more = await until('recording.urls at the node', () => node.requests.find((r) => r.type === 'request' && r.method === 'recording.urls'));
    expect((more as { data: { partUrls: { partNumber: number }[] } }).data.partUrls.map((p) => p.partNumber)).toEqual([17, 18]);

    // The node dies: the room completes the upload with the part it reported.
    node.close();
    const partial = await until('the recording to be partial', async () => {
      const got = await api('GET', `${recordingsPath(tenant)}/${id}`, { token: tenant.token });
      return got.body.recording.status === 'recording' ? undefined : got.body;
    });
    expect(partial.recording).toMatchObject({ status: 'partial', sizeBytes: bytes.length });
    expect(new Uint8Array(await (await fetch(partial.playbackUrl)).arrayBuffer())).toEqual(bytes);
    await host.socket.next((m) => m.type === 'room.updated' && !m.room.recording);
    // Nothing left running: stopping it now is refused, and the room may record again.
    expect((await api('POST', `${recordingsPath(tenant)}/${id}/stop`, { token: tenant.token })).body.error.code).toBe('recording_not_active');
  });

  it("completes a stopped recording with the node's report: its parts, duration and codecs", async () => {
    const { tenant, node, id, startData } = await recordingOnNode('rec-stop');
    const urls = startData.partUrls;
    const parts = [];
    for (const [i, size] of [5 * 1024 * 1024, 777].entries()) {
      const res = await fetch(urls[i]!.url, { method: 'PUT', body: new Uint8Array(size).fill(i + 1) });
      parts.push({ partNumber: i + 1, etag: res.headers.get('etag')!, sizeBytes: size });
    }
    node.recordingReport = { parts, sizeBytes: 5 * 1024 * 1024 + 777, durationMs: 5_100, videoCodec: 'vp8', audioCodec: 'opus', container: 'webm', poster: false };
    const stopped = await api('POST', `${recordingsPath(tenant)}/${id}/stop`, { token: tenant.token });
    expect(stopped).toMatchObject({ status: 200, body: { recording: { status: 'ready', sizeBytes: 5 * 1024 * 1024 + 777, durationMs: 5_100, videoCodec: 'vp8', audioCodec: 'opus' } } });
    const one = await api('GET', `${recordingsPath(tenant)}/${id}`, { token: tenant.token });
    // No poster reached the store: none is offered; the file is named for what it is.
    expect(one.body.posterUrl).toBeNull();
    const res = await fetch(one.body.playbackUrl, { headers: { range: 'bytes=0-0' } });
    expect(res.headers.get('content-type')).toBe('video/webm');
  });

  it('records a screen shared during the recording as its own track: its own upload, finalized with the recording, played by its own URL, counted in storage and deleted with it', async () => {
    const { tenant, node, link, host, id, startData } = await recordingOnNode('rec-screen');
    const main = await fetch(startData.partUrls[0]!.url, { method: 'PUT', body: new Uint8Array(4000).fill(7) });
    link.send({ type: 'recording.part', recordingId: id, part: { partNumber: 1, etag: main.headers.get('etag')!, sizeBytes: 4000 } });
    // The host shares a screen after the recording started: the node is asked to record it under a track id.
    const screen = await shareScreen(host.socket, 3333);
    const trackStart = (await until('recording.start of the screen track', () =>
      node.requests.find((r) => r.type === 'request' && r.method === 'recording.start' && (r.data as { recordingId: string }).recordingId !== id),
    )) as { data: { recordingId: string; producerIds: string[]; partUrls: { partNumber: number; url: string }[]; posterUrl?: string } };
    const trackId = trackStart.data.recordingId;
    expect(trackStart.data).toMatchObject({ producerIds: [screen] });
    expect(trackStart.data.posterUrl).toBeUndefined();
    // Its own multipart object: its part URLs are not the recording's.
    expect(new URL(trackStart.data.partUrls[0]!.url).pathname).not.toBe(new URL(startData.partUrls[0]!.url).pathname);
    const screenBytes = new Uint8Array(2500).map((_, i) => i % 251);
    const put = await fetch(trackStart.data.partUrls[0]!.url, { method: 'PUT', body: screenBytes });
    link.send({ type: 'recording.part', recordingId: trackId, part: { partNumber: 1, etag: put.headers.get('etag')!, sizeBytes: screenBytes.length } });
    // More part URLs for the track come for the track's upload.
    link.send({ type: 'recording.urls_wanted', recordingId: trackId, fromPart: 17, count: 1 });
    const more = (await until('recording.urls for the track', () => node.requests.find((r) => r.type === 'request' && r.method === 'recording.urls'))) as { data: { recordingId: string; partUrls: { url: string }[] } };
    expect(more.data.recordingId).toBe(trackId);
    expect(new URL(more.data.partUrls[0]!.url).pathname).toBe(new URL(trackStart.data.partUrls[0]!.url).pathname);

    node.recordingReport = { parts: [{ partNumber: 1, etag: main.headers.get('etag')!, sizeBytes: 4000 }], sizeBytes: 4000, durationMs: 4_000, videoCodec: 'vp8', audioCodec: 'opus', container: 'webm', poster: false };
    node.recordingReports.set(trackId, { parts: [{ partNumber: 1, etag: put.headers.get('etag')!, sizeBytes: screenBytes.length }], sizeBytes: screenBytes.length, durationMs: 2_500, videoCodec: 'vp8', audioCodec: null, container: 'webm', poster: false });
    const stopped = await api('POST', `${recordingsPath(tenant)}/${id}/stop`, { token: tenant.token });
    expect(stopped.body.recording).toMatchObject({ status: 'ready', sizeBytes: 4000 });
    expect(node.requests.flatMap((r) => (r.type === 'request' && r.method === 'recording.stop' ? [(r.data as { recordingId: string }).recordingId] : [])).sort()).toEqual([id, trackId].sort());

    const one = await api('GET', `${recordingsPath(tenant)}/${id}`, { token: tenant.token });
    expect(one.body.tracks).toEqual([
      { id: trackId, kind: 'screen', status: 'ready', offsetMs: expect.any(Number), durationMs: 2_500, sizeBytes: screenBytes.length, videoCodec: 'vp8', error: null, playbackUrl: expect.any(String) },
    ]);
    expect(new Uint8Array(await (await fetch(one.body.tracks[0].playbackUrl)).arrayBuffer())).toEqual(screenBytes);
    const limits = await api('GET', `/organizations/${tenant.organizationId}/limits`, { token: tenant.token });
    expect(limits.body.limits.find((l: { limit: string }) => l.limit === 'storage')).toMatchObject({ current: 4000 + screenBytes.length });

    // Another tenant sees none of it.
    const other = await roomTenant('rec-screen-other');
    expect((await api('GET', `/organizations/${other.organizationId}/recordings/${id}`, { token: other.token })).status).toBe(404);

    expect((await api('DELETE', `${recordingsPath(tenant)}/${id}`, { token: tenant.token })).status).toBe(204);
    expect((await fetch(one.body.tracks[0].playbackUrl)).status).toBe(404);
    const db = new Database(config);
    try {
      expect(await db.scoped({ organizationId: tenant.organizationId }, (tx) => tx.select().from(recordingTracks).where(eq(recordingTracks.recordingId, id)))).toEqual([]);
    } finally {
      await db.close();
    }
    const freed = await api('GET', `/organizations/${tenant.organizationId}/limits`, { token: tenant.token });
    expect(freed.body.limits.find((l: { limit: string }) => l.limit === 'storage')).toMatchObject({ current: 0 });
  });

  it('completes a screen track as partial with its reported parts when the node is lost, beside the partial recording', async () => {
    const { tenant, node, link, host, id, startData } = await recordingOnNode('rec-screen-lost');
    const main = await fetch(startData.partUrls[0]!.url, { method: 'PUT', body: new Uint8Array(3000).fill(1) });
    link.send({ type: 'recording.part', recordingId: id, part: { partNumber: 1, etag: main.headers.get('etag')!, sizeBytes: 3000 } });
    await shareScreen(host.socket, 4444);
    const trackStart = (await until('recording.start of the screen track', () =>
      node.requests.find((r) => r.type === 'request' && r.method === 'recording.start' && (r.data as { recordingId: string }).recordingId !== id),
    )) as { data: { recordingId: string; partUrls: { url: string }[] } };
    const put = await fetch(trackStart.data.partUrls[0]!.url, { method: 'PUT', body: new Uint8Array(1500).fill(9) });
    link.send({ type: 'recording.part', recordingId: trackStart.data.recordingId, part: { partNumber: 1, etag: put.headers.get('etag')!, sizeBytes: 1500 } });
    node.close();
    const partial = await until('the recording to be partial', async () => {
      const got = await api('GET', `${recordingsPath(tenant)}/${id}`, { token: tenant.token });
      return got.body.recording.status === 'recording' ? undefined : got.body;
    });
    expect(partial.recording).toMatchObject({ status: 'partial', sizeBytes: 3000 });
    expect(partial.tracks).toEqual([expect.objectContaining({ kind: 'screen', status: 'partial', sizeBytes: 1500, playbackUrl: expect.any(String) })]);
    expect((await (await fetch(partial.tracks[0].playbackUrl)).arrayBuffer()).byteLength).toBe(1500);
  });

  it('records a camera the host starts only after the recording began with the microphone alone as a track of its own', async () => {
    const tenant = await roomTenant('rec-late-cam');
    const node = await TestNode.register({ nodeId: unique('rec-late-cam') });
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host', name: 'Hana' });
    await node.acceptAssignment(room.roomId);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    const transport = await socketRequest(host.socket, 'media.createTransport', { direction: 'send' });
    await socketRequest(host.socket, 'media.connectTransport', { transportId: transport.id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'CC:DD' }] } });
    const produce = (kind: 'audio' | 'video', source: string, mid: string, ssrc: number) =>
      socketRequest(host.socket, 'media.produce', {
        transportId: transport.id,
        kind,
        source,
        rtpParameters: { mid, codecs: [kind === 'audio' ? { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 } : { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc }] },
      });
    const mic = await produce('audio', 'microphone', '0', 5555);
    const id = (await api('POST', startPath(tenant, room.roomId), { token: tenant.token })).body.recording.id as string;
    // The microphone alone is recorded after the wait for its partner.
    const main = (await until('recording.start of the microphone', () => node.requests.find((r) => r.type === 'request' && r.method === 'recording.start'), 8000)) as { data: { recordingId: string; producerIds: string[] } };
    expect(main.data).toMatchObject({ recordingId: id, producerIds: [mic.id] });
    const camera = await produce('video', 'camera', '1', 6666);
    const late = (await until('recording.start of the late camera', () =>
      node.requests.find((r) => r.type === 'request' && r.method === 'recording.start' && (r.data as { recordingId: string }).recordingId !== id),
    )) as { data: { recordingId: string; producerIds: string[] } };
    expect(late.data.producerIds).toEqual([camera.id]);
    // Stopped with nothing uploaded: the track is failed beside the failed recording, and no upload is left open.
    await api('POST', `${recordingsPath(tenant)}/${id}/stop`, { token: tenant.token });
    const one = await api('GET', `${recordingsPath(tenant)}/${id}`, { token: tenant.token });
    expect(one.body.tracks).toEqual([expect.objectContaining({ id: late.data.recordingId, kind: 'camera', status: 'failed', sizeBytes: 0, playbackUrl: null, error: expect.stringContaining('No media reached the recorder') })]);
  });

  it('fails a recording the node wrote nothing for, with what the node saw as the reason', async () => {
    const { tenant, node, id } = await recordingOnNode('rec-empty');
    const problem = 'ffmpeg wrote nothing (sent video 0 packets, audio 212 packets)';
    node.recordingReport = { parts: [], sizeBytes: 0, durationMs: null, videoCodec: null, audioCodec: null, container: 'webm', poster: false, problem };
    const stopped = await api('POST', `${recordingsPath(tenant)}/${id}/stop`, { token: tenant.token });
    expect(stopped).toMatchObject({ status: 200, body: { recording: { status: 'failed', error: `No media reached the recorder: ${problem}` } } });
  });

  it('starts recording when a room with its recording flag goes live, shown to whoever joins', async () => {
    const tenant = await roomTenant('rec-flag');
    const created = await api('POST', `/organizations/${tenant.organizationId}/rooms`, { token: tenant.token, body: { workspaceId: tenant.workspaceId, title: 'Auto', slug: unique('auto'), recording: true } });
    expect(created.status).toBe(201);
    const started = await api('POST', `/organizations/${tenant.organizationId}/rooms/${created.body.id}/start`, { token: tenant.token });
    expect(started.status).toBe(201);
    const listed = await api('GET', `${recordingsPath(tenant)}?roomId=${created.body.id}`, { token: tenant.token });
    expect(listed.body.recordings).toEqual([expect.objectContaining({ status: 'recording', sessionId: started.body.session.id })]);
    const viewer = await join({ tenant, roomId: created.body.id, sessionId: started.body.session.id }, { role: 'viewer' });
    expect(viewer.welcome.room.recording).toMatchObject({ id: listed.body.recordings[0].id });
    // Ending the session stops it (no media was published: failed, and nothing is left open).
    expect((await api('POST', `/organizations/${tenant.organizationId}/rooms/${created.body.id}/end`, { token: tenant.token })).status).toBe(200);
    const after = await api('GET', `${recordingsPath(tenant)}/${listed.body.recordings[0].id}`, { token: tenant.token });
    expect(after.body.recording.status).toBe('failed');
  });

  it('cleans up a recording whose stop died half way: its multipart upload is aborted, a fresh one is left alone', async () => {
    const tenant = await roomTenant('rec-stale');
    const stuck = await liveRoom(tenant);
    const fresh = await liveRoom(tenant);
    const stuckId = (await api('POST', startPath(tenant, stuck.roomId), { token: tenant.token })).body.recording.id;
    const freshId = (await api('POST', startPath(tenant, fresh.roomId), { token: tenant.token })).body.recording.id;
    const db = new Database(config);
    try {
      await db.scoped({ organizationId: tenant.organizationId }, (tx) =>
        tx.update(recordings).set({ status: 'finalizing', endedAt: new Date(Date.now() - 2 * 3600_000) }).where(eq(recordings.id, stuckId)),
      );
      expect(await cleanStaleRecordings(config, env as unknown as Env)).toBeGreaterThanOrEqual(1);
      const rows = await db.scoped({ organizationId: tenant.organizationId }, (tx) => tx.select().from(recordings).where(eq(recordings.organizationId, tenant.organizationId)));
      expect(rows.find((r) => r.id === stuckId)).toMatchObject({ status: 'failed', uploadId: null });
      expect(rows.find((r) => r.id === freshId)).toMatchObject({ status: 'recording', uploadId: expect.any(String) });
    } finally {
      await db.close();
    }
  });
});
