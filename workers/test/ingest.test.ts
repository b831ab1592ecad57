// Ingest settings (stream keys per room) and the WHIP endpoint's protocol surface: every answer
// RFC 9725 asks for that does not need a media node. Publishing through a real node, a real WHIP
// client and a viewer decoding is integration/ingest-whip.test.ts.
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import type { Env } from '../src/env.ts';
import { RtmpBroker } from '../src/ingest/rtmp-broker.ts';
import { addMember, api, setPlan, signUp, type Tenant } from './api-client.ts';

const WHIP = 'http://roomcast.test/api/v1/ingest/whip';

/** An offer shaped like libwebrtc's (audio + `videos` video sections, sendonly). */
function offer(videos = 1, { fingerprint = true } = {}): string {
  const common = (mid: number) => [
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:ErZQ',
    'a=ice-pwd:5ur2uojuTrgCEo1ISXiwNtLN',
    ...(fingerprint ? ['a=fingerprint:sha-256 D1:51:D7:B4:CA:A6:C2:5B:C3:6E:7E:BB:A6:A9:84:CB:CA:41:93:2F:B0:8A:92:3D:37:DC:76:D5:99:CA:C0:2F'] : []),
    'a=setup:actpass',
    `a=mid:${mid}`,
    'a=sendonly',
    'a=rtcp-mux',
  ];
  const lines = ['v=0', 'o=- 8949587041767467129 2 IN IP4 127.0.0.1', 's=-', 't=0 0', `a=group:BUNDLE ${Array.from({ length: videos + 1 }, (_, i) => i).join(' ')}`];
  lines.push('m=audio 9 UDP/TLS/RTP/SAVPF 111', ...common(0), 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=ssrc:1990743111 cname:abc');
  for (let i = 1; i <= videos; i++) {
    lines.push('m=video 9 UDP/TLS/RTP/SAVPF 96', ...common(i), 'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack pli', `a=ssrc:${1000 + i} cname:abc`);
  }
  return lines.join('\r\n') + '\r\n';
}

async function whip(method: string, url: string, { key, type, body, headers = {} }: { key?: string; type?: string; body?: string; headers?: Record<string, string> } = {}) {
  const h: Record<string, string> = { 'cf-connecting-ip': '10.9.9.9', ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  if (type) h['content-type'] = type;
  const response = await exports.default.fetch(new Request(url, { method, headers: h, body }));
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

async function roomWithIngest(label: string): Promise<{ owner: Tenant; roomId: string; streamKey: string }> {
  const owner = await signUp(label);
  await setPlan(owner, 'professional');
  const room = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'Encoder room' } });
  const created = await api('POST', `/organizations/${owner.organizationId}/rooms/${room.body.id}/ingest`, { token: owner.token });
  expect(created.status).toBe(201);
  return { owner, roomId: room.body.id, streamKey: created.body.streamKey };
}

describe('ingest settings', () => {
  it('are not available on Starter (plan-gated like API access)', async () => {
    const owner = await signUp('ingest-starter');
    const room = await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'R' } });
    const res = await api('POST', `/organizations/${owner.organizationId}/rooms/${room.body.id}/ingest`, { token: owner.token });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'plan_limit', details: { limit: 'api_access' } });
  });

  it('show the stream key once, list the WHIP URL and state, rotate and revoke', async () => {
    const { owner, roomId, streamKey } = await roomWithIngest('ingest-crud');
    expect(streamKey).toMatch(/^rcs_[0-9a-f]{32}_[\w-]{43}$/);
    const path = `/organizations/${owner.organizationId}/rooms/${roomId}/ingest`;
    const got = await api('GET', path, { token: owner.token });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ roomId, whipUrl: 'http://roomcast.test/api/v1/ingest/whip', state: 'idle', protocol: null, streamKeyPrefix: streamKey.slice(0, 12) });
    expect(JSON.stringify(got.body)).not.toContain(streamKey.slice(20));

    // Rotating gives a new key; the old one is refused by the WHIP endpoint from then on.
    const rotated = await api('POST', path, { token: owner.token });
    expect(rotated.body.streamKey).not.toBe(streamKey);
    const old = await whip('POST', WHIP, { key: streamKey, type: 'application/sdp', body: offer() });
    expect(old.status).toBe(401);
    expect(old.headers.get('www-authenticate')).toMatch(/^Bearer/);

    expect((await api('DELETE', path, { token: owner.token })).status).toBe(204);
    expect((await api('GET', path, { token: owner.token })).status).toBe(404);
    expect((await whip('POST', WHIP, { key: rotated.body.streamKey, type: 'application/sdp', body: offer() })).status).toBe(401);
  });

  it('are invisible to other organizations and closed to roles that may not manage the room', async () => {
    const { owner, roomId } = await roomWithIngest('ingest-iso');
    const other = await signUp('ingest-iso-other');
    await setPlan(other, 'professional');
    expect((await api('GET', `/organizations/${other.organizationId}/rooms/${roomId}/ingest`, { token: other.token })).status).toBe(404);
    expect((await api('GET', `/organizations/${owner.organizationId}/rooms/${roomId}/ingest`, { token: other.token })).status).toBe(404);
    expect((await api('POST', `/organizations/${owner.organizationId}/rooms/${roomId}/ingest`, { token: other.token })).status).toBe(404);
    const moderator = await addMember(owner, 'moderator');
    const denied = await api('POST', `/organizations/${owner.organizationId}/rooms/${roomId}/ingest`, { token: moderator.token });
    expect(denied.status).toBe(403);
    expect((await api('GET', `/organizations/${owner.organizationId}/rooms/not-a-room/ingest`, { token: owner.token })).status).toBe(404);
  });

  it('are in the OpenAPI document', async () => {
    const doc = await api('GET', '/openapi.json');
    expect(Object.keys(doc.body.paths['/organizations/{org}/rooms/{room}/ingest'])).toEqual(expect.arrayContaining(['get', 'post', 'delete']));
    expect(doc.body.paths['/ingest/whip'].post.responses).toHaveProperty('201');
    expect(Object.keys(doc.body.paths['/ingest/whip/{room}/{session}'])).toEqual(expect.arrayContaining(['patch', 'delete']));
  });
});

describe('WHIP endpoint (RFC 9725)', () => {
  it('answers OPTIONS with CORS and Accept-Post, and 405 to other methods', async () => {
    const options = await whip('OPTIONS', WHIP, { headers: { origin: 'https://obs.example', 'access-control-request-method': 'POST' } });
    expect(options.status).toBe(204);
    expect(options.headers.get('access-control-allow-origin')).toBe('*');
    expect(options.headers.get('access-control-allow-methods')).toContain('POST');
    expect(options.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
    expect(options.headers.get('accept-post')).toBe('application/sdp');
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const res = await whip(method, WHIP);
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST, OPTIONS');
      expect(res.json().error.code).toBe('method_not_allowed');
    }
  });

  it('refuses missing or wrong stream keys, wrong content types, malformed SDP and more than one track per kind', async () => {
    const { streamKey } = await roomWithIngest('whip-errors');
    expect((await whip('POST', WHIP, { type: 'application/sdp', body: offer() })).status).toBe(401);
    expect((await whip('POST', WHIP, { key: 'rcs_nope', type: 'application/sdp', body: offer() })).status).toBe(401);
    const wrongSecret = streamKey.slice(0, -4) + 'AAAA';
    expect((await whip('POST', WHIP, { key: wrongSecret, type: 'application/sdp', body: offer() })).status).toBe(401);

    const json = await whip('POST', WHIP, { key: streamKey, type: 'application/json', body: '{}' });
    expect(json.status).toBe(415);
    expect(json.json().error.code).toBe('unsupported_media_type');
    const garbage = await whip('POST', WHIP, { key: streamKey, type: 'application/sdp', body: 'hello' });
    expect(garbage.status).toBe(400);
    expect(garbage.json().error.code).toBe('invalid_sdp');
    expect((await whip('POST', WHIP, { key: streamKey, type: 'application/sdp', body: offer(1, { fingerprint: false }) })).status).toBe(400);

    const tooMany = await whip('POST', WHIP, { key: streamKey, type: 'application/sdp', body: offer(2) });
    expect(tooMany.status).toBe(406);
    expect(tooMany.json().error).toMatchObject({ code: 'too_many_tracks' });
  });

  it('does not start the room for an offer it refuses', async () => {
    const { owner, roomId, streamKey } = await roomWithIngest('whip-no-start');
    await whip('POST', WHIP, { key: streamKey, type: 'application/sdp', body: offer(2) });
    const room = await api('GET', `/organizations/${owner.organizationId}/rooms/${roomId}`, { token: owner.token });
    expect(room.body.status).toBe('idle');
  });

  it('answers 503 with Retry-After when no media node can take the room, and shows the error on the room', async () => {
    const { owner, roomId, streamKey } = await roomWithIngest('whip-no-node');
    const res = await whip('POST', WHIP, { key: streamKey, type: 'application/sdp', body: offer() });
    expect(res.status).toBe(503);
    expect(res.json().error.code).toBe('media_unavailable');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const settings = await api('GET', `/organizations/${owner.organizationId}/rooms/${roomId}/ingest`, { token: owner.token });
    expect(settings.body).toMatchObject({ state: 'idle', lastError: expect.stringContaining('No media node') });
  });

  it('answers 404 on unknown session URLs and 405 to methods a session does not take', async () => {
    const { roomId } = await roomWithIngest('whip-sessions');
    const url = `${WHIP}/${roomId}/${'x'.repeat(43)}`;
    expect((await whip('DELETE', url)).status).toBe(404);
    const frag = 'a=ice-ufrag:ErZQ\r\na=ice-pwd:5ur2uojuTrgCEo1ISXiwNtLN\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=candidate:1 1 udp 2113937151 192.0.2.1 5000 typ host\r\n';
    expect((await whip('PATCH', url, { type: 'application/trickle-ice-sdpfrag', body: frag })).status).toBe(404);
    expect((await whip('PATCH', url, { type: 'application/sdp', body: frag })).status).toBe(415);
    const get = await whip('GET', url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('PATCH, DELETE, OPTIONS');
    const options = await whip('OPTIONS', url);
    expect(options.status).toBe(204);
    expect(options.headers.get('accept-patch')).toBe('application/trickle-ice-sdpfrag');
  });
});

describe('RTMP ingest, the Worker side (what a node holding an encoder asks over the fleet socket)', () => {
  const broker = () => new RtmpBroker(env as unknown as Env, loadConfig(env as unknown as Env), () => {});
  const authorize = (streamKey: string) => broker().handle('node-rtmp-test', { type: 'ingest.rtmp.authorize', requestId: crypto.randomUUID(), streamKey });

  it("authorizes a room's key with its plan's bitrate cap, and refuses wrong keys and plans without ingest", async () => {
    const { owner, streamKey } = await roomWithIngest('rtmp-authorize');
    expect(await authorize(streamKey)).toMatchObject({ ok: true, maxBitrateKbps: 6_000 });
    await setPlan(owner, 'business');
    expect(await authorize(streamKey)).toMatchObject({ ok: true, maxBitrateKbps: 8_000 });

    expect(await authorize(`${streamKey.slice(0, -1)}${streamKey.endsWith('x') ? 'y' : 'x'}`)).toMatchObject({ ok: false, error: { code: 'invalid_stream_key' } });
    await setPlan(owner, 'starter');
    expect(await authorize(streamKey)).toMatchObject({ ok: false, error: { code: 'plan_limit' } });
  });

  it("shows an encoder's problem as the ingest state's last error", async () => {
    const { owner, roomId, streamKey } = await roomWithIngest('rtmp-problem');
    const message = 'The encoder sends 9000 kbps; the limit is 6000 kbps';
    await broker().handle('node-rtmp-test', { type: 'ingest.rtmp.problem', streamKey, code: 'bitrate_too_high', message });
    const shown = await api('GET', `/organizations/${owner.organizationId}/rooms/${roomId}/ingest`, { token: owner.token });
    expect(shown.body).toMatchObject({ lastError: message, lastErrorCode: 'bitrate_too_high' });
  });
});
