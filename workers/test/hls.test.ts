// HLS egress through the API and the /hls serving route, against the real local S3 server and the
// scripted node (fleet-test-node.ts): the plan and live-room gates, what the origin node is asked
// (the room's camera and microphone, presigned PUT URLs only), the run's state in the room state,
// the files served from the store with the cache rules a CDN needs (playlist at most 1 s while
// live, segments immutable under a per-run path), and who may watch: a public room's HLS anyone,
// a members-only room's only with a play token for that room. The files are uploaded by the test
// through the presigned URLs, as the real node does (web/test/e2e/hls.test.ts runs the real one).
import { exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { api, setPlan, signUp, unique } from './api-client.ts';
import { TestNode } from './fleet-test-node.ts';
import { config, join, liveRoom, publishCameraAndMic, roomTenant, until } from './room-client.ts';

afterEach(() => TestNode.closeAll());

/** GET on the Worker outside /api/v1 (no credentials: what a player or a CDN sends). */
async function get(path: string): Promise<Response> {
  return exports.default.fetch(new Request(`http://roomcast.test${path}`));
}

const hlsPath = (org: string, room: string) => `/organizations/${org}/rooms/${room}/hls`;

/** What ffmpeg's HLS muxer writes: relative URIs, which the Worker rewrites to name the run. */
const PLAYLIST = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:1', '#EXT-X-MEDIA-SEQUENCE:1', '#EXT-X-PLAYLIST-TYPE:EVENT', '#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-MAP:URI="init.mp4"', '#EXTINF:1.000000,', 'seg1.m4s', ''].join('\n');

describe('HLS egress', () => {
  it('is refused on Starter (403 plan_limit recording) and when the room is not live; another tenant gets 404', async () => {
    const owner = await signUp('hls-starter');
    const room = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'Desk' } });
    expect(await api('POST', hlsPath(owner.organizationId, room.body.id), { token: owner.token })).toMatchObject({ status: 403, body: { error: { code: 'plan_limit', details: { limit: 'recording' } } } });
    await setPlan(owner, 'professional');
    expect(await api('POST', hlsPath(owner.organizationId, room.body.id), { token: owner.token })).toMatchObject({ status: 409, body: { error: { code: 'room_not_live' } } });
    expect(await api('GET', hlsPath(owner.organizationId, room.body.id), { token: owner.token })).toMatchObject({ status: 200, body: { hls: null } });
    const stranger = await roomTenant('hls-stranger');
    for (const [method, path] of [
      ['GET', hlsPath(owner.organizationId, room.body.id)],
      ['POST', hlsPath(stranger.organizationId, room.body.id)],
      ['GET', hlsPath(stranger.organizationId, room.body.id)],
      ['DELETE', hlsPath(stranger.organizationId, room.body.id)],
    ] as const) {
      expect((await api(method, path, { token: stranger.token })).status, `${method} ${path}`).toBe(404);
    }
    // The serving route: no run, bad names and unknown rooms are all 404, never a 500.
    for (const path of [`/hls/${room.body.id}/index.m3u8`, '/hls/not-a-room/index.m3u8', `/hls/${room.body.id}/${crypto.randomUUID()}/../../x`, `/hls/${room.body.id}/${crypto.randomUUID()}/evil.txt`]) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('encodes the room on its origin node, serves a members-only room only with a play token, with CDN cache rules, ends and keeps the run as a VOD', async () => {
    const tenant = await roomTenant('hls-node');
    const org = tenant.organizationId;
    const node = await TestNode.register({ nodeId: unique('hls-node') });
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host', name: 'Hana' });
    const { room: link } = await node.acceptAssignment(room.roomId);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    const { camera, mic } = await publishCameraAndMic(host.socket);

    const started = await api('POST', hlsPath(org, room.roomId), { token: tenant.token });
    expect(started).toMatchObject({ status: 201, body: { hls: { state: 'starting', endedAt: null } } });
    const hlsId = started.body.hls.id as string;
    const playlistUrl = new URL(started.body.playlistUrl as string);
    // A members-only room: the URL carries a play token in its path.
    expect(playlistUrl.pathname).toMatch(new RegExp(`^/hls/${room.roomId}/t/[^/]+/index\\.m3u8$`));
    expect(await api('POST', hlsPath(org, room.roomId), { token: tenant.token })).toMatchObject({ status: 409, body: { error: { code: 'hls_active' } } });
    expect((await host.socket.next((m) => m.type === 'room.updated' && m.room.hls?.id === hlsId)).room.hls.state).toBe('starting');

    const start = await until('hls.start at the node', () => node.requests.find((r) => r.type === 'request' && r.method === 'hls.start'));
    const data = (start as { data: { hlsId: string; producerIds: string[]; playlistUrl: string; initUrl: string; segmentUrls: { segment: number; url: string }[] } }).data;
    expect(data).toMatchObject({ hlsId, producerIds: [camera, mic] });
    expect(data.segmentUrls.map((s) => s.segment).slice(0, 3)).toEqual([1, 2, 3]);
    expect(JSON.stringify(data)).not.toContain(config.storage!.secretAccessKey);
    // Before the first playlist is in the store, players get 404 and retry.
    expect((await get(playlistUrl.pathname)).status).toBe(404);

    // What the node does: PUT each file through its presigned URL, then say the run is live.
    const init = new Uint8Array(1200).fill(7);
    const seg1 = new Uint8Array(30_000).map((_, i) => i % 251);
    for (const [url, body] of [[data.initUrl, init], [data.segmentUrls[0]!.url, seg1], [data.playlistUrl, new TextEncoder().encode(PLAYLIST)]] as const) {
      expect((await fetch(url, { method: 'PUT', body })).status).toBe(200);
    }
    link.send({ type: 'hls.live', hlsId });
    await host.socket.next((m) => m.type === 'room.updated' && m.room.hls?.state === 'live');
    link.send({ type: 'hls.urls_wanted', hlsId, fromSegment: 33, count: 2 });
    const more = await until('hls.urls at the node', () => node.requests.find((r) => r.type === 'request' && r.method === 'hls.urls'));
    expect((more as { data: { segmentUrls: { segment: number }[] } }).data.segmentUrls.map((s) => s.segment)).toEqual([33, 34]);

    // With the play token: the playlist, rewritten to the run's own paths, cached at most 1 s.
    const playlist = await get(playlistUrl.pathname);
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(playlist.headers.get('cache-control')).toBe('public, max-age=1');
    expect(playlist.headers.get('access-control-allow-origin')).toBe('*');
    const text = await playlist.text();
    expect(text).toContain(`#EXT-X-MAP:URI="${hlsId}/init.mp4"`);
    expect(text.split('\n')).toContain(`${hlsId}/seg1.m4s`);
    expect(text).not.toContain('#EXT-X-ENDLIST');
    // Segments resolve relative to the playlist, so they carry the token too; immutable.
    const base = playlistUrl.pathname.replace(/index\.m3u8$/, '');
    const segment = await get(`${base}${hlsId}/seg1.m4s`);
    expect(segment.status).toBe(200);
    expect(segment.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(new Uint8Array(await segment.arrayBuffer())).toEqual(seg1);
    expect((await get(`${base}${hlsId}/init.mp4`)).headers.get('content-type')).toBe('video/mp4');

    // Without a token, with a token for another tenant's room, or with a room token: refused.
    const stranger = await roomTenant('hls-other');
    const strangerRoom = await liveRoom(stranger);
    const strangerUrl = new URL((await api('GET', hlsPath(stranger.organizationId, strangerRoom.roomId), { token: stranger.token })).body.playlistUrl);
    const strangerToken = strangerUrl.pathname.split('/')[4]!;
    for (const path of [
      `/hls/${room.roomId}/index.m3u8`,
      `/hls/${room.roomId}/${hlsId}/seg1.m4s`,
      `/hls/${room.roomId}/t/${strangerToken}/index.m3u8`,
      `/hls/${room.roomId}/t/${strangerToken}/${hlsId}/seg1.m4s`,
      `/hls/${room.roomId}/t/${host.token}/index.m3u8`,
    ]) {
      expect((await get(path)).status, path).toBe(404);
    }
    // A public room's HLS needs no token.
    expect((await api('PATCH', `/organizations/${org}/rooms/${room.roomId}`, { token: tenant.token, body: { visibility: 'public' } })).status).toBe(200);
    expect((await api('GET', hlsPath(org, room.roomId), { token: tenant.token })).body.playlistUrl).toMatch(new RegExp(`/hls/${room.roomId}/index\\.m3u8$`));
    expect((await get(`/hls/${room.roomId}/index.m3u8`)).status).toBe(200);
    expect((await get(`/hls/${room.roomId}/${hlsId}/seg1.m4s`)).status).toBe(200);

    // Stop: the node ends the playlist; the run stays, its playlist now final (cached longer).
    const stopped = await api('DELETE', hlsPath(org, room.roomId), { token: tenant.token });
    expect(stopped).toMatchObject({ status: 200, body: { hls: { id: hlsId, state: 'ended', endedAt: expect.any(String) } } });
    expect(node.requests.some((r) => r.type === 'request' && r.method === 'hls.stop')).toBe(true);
    expect((await get(`/hls/${room.roomId}/index.m3u8`)).headers.get('cache-control')).toBe('public, max-age=30');
    expect((await api('DELETE', hlsPath(org, room.roomId), { token: tenant.token })).body.error.code).toBe('hls_not_active');
    // A new run gets its own paths; the first run's segments still play (a VOD).
    const again = await api('POST', hlsPath(org, room.roomId), { token: tenant.token });
    expect(again.status).toBe(201);
    expect(again.body.hls.id).not.toBe(hlsId);
    expect((await get(`/hls/${room.roomId}/${hlsId}/seg1.m4s`)).status).toBe(200);
  });

  it('starts by itself once the room has its hlsAutoViewers viewers, once a session: a host who stops it keeps it stopped', async () => {
    const tenant = await roomTenant('hls-auto');
    const org = tenant.organizationId;
    const roomsPath = `/organizations/${org}/rooms`;
    for (const bad of [0, -1, 1.5, '2', 2_000_000]) {
      expect((await api('POST', roomsPath, { token: tenant.token, body: { workspaceId: tenant.workspaceId, title: 'Auto', hlsAutoViewers: bad } })).status, String(bad)).toBe(400);
    }
    const node = await TestNode.register({ nodeId: unique('hls-auto') });
    const created = await api('POST', roomsPath, { token: tenant.token, body: { workspaceId: tenant.workspaceId, title: 'Auto', slug: unique('auto'), hlsAutoViewers: 2 } });
    expect(created).toMatchObject({ status: 201, body: { hlsAutoViewers: 2 } });
    const started = await api('POST', `${roomsPath}/${created.body.id}/start`, { token: tenant.token });
    const room = { tenant, roomId: created.body.id as string, sessionId: started.body.session.id as string };
    const host = await join(room, { role: 'host' });
    await node.acceptAssignment(room.roomId);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    await publishCameraAndMic(host.socket);
    const hlsStarts = () => node.requests.filter((r) => r.type === 'request' && r.method === 'hls.start').length;

    // Hosts do not count; one viewer is not enough.
    await join(room, { role: 'host', identity: unique('cohost') });
    await join(room, { role: 'viewer' });
    await host.socket.sync();
    expect(host.socket.received.some((m) => m.type === 'room.updated' && Boolean(m.room.hls))).toBe(false);
    expect((await api('GET', hlsPath(org, room.roomId), { token: tenant.token })).body.hls).toBeNull();
    // The second viewer: the run starts, everyone hears, the node encodes.
    await join(room, { role: 'viewer' });
    expect((await host.socket.next((m) => m.type === 'room.updated' && Boolean(m.room.hls))).room.hls.state).toBe('starting');
    await until('hls.start at the node', () => hlsStarts() === 1 || undefined);

    // Stopped by the host, it stays stopped however many more come.
    expect((await api('DELETE', hlsPath(org, room.roomId), { token: tenant.token })).body.hls.state).toBe('ended');
    await join(room, { role: 'viewer' });
    await host.socket.sync();
    expect((await api('GET', hlsPath(org, room.roomId), { token: tenant.token })).body.hls.state).toBe('ended');
    expect(hlsStarts()).toBe(1);

    // Set while live on a room already that full: it starts at once.
    const other = await liveRoom(tenant);
    const otherHost = await join(other, { role: 'host' });
    await node.acceptAssignment(other.roomId);
    await otherHost.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    await publishCameraAndMic(otherHost.socket);
    await join(other, { role: 'viewer' });
    expect(await api('PATCH', `${roomsPath}/${other.roomId}`, { token: tenant.token, body: { hlsAutoViewers: 1 } })).toMatchObject({ status: 200, body: { hlsAutoViewers: 1 } });
    expect((await otherHost.socket.next((m) => m.type === 'room.updated' && Boolean(m.room.hls))).room.hls.state).toBe('starting');
    await until('hls.start at the node for the second room', () => hlsStarts() === 2 || undefined);

    // Turning it on is the recording plan feature; turning it off never needs it.
    const starter = await signUp('hls-auto-starter');
    const starterRoom = await api('POST', `/organizations/${starter.organizationId}/rooms`, { token: starter.token, body: { workspaceId: starter.workspaceId, title: 'Desk' } });
    expect(starterRoom.body.hlsAutoViewers).toBeNull();
    const patchStarter = (body: unknown) => api('PATCH', `/organizations/${starter.organizationId}/rooms/${starterRoom.body.id}`, { token: starter.token, body });
    expect(await patchStarter({ hlsAutoViewers: 50 })).toMatchObject({ status: 403, body: { error: { code: 'plan_limit', details: { limit: 'recording' } } } });
    expect(await patchStarter({ hlsAutoViewers: null })).toMatchObject({ status: 200, body: { hlsAutoViewers: null } });
  });
});
