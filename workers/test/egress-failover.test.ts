// Egress across the loss of the origin node, and the `egress.failed` webhook, with the scripted
// nodes (fleet-test-node.ts): destinations a lost node pushed start again on the node the room is
// placed on next, with the room's new producers and the full URL opened again from the sealed key
// in Postgres (a destination disabled meanwhile is given up instead); a destination given up and
// an HLS run that fails each reach the organization's endpoint once as `egress.failed`, checked
// with the `standardwebhooks` library, the stream key nowhere in them. Hosts hear every change over
// the room socket (egress.outputs); viewers do not.
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../../schema/test/support/wait.ts';
import { api, setPlan, unique, type Tenant } from './api-client.ts';
import { roomOnNode, TestNode, twoNodes } from './fleet-test-node.ts';
import { join, liveRoom, publishCameraAndMic, roomTenant, until } from './room-client.ts';

afterEach(() => TestNode.closeAll());

const receiver = `http://127.0.0.1:${inject('webhookReceiverPort')}`;
const destinationsPath = (org: string) => `/organizations/${org}/egress/destinations`;
const outputPath = (org: string, room: string, destination: string, action: 'start' | 'stop') => `/organizations/${org}/rooms/${room}/egress/rtmp/${destination}/${action}`;
const egressPath = (org: string, room: string) => `/organizations/${org}/rooms/${room}/egress`;

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** An endpoint of `tenant` subscribed to egress.failed, at a fresh receiver path. */
async function egressEndpoint(tenant: Tenant) {
  const name = unique('egress-hook');
  const res = await api('POST', `/organizations/${tenant.organizationId}/webhooks`, { token: tenant.token, body: { url: `${receiver}/hooks/${name}?script=200`, events: ['egress.failed'] } });
  expect(res.status).toBe(201);
  const secret = res.body.secret as string;
  return {
    received: async (n: number) =>
      waitFor(`${n} egress.failed deliveries`, async () => {
        const got = (await (await fetch(`${receiver}/hooks/${name}/received`)).json()) as Received[];
        return got.length >= n ? got : undefined;
      }, { timeoutMs: 15_000 }),
    verify: (r: Received) => new Webhook(secret).verify(r.body, r.headers) as { type: string; organizationId: string; data: any },
  };
}

const rtmpStarts = (node: TestNode) => node.requests.filter((r) => r.type === 'request' && r.method === 'rtmp.start') as unknown as { data: { destinationId: string; producerIds: string[]; url: string } }[];

describe('multistream across the loss of the origin node', () => {
  it('does not restart a destination once the plan no longer includes multistream: it fails saying so', async () => {
    const tenant = await roomTenant('ms-downgrade');
    const org = tenant.organizationId;
    const { first, second } = await twoNodes('ms');
    const room = await liveRoom(tenant);
    const destination = (await api('POST', destinationsPath(org), { token: tenant.token, body: { kind: 'twitch', name: 'Twitch', streamKey: `tw-${crypto.randomUUID()}` } })).body.destination as { id: string };
    const host = await join(room, { role: 'host' });
    await first.acceptAssignment(room.roomId);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    await publishCameraAndMic(host.socket);
    expect((await api('POST', outputPath(org, room.roomId, destination.id, 'start'), { token: tenant.token })).status).toBe(202);
    await until('rtmp.start on the first node', () => rtmpStarts(first)[0]);

    // The subscription drops to Starter while the room is live; then the origin dies.
    await setPlan(tenant, 'starter');
    first.close();
    await second.acceptAssignment(room.roomId);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    await publishCameraAndMic(host.socket);
    // Told over the room socket (the API's egress read is itself closed to Starter now).
    const failedNow = (m: Record<string, any>) => m.type === 'egress.outputs' && m.outputs.some((o: { destinationId: string; state: string }) => o.destinationId === destination.id && o.state === 'failed');
    const pushed = await host.socket.next(failedNow, 10_000);
    expect(pushed.outputs.find((o: { destinationId: string }) => o.destinationId === destination.id)).toMatchObject({ state: 'failed', reason: 'the Starter plan does not include multistream' });
    expect(rtmpStarts(second)).toEqual([]);
  });

  it('restarts each destination on the next node with the key opened again; one disabled meanwhile fails and reaches the webhook', async () => {
    const tenant = await roomTenant('ms-failover');
    const org = tenant.organizationId;
    const hook = await egressEndpoint(tenant);
    const { first, second } = await twoNodes('ms');

    const room = await liveRoom(tenant);
    const add = async (body: object) => (await api('POST', destinationsPath(org), { token: tenant.token, body })).body.destination as { id: string };
    const youtubeKey = `yt-${crypto.randomUUID()}`;
    const youtube = await add({ kind: 'youtube', name: 'YouTube', streamKey: youtubeKey });
    const backupKey = `backup-${crypto.randomUUID()}`;
    const backup = await add({ kind: 'custom', name: 'Backup', ingestUrl: 'rtmp://backup.example.com/live', streamKey: backupKey });

    const host = await join(room, { role: 'host', name: 'Hana' });
    await first.acceptAssignment(room.roomId);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    await publishCameraAndMic(host.socket);
    for (const d of [youtube, backup]) expect((await api('POST', outputPath(org, room.roomId, d.id, 'start'), { token: tenant.token })).status).toBe(202);
    await until('both rtmp.start on the first node', () => rtmpStarts(first).length === 2 || undefined);

    // The backup is disabled while the room runs: it keeps pushing until the room moves.
    expect((await api('PATCH', `${destinationsPath(org)}/${backup.id}`, { token: tenant.token, body: { enabled: false } })).status).toBe(200);

    const viewer = await join(room, { role: 'viewer' });

    first.close(); // the node process dies
    // Hosts hear it over the room socket as it happens (the studio's panel); viewers do not.
    const pushed = await host.socket.next((m) => m.type === 'egress.outputs' && m.outputs.length === 2 && m.outputs.every((o: { state: string }) => o.state === 'retrying'), 8000);
    expect(pushed.outputs.map((o: { destinationId: string }) => o.destinationId)).toEqual([youtube.id, backup.id]);
    const waiting = await until('destinations waiting for the next node', async () => {
      const outputs = (await api('GET', egressPath(org, room.roomId), { token: tenant.token })).body.outputs as { state: string; reason: string }[];
      return outputs.length === 2 && outputs.every((o) => o.state === 'retrying') ? outputs : undefined;
    });
    expect(waiting[0]!.reason).toMatch(/media node was lost/);

    await second.acceptAssignment(room.roomId);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    // Nothing published on the new node yet: nothing restarts.
    expect(rtmpStarts(second)).toEqual([]);
    const { camera, mic } = await publishCameraAndMic(host.socket);
    const restarted = await until('rtmp.start on the second node', () => rtmpStarts(second)[0]);
    expect(restarted.data).toEqual({ destinationId: youtube.id, producerIds: [camera, mic], url: `rtmp://a.rtmp.youtube.com/live2/${youtubeKey}` });

    const after = await until('the disabled one failed', async () => {
      const outputs = (await api('GET', egressPath(org, room.roomId), { token: tenant.token })).body.outputs as { destinationId: string; state: string; reason: string | null }[];
      return outputs.find((o) => o.destinationId === backup.id)?.state === 'failed' ? outputs : undefined;
    });
    expect(after).toEqual([
      expect.objectContaining({ destinationId: youtube.id, state: 'connecting' }),
      expect.objectContaining({ destinationId: backup.id, state: 'failed', reason: 'the destination was deleted or disabled' }),
    ]);
    expect(rtmpStarts(second)).toHaveLength(1);

    // The new node reports; then it gives the restarted destination up: a second webhook.
    const link = second.rooms.get(room.roomId)!;
    link.send({ type: 'rtmp.state', status: { destinationId: youtube.id, state: 'live', reason: null, bitrateKbps: 2400, uptimeMs: 1000 } });
    link.send({ type: 'rtmp.state', status: { destinationId: youtube.id, state: 'failed', reason: 'Error number -10053 occurred', bitrateKbps: 0, uptimeMs: null } });

    const received = await hook.received(2);
    const events = received.map(hook.verify);
    expect(events.map((e) => e.type)).toEqual(['egress.failed', 'egress.failed']);
    expect(events.every((e) => e.organizationId === org)).toBe(true);
    expect(events.map((e) => e.data)).toEqual(
      expect.arrayContaining([
        {
          egress: { id: backup.id, roomId: room.roomId, sessionId: room.sessionId, kind: 'rtmp', destination: { name: 'Backup', platform: 'custom' } },
          reason: 'the destination was deleted or disabled',
          at: expect.any(String),
        },
        {
          egress: { id: youtube.id, roomId: room.roomId, sessionId: room.sessionId, kind: 'rtmp', destination: { name: 'YouTube', platform: 'youtube' } },
          reason: 'Error number -10053 occurred',
          at: expect.any(String),
        },
      ]),
    );
    for (const r of received) {
      expect(r.body).not.toContain(youtubeKey);
      expect(r.body).not.toContain(backupKey);
    }
    await viewer.socket.sync();
    expect(viewer.socket.received.some((m) => m.type === 'egress.outputs')).toBe(false);
    // Repeated reports of the same failure send nothing more.
    link.send({ type: 'rtmp.state', status: { destinationId: youtube.id, state: 'failed', reason: 'Error number -10053 occurred', bitrateKbps: 0, uptimeMs: null } });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await hook.received(2)).toHaveLength(2);
  });

  it('sends egress.failed when the room’s HLS run fails', async () => {
    const tenant = await roomTenant('hls-failed-hook');
    const org = tenant.organizationId;
    const hook = await egressEndpoint(tenant);
    const node = await TestNode.register({ nodeId: unique('hls-failed-hook') });
    const { room, host, link } = await roomOnNode(tenant, node);
    await publishCameraAndMic(host.socket);
    const started = await api('POST', `/organizations/${org}/rooms/${room.roomId}/hls`, { token: tenant.token });
    expect(started.status).toBe(201);
    const hlsId = started.body.hls.id as string;
    await until('hls.start at the node', () => node.requests.find((r) => r.type === 'request' && r.method === 'hls.start'));
    link.send({ type: 'hls.failed', hlsId, reason: 'ffmpeg exited (1): Conversion failed!' });
    const [event] = (await hook.received(1)).map(hook.verify);
    expect(event).toMatchObject({
      type: 'egress.failed',
      data: { egress: { id: hlsId, roomId: room.roomId, sessionId: room.sessionId, kind: 'hls', destination: null }, reason: 'ffmpeg exited (1): Conversion failed!' },
    });
  });
});
