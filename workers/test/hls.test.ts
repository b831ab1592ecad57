// HLS egress through the API and the /hls serving route, against the real local S3 server and the
// scripted node (fleet-test-node.ts): the plan and live-room gates, what the origin node is asked
// (the room's camera and microphone, presigned PUT URLs only), the run's state in the room state,
// the files served from the store with the cache rules a CDN needs (playlist at most 1 s while
// live, segments immutable under a per-run path), and who may watch: a public room's HLS anyone,
// a members-only room's only with a play token for that room. The files are uploaded by the test
// through the presigned URLs, as the real node does (web/test/e2e/hls.test.ts runs the real one).
// An ended run is a recording (source hls): listed, counted against storage, played as its own
// playlist, deleted with all its files.
import { exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { files } from '@roomcast/schema/db';
import { Database } from '../src/db/database.ts';
import { signRoomNodeToken } from '../src/fleet/fleet-token.ts';
import { ObjectStore } from '../src/storage/object-store.ts';
import { api, setPlan, signUp, unique } from './api-client.ts';
import { roomOnNode, TestNode, twoNodes } from './fleet-test-node.ts';
import { config, join, liveRoom, publishCameraAndMic, roomTenant, until } from './room-client.ts';

afterEach(() => TestNode.closeAll());

/** GET on the Worker outside /api/v1 (no credentials: what a player or a CDN sends). */
async function get(path: string): Promise<Response> {
  return exports.default.fetch(new Request(`http://roomcast.test${path}`));
}

const hlsPath = (org: string, room: string) => `/organizations/${org}/rooms/${room}/hls`;
/** What the room asks a node to start HLS with. */
type HlsStart = { data: { hlsId: string; producerIds: string[]; playlistUrl: string; initUrl: string; segmentUrls: { segment: number; url: string }[] } };
/** The hls.start requests a scripted node was sent, oldest first. */
const hlsStarts = (node: TestNode) => node.requests.filter((r) => r.type === 'request' && r.method === 'hls.start') as unknown as HlsStart[];
const storageUsed = async (tenant: { organizationId: string; token: string }) =>
  (await api('GET', `/organizations/${tenant.organizationId}/limits`, { token: tenant.token })).body.limits.find((l: { limit: string }) => l.limit === 'storage').current as number;

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
    const { room, host, link } = await roomOnNode(tenant, node);
    const { camera, mic } = await publishCameraAndMic(host.socket);

    const started = await api('POST', hlsPath(org, room.roomId), { token: tenant.token });
    expect(started).toMatchObject({ status: 201, body: { hls: { state: 'starting', endedAt: null } } });
    const hlsId = started.body.hls.id as string;
    const playlistUrl = new URL(started.body.playlistUrl as string);
    // A members-only room: the URL carries a play token in its path.
    expect(playlistUrl.pathname).toMatch(new RegExp(`^/hls/${room.roomId}/t/[^/]+/index\\.m3u8$`));
    expect(await api('POST', hlsPath(org, room.roomId), { token: tenant.token })).toMatchObject({ status: 409, body: { error: { code: 'hls_active' } } });
    expect((await host.socket.next((m) => m.type === 'room.updated' && m.room.hls?.id === hlsId)).room.hls.state).toBe('starting');

    const { data } = await until('hls.start at the node', () => hlsStarts(node)[0]);
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

    // Hosts do not count; one viewer is not enough.
    await join(room, { role: 'host', identity: unique('cohost') });
    await join(room, { role: 'viewer' });
    await host.socket.sync();
    expect(host.socket.received.some((m) => m.type === 'room.updated' && Boolean(m.room.hls))).toBe(false);
    expect((await api('GET', hlsPath(org, room.roomId), { token: tenant.token })).body.hls).toBeNull();
    // The second viewer: the run starts, everyone hears, the node encodes.
    await join(room, { role: 'viewer' });
    expect((await host.socket.next((m) => m.type === 'room.updated' && Boolean(m.room.hls))).room.hls.state).toBe('starting');
    await until('hls.start at the node', () => hlsStarts(node).length === 1 || undefined);

    // Stopped by the host, it stays stopped however many more come.
    expect((await api('DELETE', hlsPath(org, room.roomId), { token: tenant.token })).body.hls.state).toBe('ended');
    await join(room, { role: 'viewer' });
    await host.socket.sync();
    expect((await api('GET', hlsPath(org, room.roomId), { token: tenant.token })).body.hls.state).toBe('ended');
    expect(hlsStarts(node)).toHaveLength(1);

    // Set while live on a room already that full: it starts at once.
    const other = await liveRoom(tenant);
    const otherHost = await join(other, { role: 'host' });
    await node.acceptAssignment(other.roomId);
    await otherHost.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    await publishCameraAndMic(otherHost.socket);
    await join(other, { role: 'viewer' });
    expect(await api('PATCH', `${roomsPath}/${other.roomId}`, { token: tenant.token, body: { hlsAutoViewers: 1 } })).toMatchObject({ status: 200, body: { hlsAutoViewers: 1 } });
    expect((await otherHost.socket.next((m) => m.type === 'room.updated' && Boolean(m.room.hls))).room.hls.state).toBe('starting');
    await until('hls.start at the node for the second room', () => hlsStarts(node).length === 2 || undefined);

    // Turning it on is the recording plan feature; turning it off never needs it.
    const starter = await signUp('hls-auto-starter');
    const starterRoom = await api('POST', `/organizations/${starter.organizationId}/rooms`, { token: starter.token, body: { workspaceId: starter.workspaceId, title: 'Desk' } });
    expect(starterRoom.body.hlsAutoViewers).toBeNull();
    const patchStarter = (body: unknown) => api('PATCH', `/organizations/${starter.organizationId}/rooms/${starterRoom.body.id}`, { token: starter.token, body });
    expect(await patchStarter({ hlsAutoViewers: 50 })).toMatchObject({ status: 403, body: { error: { code: 'plan_limit', details: { limit: 'recording' } } } });
    expect(await patchStarter({ hlsAutoViewers: null })).toMatchObject({ status: 200, body: { hlsAutoViewers: null } });
  });

  it('keeps an ended run in the recordings library: counted against storage, played as that run, deleted with all its files; ending the room keeps its run too', async () => {
    const tenant = await roomTenant('hls-vod');
    const org = tenant.organizationId;
    const node = await TestNode.register({ nodeId: unique('hls-vod') });
    const { room, host, link } = await roomOnNode(tenant, node);
    await publishCameraAndMic(host.socket);

    /** What the node uploads for a run: init, two segments (1 s and 0.5 s), the ended playlist. */
    async function runFiles(hlsId: string): Promise<number> {
      const { data } = await until('hls.start at the node', () => hlsStarts(node).find((r) => r.data.hlsId === hlsId));
      const playlist = PLAYLIST.replace('seg1.m4s\n', 'seg1.m4s\n#EXTINF:0.500000,\nseg2.m4s\n#EXT-X-ENDLIST\n');
      const bodies = [[data.initUrl, new Uint8Array(1200).fill(7)], [data.segmentUrls[0]!.url, new Uint8Array(30_000).fill(1)], [data.segmentUrls[1]!.url, new Uint8Array(12_345).fill(2)], [data.playlistUrl, new TextEncoder().encode(playlist)]] as const;
      for (const [url, body] of bodies) expect((await fetch(url, { method: 'PUT', body })).status).toBe(200);
      link.send({ type: 'hls.live', hlsId });
      return bodies.reduce((sum, [, body]) => sum + body.length, 0);
    }

    const started = await api('POST', hlsPath(org, room.roomId), { token: tenant.token });
    const hlsId = started.body.hls.id as string;
    const bytes = await runFiles(hlsId);
    await host.socket.next((m) => m.type === 'room.updated' && m.room.hls?.state === 'live');
    expect(await storageUsed(tenant)).toBe(0);
    expect((await api('DELETE', hlsPath(org, room.roomId), { token: tenant.token })).status).toBe(200);

    // Listed once the stop answers, with what the files say.
    const listed = await api('GET', `/organizations/${org}/recordings?roomId=${room.roomId}`, { token: tenant.token });
    expect(listed.body.recordings).toEqual([
      expect.objectContaining({ id: hlsId, source: 'hls', status: 'ready', sessionId: room.sessionId, durationMs: 1500, sizeBytes: bytes, videoCodec: 'h264', audioCodec: 'aac', endedAt: expect.any(String) }),
    ]);
    expect(await storageUsed(tenant)).toBe(bytes);

    // Its playbackUrl plays THIS run (a members-only room: with a play token), even once another runs.
    const again = await api('POST', hlsPath(org, room.roomId), { token: tenant.token });
    expect(again.status).toBe(201);
    const one = await api('GET', `/organizations/${org}/recordings/${hlsId}`, { token: tenant.token });
    const playbackUrl = new URL(one.body.playbackUrl as string);
    expect(playbackUrl.pathname).toMatch(new RegExp(`^/hls/${room.roomId}/t/[^/]+/${hlsId}\\.m3u8$`));
    const vod = await get(playbackUrl.pathname);
    expect(vod.status).toBe(200);
    expect(vod.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(vod.headers.get('cache-control')).toBe('public, max-age=30');
    const text = await vod.text();
    expect(text).toContain(`#EXT-X-MAP:URI="${hlsId}/init.mp4"`);
    expect(text.split('\n')).toEqual(expect.arrayContaining([`${hlsId}/seg1.m4s`, `${hlsId}/seg2.m4s`, '#EXT-X-ENDLIST']));
    const segmentPath = new URL(`${hlsId}/seg2.m4s`, playbackUrl).pathname;
    const segment = await get(segmentPath);
    expect(segment.status).toBe(200);
    expect((await segment.arrayBuffer()).byteLength).toBe(12_345);
    // Without the token it does not exist; another tenant sees no such recording.
    expect((await get(`/hls/${room.roomId}/${hlsId}.m3u8`)).status).toBe(404);
    const stranger = await roomTenant('hls-vod-stranger');
    for (const method of ['GET', 'DELETE'] as const) {
      expect((await api(method, `/organizations/${org}/recordings/${hlsId}`, { token: stranger.token })).status, method).toBe(404);
      expect((await api(method, `/organizations/${stranger.organizationId}/recordings/${hlsId}`, { token: stranger.token })).status, method).toBe(404);
    }

    // The store lists the run page by page (continuation tokens): every file, once.
    const runFilesListed = await new ObjectStore(config.storage!).list(`org/${org}/hls/${room.roomId}/${hlsId}/`, 2);
    expect(runFilesListed.map((o) => o.key.split('/').pop()).sort()).toEqual(['index.m3u8', 'init.mp4', 'seg1.m4s', 'seg2.m4s']);
    expect(runFilesListed.reduce((sum, o) => sum + o.sizeBytes, 0)).toBe(bytes);
    // Delete: every file of the run goes, and its storage is free again.
    expect((await api('DELETE', `/organizations/${org}/recordings/${hlsId}`, { token: tenant.token })).status).toBe(204);
    expect((await get(segmentPath)).status).toBe(404);
    expect((await get(playbackUrl.pathname)).status).toBe(404);
    expect(await new ObjectStore(config.storage!).list(`org/${org}/hls/${room.roomId}/${hlsId}/`)).toEqual([]);
    expect(await storageUsed(tenant)).toBe(0);

    // The room ends while the second run is live: that run is kept too.
    const second = again.body.hls.id as string;
    const secondBytes = await runFiles(second);
    await host.socket.next((m) => m.type === 'room.updated' && m.room.hls?.id === second && m.room.hls.state === 'live');
    expect((await api('POST', `/organizations/${org}/rooms/${room.roomId}/end`, { token: tenant.token })).status).toBe(200);
    const kept = await until('the second run in the library', async () => {
      const list = await api('GET', `/organizations/${org}/recordings?roomId=${room.roomId}`, { token: tenant.token });
      return list.body.recordings.length > 0 ? list.body.recordings : undefined;
    });
    expect(kept).toEqual([expect.objectContaining({ id: second, source: 'hls', status: 'ready', sizeBytes: secondBytes, durationMs: 1500 })]);
    expect(await storageUsed(tenant)).toBe(secondBytes);
  });

  it('carries a run on after its node is lost: the next node writes its next leg, one playlist joins them at a discontinuity, and the run is one VOD', async () => {
    const tenant = await roomTenant('hls-legs');
    const org = tenant.organizationId;
    const { first, second } = await twoNodes('hls-legs');
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    /** What a node uploads for its leg: init, one 1 s segment, its playlist (not ended: the first is cut off, the second stopped). */
    const upload = async ({ data }: HlsStart, fill: number) => {
      const bodies = [[data.initUrl, new Uint8Array(700).fill(fill)], [data.segmentUrls[0]!.url, new Uint8Array(9_000).fill(fill)], [data.playlistUrl, new TextEncoder().encode(PLAYLIST)]] as const;
      for (const [url, body] of bodies) expect((await fetch(url, { method: 'PUT', body })).status).toBe(200);
      return bodies.reduce((sum, [, body]) => sum + body.length, 0);
    };

    const { room: firstLink } = await first.acceptAssignment(room.roomId);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    await publishCameraAndMic(host.socket);
    const started = await api('POST', hlsPath(org, room.roomId), { token: tenant.token });
    const hlsId = started.body.hls.id as string;
    const playlistPath = new URL(started.body.playlistUrl as string).pathname;
    const leg1 = await until('hls.start at the first node', () => hlsStarts(first)[0]);
    const leg1Bytes = await upload(leg1, 1);
    firstLink.send({ type: 'hls.live', hlsId });
    await host.socket.next((m) => m.type === 'room.updated' && m.room.hls?.state === 'live');

    // The origin dies: the run is not failed; it waits for the next node, and players keep what they have.
    first.close();
    expect((await host.socket.next((m) => m.type === 'room.updated' && m.room.hls?.state === 'starting', 8000)).room.hls).toMatchObject({ id: hlsId, error: null });
    const waiting = await (await get(playlistPath)).text();
    expect(waiting.split('\n')).toContain(`${hlsId}/seg1.m4s`);
    expect(waiting).not.toContain('#EXT-X-ENDLIST');

    // The room moves; once the host publishes there, the same run goes on there as leg 2.
    const { room: secondLink } = await second.acceptAssignment(room.roomId);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    const { camera, mic } = await publishCameraAndMic(host.socket);
    const leg2 = await until('hls.start at the second node', () => hlsStarts(second)[0]);
    expect(leg2.data).toMatchObject({ hlsId, producerIds: [camera, mic] });
    for (const url of [leg2.data.playlistUrl, leg2.data.initUrl, leg2.data.segmentUrls[0]!.url]) expect(new URL(url).pathname).toMatch(new RegExp(`/${hlsId}/l2-(index\\.m3u8|init\\.mp4|seg1\\.m4s)$`));
    const leg2Bytes = await upload(leg2, 2);
    secondLink.send({ type: 'hls.live', hlsId });
    await host.socket.next((m) => m.type === 'room.updated' && m.room.hls?.state === 'live');

    // One playlist at the same URL: leg 1, a discontinuity, leg 2 with its own init segment.
    const joined = (await (await get(playlistPath)).text()).split('\n');
    const at = (line: string) => joined.indexOf(line);
    expect(at(`${hlsId}/seg1.m4s`)).toBeGreaterThan(-1);
    expect(at('#EXT-X-DISCONTINUITY')).toBeGreaterThan(at(`${hlsId}/seg1.m4s`));
    expect(at(`#EXT-X-MAP:URI="${hlsId}/l2-init.mp4"`)).toBeGreaterThan(at('#EXT-X-DISCONTINUITY'));
    expect(at(`${hlsId}/l2-seg1.m4s`)).toBeGreaterThan(at(`#EXT-X-MAP:URI="${hlsId}/l2-init.mp4"`));
    expect(joined.filter((l) => l.startsWith('#EXTM3U'))).toHaveLength(1);
    expect(joined).not.toContain('#EXT-X-ENDLIST');
    const base = playlistPath.replace(/index\.m3u8$/, '');
    const segment = await get(`${base}${hlsId}/l2-seg1.m4s`);
    expect(segment.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(new Uint8Array(await segment.arrayBuffer())).toEqual(new Uint8Array(9_000).fill(2));

    // Stopped: one recording of both legs, 2 s long, ended (the joined playlist ends it), every file counted.
    expect((await api('DELETE', hlsPath(org, room.roomId), { token: tenant.token })).body.hls).toMatchObject({ id: hlsId, state: 'ended' });
    const one = await api('GET', `/organizations/${org}/recordings/${hlsId}`, { token: tenant.token });
    expect(one.body.recording).toMatchObject({ source: 'hls', status: 'ready', durationMs: 2000 });
    expect(one.body.recording.sizeBytes).toBeGreaterThan(leg1Bytes + leg2Bytes);
    const vod = (await (await get(new URL(one.body.playbackUrl as string).pathname)).text()).split('\n');
    expect(vod).toEqual(expect.arrayContaining([`${hlsId}/seg1.m4s`, '#EXT-X-DISCONTINUITY', `${hlsId}/l2-seg1.m4s`, '#EXT-X-ENDLIST']));
    expect((await get(playlistPath)).headers.get('cache-control')).toBe('public, max-age=30');
  });

  it("carries a run on as its next leg when the room's node socket is replaced without a loss (a new router)", async () => {
    const tenant = await roomTenant('hls-reassign');
    const node = await TestNode.register({ nodeId: unique('hls-reassign') });
    const { room, host, link: firstLink } = await roomOnNode(tenant, node);
    await publishCameraAndMic(host.socket);
    const hlsId = (await api('POST', hlsPath(tenant.organizationId, room.roomId), { token: tenant.token })).body.hls.id as string;
    await until('hls.start', () => hlsStarts(node)[0]);
    firstLink.send({ type: 'hls.live', hlsId });
    await host.socket.next((m) => m.type === 'room.updated' && m.room.hls?.state === 'live');

    // The node dials the room again (its router restarted) before the first socket closed: the
    // room rebuilds on the new router, and the run must not stay tied to the old one.
    await node.dialRoom(room.roomId, await signRoomNodeToken(config.fleet.secret, { nodeId: node.nodeId, roomId: room.roomId, role: 'origin' }));
    expect((await host.socket.next((m) => m.type === 'room.updated' && m.room.hls?.state === 'starting', 8000)).room.hls).toMatchObject({ id: hlsId, error: null });
    await host.socket.next((m) => m.type === 'media.reset', 8000);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    await publishCameraAndMic(host.socket);
    const leg2 = await until('hls.start on the new router', () => hlsStarts(node)[1]);
    expect(leg2.data.hlsId).toBe(hlsId);
    expect(new URL(leg2.data.playlistUrl).pathname).toMatch(new RegExp(`/${hlsId}/l2-index\\.m3u8$`));
  });

  it('keeps a run that failed after its playlist was written as partial, and nothing of a run that never wrote one', async () => {
    const tenant = await roomTenant('hls-vod-failed');
    const org = tenant.organizationId;
    const node = await TestNode.register({ nodeId: unique('hls-vod-failed') });
    const { room, host, link } = await roomOnNode(tenant, node);
    await publishCameraAndMic(host.socket);
    const library = async () => (await api('GET', `/organizations/${org}/recordings?roomId=${room.roomId}`, { token: tenant.token })).body.recordings as { id: string }[];

    // Stopped before the node wrote anything: no recording.
    const empty = await api('POST', hlsPath(org, room.roomId), { token: tenant.token });
    await until('hls.start at the node', () => hlsStarts(node)[0]);
    expect((await api('DELETE', hlsPath(org, room.roomId), { token: tenant.token })).body.hls).toMatchObject({ id: empty.body.hls.id, state: 'ended' });
    expect(await library()).toEqual([]);

    // Live with one segment, then the node reports a failure: what reached the store is kept, partial.
    const started = await api('POST', hlsPath(org, room.roomId), { token: tenant.token });
    const hlsId = started.body.hls.id as string;
    const { data } = await until('the second hls.start', () => hlsStarts(node).find((r) => r.data.hlsId === hlsId));
    const bodies = [[data.initUrl, new Uint8Array(800)], [data.segmentUrls[0]!.url, new Uint8Array(5_000)], [data.playlistUrl, new TextEncoder().encode(PLAYLIST)]] as const;
    for (const [url, body] of bodies) expect((await fetch(url, { method: 'PUT', body })).status).toBe(200);
    link.send({ type: 'hls.live', hlsId });
    await host.socket.next((m) => m.type === 'room.updated' && m.room.hls?.state === 'live');
    link.send({ type: 'hls.failed', hlsId, reason: 'ffmpeg exited with code 1' });
    const kept = await until('the failed run in the library', async () => ((await library()).length > 0 ? library() : undefined));
    expect(kept).toEqual([expect.objectContaining({ id: hlsId, source: 'hls', status: 'partial', durationMs: 1000, sizeBytes: bodies.reduce((sum, [, body]) => sum + body.length, 0) })]);
  });

  it('the automatic start makes the same storage check: a full plan shows a failed run with the reason, and the node is never asked', async () => {
    const tenant = await roomTenant('hls-auto-full');
    await setPlan(tenant, 'professional');
    const org = tenant.organizationId;
    const db = new Database(config);
    try {
      await db.scoped({ organizationId: org }, (tx) =>
        tx.insert(files).values({ organizationId: org, objectKey: `org/${org}/files/${crypto.randomUUID()}`, name: 'big.zip', contentType: 'application/zip', sizeBytes: 25 * 1024 ** 3 - 1024 ** 3 / 2 }),
      );
    } finally {
      await db.close();
    }
    const node = await TestNode.register({ nodeId: unique('hls-auto-full') });
    const created = await api('POST', `/organizations/${org}/rooms`, { token: tenant.token, body: { workspaceId: tenant.workspaceId, title: 'Auto', slug: unique('auto-full'), hlsAutoViewers: 1 } });
    const started = await api('POST', `/organizations/${org}/rooms/${created.body.id}/start`, { token: tenant.token });
    const room = { tenant, roomId: created.body.id as string, sessionId: started.body.session.id as string };
    const host = await join(room, { role: 'host' });
    await node.acceptAssignment(room.roomId);
    await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);
    await publishCameraAndMic(host.socket);
    await join(room, { role: 'viewer' });
    const refused = (await host.socket.next((m) => m.type === 'room.updated' && Boolean(m.room.hls))).room.hls;
    expect(refused).toMatchObject({ state: 'failed', error: expect.stringMatching(/^HLS did not start: The Professional plan includes .* of storage/) });
    expect((await api('GET', hlsPath(org, room.roomId), { token: tenant.token })).body.hls).toMatchObject({ state: 'failed' });
    // Once a session: more viewers do not try again; the node was never asked.
    await join(room, { role: 'viewer' });
    await host.socket.sync();
    expect(hlsStarts(node)).toEqual([]);
  });

  it('refuses to start when less than 1 GiB of the plan storage is free (403 plan_limit storage)', async () => {
    const tenant = await roomTenant('hls-full');
    await setPlan(tenant, 'professional');
    const room = await liveRoom(tenant);
    const db = new Database(config);
    try {
      await db.scoped({ organizationId: tenant.organizationId }, (tx) =>
        tx.insert(files).values({ organizationId: tenant.organizationId, objectKey: `org/${tenant.organizationId}/files/${crypto.randomUUID()}`, name: 'big.zip', contentType: 'application/zip', sizeBytes: 25 * 1024 ** 3 - 1024 ** 3 / 2 }),
      );
    } finally {
      await db.close();
    }
    expect(await api('POST', hlsPath(tenant.organizationId, room.roomId), { token: tenant.token })).toMatchObject({ status: 403, body: { error: { code: 'plan_limit', details: { limit: 'storage' } } } });
    expect((await api('GET', hlsPath(tenant.organizationId, room.roomId), { token: tenant.token })).body.hls).toBeNull();
  });
});
