// Multistream destinations and pushing them from a live room, through the API and the scripted
// node (fleet-test-node.ts): validation and the platforms' default ingest URLs, the stream key
// sealed at rest (the database row never holds it in clear) and shown only as its last 4, the
// plan gate, another tenant's ids answering 404, what the origin node is asked (rtmp.start with
// the room's output and the full URL, the key travelling only there), the states the node reports
// as the GET serves them, stopping one destination without touching another, and a lost node
// (the restart on the next node: egress-failover.test.ts).
// web/test/e2e/multistream.test.ts runs the real node with two local RTMP receivers.
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { egressDestinations } from '@roomcast/schema/db';
import { loadConfig } from '../src/config.ts';
import { Database } from '../src/db/database.ts';
import type { Env } from '../src/env.ts';
import { addMember, api, setPlan, signUp, unique } from './api-client.ts';
import { TestNode } from './fleet-test-node.ts';
import { join, liveRoom, publishCameraAndMic, roomTenant, until } from './room-client.ts';

afterEach(() => TestNode.closeAll());

const destinationsPath = (org: string) => `/organizations/${org}/egress/destinations`;
const outputPath = (org: string, room: string, destination: string, action: 'start' | 'stop') => `/organizations/${org}/rooms/${room}/egress/rtmp/${destination}/${action}`;
const egressPath = (org: string, room: string) => `/organizations/${org}/rooms/${room}/egress`;

async function storedRow(organizationId: string, id: string) {
  const db = new Database(loadConfig(env as unknown as Env));
  try {
    const rows = await db.scoped({ organizationId }, (tx) => tx.select().from(egressDestinations).where(eq(egressDestinations.id, id)));
    return rows[0];
  } finally {
    await db.close();
  }
}

describe('multistream destinations', () => {
  it('validates, defaults platform ingest URLs, seals the key (never in clear, last 4 only), gates on the plan and hides other tenants', async () => {
    const owner = await signUp('ms-dest');
    const org = owner.organizationId;
    const twitchKey = `live_${crypto.randomUUID().replaceAll('-', '')}WXYZ`;
    // Starter has no egress.
    expect(await api('POST', destinationsPath(org), { token: owner.token, body: { kind: 'twitch', name: 'Twitch', streamKey: twitchKey } })).toMatchObject({
      status: 403,
      body: { error: { code: 'plan_limit', details: { limit: 'recording' } } },
    });
    await setPlan(owner, 'professional');

    for (const body of [
      { kind: 'custom', name: 'No URL', streamKey: 'abcd1234' },
      { kind: 'custom', name: 'HTTP', ingestUrl: 'https://example.com/live', streamKey: 'abcd1234' },
      { kind: 'custom', name: 'Creds', ingestUrl: 'rtmp://user:pw@example.com/live', streamKey: 'abcd1234' },
      { kind: 'custom', name: 'Query', ingestUrl: 'rtmp://example.com/live?x=1', streamKey: 'abcd1234' },
      { kind: 'youtube', name: 'Key with slash', streamKey: 'ab/cd1234' },
      { kind: 'youtube', name: 'Short key', streamKey: 'abc' },
      { kind: 'myspace', name: 'Unknown kind', streamKey: 'abcd1234' },
      { kind: 'youtube', name: '', streamKey: 'abcd1234' },
    ]) {
      const res = await api('POST', destinationsPath(org), { token: owner.token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }

    const twitch = await api('POST', destinationsPath(org), { token: owner.token, body: { kind: 'twitch', name: 'Twitch', streamKey: twitchKey } });
    expect(twitch).toMatchObject({ status: 201, body: { destination: { kind: 'twitch', name: 'Twitch', ingestUrl: 'rtmp://live.twitch.tv/app', keyLast4: 'WXYZ', enabled: true, roomId: null } } });
    expect(JSON.stringify(twitch.body)).not.toContain(twitchKey);
    const custom = await api('POST', destinationsPath(org), { token: owner.token, body: { kind: 'custom', name: 'Studio B', ingestUrl: 'rtmps://ingest.example.com:443/app/', streamKey: 'secret-custom-9876' } });
    expect(custom).toMatchObject({ status: 201, body: { destination: { ingestUrl: 'rtmps://ingest.example.com:443/app', keyLast4: '9876' } } });
    const id = twitch.body.destination.id as string;

    // The row holds the key sealed, never in clear.
    const row = await storedRow(org, id);
    expect(row!.streamKeySealed).toMatch(/^sealed:v1:/);
    expect(row!.streamKeySealed).not.toContain(twitchKey);
    expect(row!.streamKeyLast4).toBe('WXYZ');

    const listed = await api('GET', destinationsPath(org), { token: owner.token });
    expect(listed.body.destinations.map((d: { name: string }) => d.name)).toEqual(['Twitch', 'Studio B']);
    expect(JSON.stringify(listed.body)).not.toContain(twitchKey);

    // A new key: sealed again, new last 4; disabling; a room-scoped destination only in that room.
    const patched = await api('PATCH', `${destinationsPath(org)}/${id}`, { token: owner.token, body: { streamKey: 'another-key-0001', enabled: false } });
    expect(patched).toMatchObject({ status: 200, body: { destination: { keyLast4: '0001', enabled: false } } });
    expect((await storedRow(org, id))!.streamKeySealed).not.toBe(row!.streamKeySealed);
    expect((await api('PATCH', `${destinationsPath(org)}/${id}`, { token: owner.token, body: {} })).status).toBe(400);

    // Roles: a cohost lists (they go live) but cannot add; a viewer cannot list.
    const cohost = await addMember(owner, 'cohost');
    expect((await api('GET', destinationsPath(org), { token: cohost.token })).status).toBe(200);
    expect((await api('POST', destinationsPath(org), { token: cohost.token, body: { kind: 'twitch', name: 'X', streamKey: 'abcd1234' } })).status).toBe(403);
    const viewer = await addMember(owner, 'viewer');
    expect((await api('GET', destinationsPath(org), { token: viewer.token })).status).toBe(403);

    // Another tenant: every id of ours is 404, and our org path is 404 to them.
    const stranger = await roomTenant('ms-stranger');
    const strangerRoom = await liveRoom(stranger);
    for (const [method, path, body] of [
      ['GET', destinationsPath(org), undefined],
      ['PATCH', `${destinationsPath(stranger.organizationId)}/${id}`, { name: 'mine now' }],
      ['DELETE', `${destinationsPath(stranger.organizationId)}/${id}`, undefined],
      ['POST', outputPath(stranger.organizationId, strangerRoom.roomId, id, 'start'), undefined],
      ['POST', destinationsPath(stranger.organizationId), { kind: 'twitch', name: 'x', streamKey: 'abcd1234', roomId: (await liveRoom(await roomTenant('ms-third'))).roomId }],
    ] as const) {
      expect((await api(method, path, { token: stranger.token, ...(body ? { body } : {}) })).status, `${method} ${path}`).toBe(404);
    }
    expect((await api('GET', destinationsPath(stranger.organizationId), { token: stranger.token })).body.destinations).toEqual([]);

    expect((await api('DELETE', `${destinationsPath(org)}/${custom.body.destination.id}`, { token: owner.token })).status).toBe(204);
    expect((await api('DELETE', `${destinationsPath(org)}/${custom.body.destination.id}`, { token: owner.token })).status).toBe(404);
    // A downgrade keeps them visible and removable, but not pushable.
    await setPlan(owner, 'starter');
    expect((await api('GET', destinationsPath(org), { token: owner.token })).body.destinations).toHaveLength(1);
  });

  it('pushes the room output to each destination on the origin node (the key only in rtmp.start), serves the states the node reports, stops one without the other', async () => {
    const tenant = await roomTenant('ms-live');
    const org = tenant.organizationId;
    const node = await TestNode.register({ nodeId: unique('ms-node') });
    const room = await liveRoom(tenant);
    const add = async (body: object) => (await api('POST', destinationsPath(org), { token: tenant.token, body })).body.destination as { id: string };
    const youtubeKey = `yt-${crypto.randomUUID()}`;
    const youtube = await add({ kind: 'youtube', name: 'YouTube', streamKey: youtubeKey });
    const custom = await add({ kind: 'custom', name: 'Backup', ingestUrl: 'rtmp://backup.example.com/live', streamKey: 'backup-key-4242', roomId: room.roomId });
    const disabled = await add({ kind: 'twitch', name: 'Off', streamKey: 'twitch-off-1111', enabled: false });
    // Another room's own destination is not offered in this room.
    const otherRoom = await liveRoom(tenant);
    const elsewhere = await add({ kind: 'custom', name: 'Elsewhere', ingestUrl: 'rtmp://x.example.com/live', streamKey: 'elsewhere-2222', roomId: otherRoom.roomId });
    expect((await api('GET', `${destinationsPath(org)}?roomId=${room.roomId}`, { token: tenant.token })).body.destinations.map((d: { name: string }) => d.name)).toEqual(['YouTube', 'Backup', 'Off']);

    // Nothing published yet: refused, and nothing reaches a node.
    const host = await join(room, { role: 'host', name: 'Hana' });
    const { room: link } = await node.acceptAssignment(room.roomId);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    expect(await api('POST', outputPath(org, room.roomId, youtube.id, 'start'), { token: tenant.token })).toMatchObject({ status: 409, body: { error: { code: 'media_not_ready' } } });
    const { camera, mic } = await publishCameraAndMic(host.socket);

    expect(await api('POST', outputPath(org, room.roomId, disabled.id, 'start'), { token: tenant.token })).toMatchObject({ status: 409, body: { error: { code: 'destination_disabled' } } });
    expect((await api('POST', outputPath(org, room.roomId, elsewhere.id, 'start'), { token: tenant.token })).status).toBe(404);
    expect((await api('POST', outputPath(org, room.roomId, crypto.randomUUID(), 'start'), { token: tenant.token })).status).toBe(404);

    const started = await api('POST', outputPath(org, room.roomId, youtube.id, 'start'), { token: tenant.token });
    expect(started).toMatchObject({ status: 202, body: { output: { destinationId: youtube.id, name: 'YouTube', kind: 'youtube', state: 'connecting', reason: null, uptimeMs: null } } });
    expect(JSON.stringify(started.body)).not.toContain(youtubeKey);
    const startFrame = await until('rtmp.start at the node', () => node.requests.find((r) => r.type === 'request' && r.method === 'rtmp.start'));
    expect((startFrame as { data: unknown }).data).toEqual({ destinationId: youtube.id, producerIds: [camera, mic], url: `rtmp://a.rtmp.youtube.com/live2/${youtubeKey}` });
    expect((await api('POST', outputPath(org, room.roomId, custom.id, 'start'), { token: tenant.token })).status).toBe(202);
    await until('the second rtmp.start', () => node.requests.filter((r) => r.type === 'request' && r.method === 'rtmp.start')[1]);

    // The node reports; the GET serves what it said (uptime grows from the node's figure).
    link.send({ type: 'rtmp.state', status: { destinationId: youtube.id, state: 'live', reason: null, bitrateKbps: 2480, uptimeMs: 4000 } });
    link.send({ type: 'rtmp.state', status: { destinationId: custom.id, state: 'retrying', reason: 'Connection refused', bitrateKbps: 0, uptimeMs: null } });
    const view = await until('both states', async () => {
      const outputs = (await api('GET', egressPath(org, room.roomId), { token: tenant.token })).body.outputs as { destinationId: string; state: string }[];
      return outputs.some((o) => o.state === 'live') && outputs.some((o) => o.state === 'retrying') ? outputs : undefined;
    });
    expect(view).toEqual([
      expect.objectContaining({ destinationId: youtube.id, state: 'live', bitrateKbps: 2480, uptimeMs: expect.any(Number), reason: null }),
      expect.objectContaining({ destinationId: custom.id, state: 'retrying', reason: 'Connection refused', uptimeMs: null }),
    ]);
    expect((view[0] as unknown as { uptimeMs: number }).uptimeMs).toBeGreaterThanOrEqual(4000);
    // A member without recording.manage reads the states, cannot stop.
    const viewer = await addMember(tenant, 'viewer');
    expect((await api('GET', egressPath(org, room.roomId), { token: viewer.token })).status).toBe(200);
    expect((await api('POST', outputPath(org, room.roomId, custom.id, 'stop'), { token: viewer.token })).status).toBe(403);

    // A failure with its reason; stopping the custom one leaves YouTube alone.
    link.send({ type: 'rtmp.state', status: { destinationId: custom.id, state: 'failed', reason: 'Failed to resolve hostname backup.example.com', bitrateKbps: 0, uptimeMs: null } });
    await until('failed', async () => ((await api('GET', egressPath(org, room.roomId), { token: tenant.token })).body.outputs[1]?.state === 'failed' ? true : undefined));
    expect(await api('POST', outputPath(org, room.roomId, custom.id, 'stop'), { token: tenant.token })).toMatchObject({ status: 200, body: { stopped: true } });
    expect((await api('POST', outputPath(org, room.roomId, custom.id, 'stop'), { token: tenant.token })).body.error.code).toBe('not_streaming');
    expect((await api('POST', outputPath(org, room.roomId, youtube.id, 'stop'), { token: tenant.token })).status).toBe(200);
    expect(node.requests.filter((r) => r.type === 'request' && r.method === 'rtmp.stop').map((r) => (r as { data: { destinationId: string } }).data.destinationId)).toEqual([youtube.id]);
    expect((await api('GET', egressPath(org, room.roomId), { token: tenant.token })).body.outputs).toEqual([]);

    // Started again, then the origin node is lost: it waits for the next node (egress-failover.test.ts restarts it there).
    expect((await api('POST', outputPath(org, room.roomId, youtube.id, 'start'), { token: tenant.token })).status).toBe(202);
    node.close();
    await until('lost', async () => {
      const output = (await api('GET', egressPath(org, room.roomId), { token: tenant.token })).body.outputs[0];
      return output?.state === 'retrying' && /media node was lost/.test(output.reason) ? true : undefined;
    });

    // Not live: refused; another tenant's room is 404.
    const idleRoom = (await api('POST', `/organizations/${org}/rooms`, { token: tenant.token, body: { workspaceId: tenant.workspaceId, title: 'Idle', slug: unique('idle') } })).body.id as string;
    expect((await api('POST', outputPath(org, idleRoom, youtube.id, 'start'), { token: tenant.token })).body.error.code).toBe('room_not_live');
    const stranger = await roomTenant('ms-other');
    expect((await api('GET', egressPath(org, room.roomId), { token: stranger.token })).status).toBe(404);
    expect((await api('GET', egressPath(stranger.organizationId, room.roomId), { token: stranger.token })).status).toBe(404);
    expect((await api('POST', outputPath(stranger.organizationId, room.roomId, youtube.id, 'stop'), { token: stranger.token })).status).toBe(404);
  });
});
