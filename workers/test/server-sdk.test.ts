// @roomcast/server against the Worker in workerd (real Postgres and Redis): the typed client drives
// create room -> mint token -> start -> end with an API key, the minted token opens the room's
// socket, the webhook helper verifies a real delivery, and every route the client calls exists in
// the served OpenAPI document.
import { exports } from 'cloudflare:workers';
import { Roomcast, RoomcastApiError, ROUTES, verifyWebhook, WebhookVerificationError } from '@roomcast/server';
import { decodeJwt } from 'jose';
import { Webhook } from 'standardwebhooks';
import { describe, expect, inject, it } from 'vitest';
import { waitFor } from '../../schema/test/support/wait.ts';
import { api, unique } from './api-client.ts';
import { connect, roomTenant } from './room-client.ts';

const receiver = `http://127.0.0.1:${inject('webhookReceiverPort')}`;

async function sdkFor(label: string) {
  const owner = await roomTenant(label);
  const key = await api('POST', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token, body: { name: 'sdk' } });
  const client = new Roomcast({
    apiKey: key.body.secret,
    organizationId: owner.organizationId,
    baseUrl: 'http://roomcast.test/api/v1',
    fetch: (request) => exports.default.fetch(request),
  });
  return { owner, client };
}

describe('@roomcast/server', () => {
  it('creates a room, mints a token that opens it, starts and ends it', async () => {
    const { owner, client } = await sdkFor('sdk-flow');
    const hookName = unique('sdk-hook');
    const endpoint = await api('POST', `/organizations/${owner.organizationId}/webhooks`, {
      token: owner.token,
      body: { url: `${receiver}/hooks/${hookName}`, events: ['room.started', 'room.ended'] },
    });

    const [workspace] = await client.workspaces.list();
    const room = await client.rooms.create({ workspaceId: workspace!.id, title: 'SDK room' });
    expect(room).toMatchObject({ title: 'SDK room', status: 'idle', liveSessionId: null });
    const started = await client.rooms.start(room.id);
    expect(started.room.status).toBe('live');

    const minted = await client.rooms.mintToken(room.id, { identity: 'customer-7', name: 'Customer Seven', role: 'viewer' });
    expect(decodeJwt(minted.token)).toMatchObject({ sub: 'customer-7', name: 'Customer Seven', role: 'viewer' });
    const socket = await connect(room.id, minted.token);
    socket.send({ type: 'hello', protocol: 1, token: minted.token });
    expect((await socket.next((m) => m.type === 'welcome' || m.type === 'error')).type).toBe('welcome');

    const ended = await client.rooms.end(room.id);
    expect(ended.session.endedAt).not.toBeNull();
    expect((await client.rooms.get(room.id)).status).toBe('idle');
    await expect(client.rooms.end(room.id)).rejects.toMatchObject({ status: 409, code: 'room_not_live' });
    await expect(client.rooms.get(crypto.randomUUID())).rejects.toBeInstanceOf(RoomcastApiError);

    // The webhook helper verifies what the Worker sent.
    const received = await waitFor('room.started and room.ended', async () => {
      const got = (await (await fetch(`${receiver}/hooks/${hookName}/received`)).json()) as { headers: Record<string, string>; body: string }[];
      return got.length >= 2 ? got : undefined;
    });
    const events = await Promise.all(received.map((r) => verifyWebhook(endpoint.body.secret, r.body, r.headers)));
    expect(events.map((e) => [e.type, (e.data as { room: { id: string } }).room.id])).toEqual([
      ['room.started', room.id],
      ['room.ended', room.id],
    ]);
    await expect(verifyWebhook(endpoint.body.secret, received[0]!.body.replace('room.started', 'room.ended'), received[0]!.headers)).rejects.toBeInstanceOf(WebhookVerificationError);
  });

  it('records, runs HLS and sets up multistream destinations with an API key', async () => {
    const { client } = await sdkFor('sdk-media');
    const [workspace] = await client.workspaces.list();
    const room = await client.rooms.create({ workspaceId: workspace!.id, title: 'SDK media', hlsAutoViewers: 500 });
    expect(room.hlsAutoViewers).toBe(500);
    expect(await client.recordings.list()).toEqual({ recordings: [], nextCursor: null });
    await expect(client.recordings.start(room.id)).rejects.toMatchObject({ status: 409, code: 'room_not_live' });
    await client.rooms.start(room.id);

    const recording = await client.recordings.start(room.id);
    expect(recording).toMatchObject({ roomId: room.id, status: 'recording', source: 'server' });
    const page = await client.recordings.list({ roomId: room.id, limit: 1 });
    expect(page.recordings.map((r) => r.id)).toEqual([recording.id]);
    expect((await client.recordings.get(recording.id)).recording.id).toBe(recording.id);
    await expect(client.recordings.list({ before: 'not-a-cursor' })).rejects.toMatchObject({ status: 400, code: 'invalid_cursor' });

    expect((await client.hls.get(room.id)).hls).toBeNull();

    const destination = await client.multistream.create({ kind: 'custom', name: 'Desk RTMP', ingestUrl: 'rtmp://ingest.example.com/live', streamKey: 'live_sdk_key_9876' });
    expect(destination).toMatchObject({ name: 'Desk RTMP', keyLast4: '9876' });
    expect(JSON.stringify(destination)).not.toContain('live_sdk_key');
    expect((await client.multistream.list()).map((d) => d.id)).toEqual([destination.id]);
    // Nothing is published in the room yet: the API says so, and the SDK raises it as a typed error.
    await expect(client.multistream.start(room.id, destination.id)).rejects.toMatchObject({ status: 409 });
    expect(await client.multistream.status(room.id)).toEqual([]);
    await client.multistream.delete(destination.id);
    expect(await client.multistream.list()).toEqual([]);
    await client.rooms.end(room.id);
  });

  it('verifies what the standardwebhooks library signs, and refuses stale timestamps', async () => {
    const secret = 'whsec_' + btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const id = 'evt_1';
    const now = new Date();
    const body = JSON.stringify({ id, type: 'webhook.test', timestamp: now.toISOString(), version: 1, organizationId: crypto.randomUUID(), data: {} });
    const signature = new Webhook(secret).sign(id, now, body);
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature };
    expect((await verifyWebhook(secret, body, headers)).id).toBe(id);
    await expect(verifyWebhook(secret, body, headers, { now: Math.floor(now.getTime() / 1000) + 3600 })).rejects.toThrow(/tolerance/);
    await expect(verifyWebhook(secret.slice(0, -4) + 'AAA=', body, headers)).rejects.toThrow(/signature/);
  });

  it('calls only routes the served OpenAPI document has', async () => {
    const doc = (await api('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    for (const [operation, [method, path]] of Object.entries(ROUTES)) {
      expect(doc.paths[path]?.[method], `${operation}: ${method} ${path}`).toBeDefined();
    }
  });
});
