// The BFF checks every API answer against its route's response shape (the real zod shapes from
// @roomcast/schema): a body that does not match becomes `bad_api_response`, never a page that
// renders `undefined`.
import { createServer } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiRequestError } from '../../src/server/api-error.ts';
import { BAD_API_RESPONSE, IgnoredBody, readApiResponse } from '../../src/server/api-response.ts';
import { MeResponse, PublicRoomResponse, RoomList, RoomStarted } from '../../src/server/api-responses.ts';

const ORG = '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const ROOM = {
  id: '0b8e6c1a-2f3d-4e5a-9b6c-7d8e9f0a1b2c',
  organizationId: ORG,
  workspaceId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  title: 'Morning call',
  slug: 'morning-call',
  visibility: 'public',
  recording: false,
  hlsAutoViewers: null,
  status: 'live',
  liveSessionId: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const SESSION = { id: ROOM.liveSessionId, roomId: ROOM.id, startedAt: '2026-01-01T00:00:00.000Z', endedAt: null };
const JOIN = { token: 'secret-room-token', signalingUrl: 'wss://api.example/api/v1/rooms/x/signal', role: 'owner', expiresAt: '2026-01-01T01:00:00.000Z' };

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function failure(promise: Promise<unknown>): Promise<ApiRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiRequestError);
  return error as ApiRequestError;
}

afterEach(() => vi.restoreAllMocks());

describe('API response validation', () => {
  it('passes a body that matches the route shape, and drops fields the shape does not name', async () => {
    const rooms = await readApiResponse('GET', `/organizations/${ORG}/rooms`, json({ rooms: [{ ...ROOM, internal: 'x' }] }), RoomList);
    expect(rooms.rooms[0]).toEqual(ROOM);
    const started = await readApiResponse('POST', '/start', json({ room: ROOM, session: SESSION, join: JOIN }, 201), RoomStarted);
    expect(started.join.token).toBe('secret-room-token');
    const publicRoom = { roomId: ROOM.id, organizationId: ORG, title: 'Morning call', status: 'ended', visibility: 'members', brand: null };
    expect(await readApiResponse('GET', '/public/rooms/acme/morning', json(publicRoom), PublicRoomResponse)).toEqual(publicRoom);
  });

  it('turns a mismatching body into bad_api_response, logged with the route but not the body', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    // The user is missing its name and the room answer carries no join token.
    const me = { user: { id: ROOM.id, email: 'a@b.example', emailVerified: true, createdAt: ROOM.createdAt }, organizations: [] };
    const error = await failure(readApiResponse('GET', '/auth/me', json(me), MeResponse));
    expect(error).toMatchObject({ status: 502, code: BAD_API_RESPONSE });
    expect(error.message).toMatch(/something went wrong/i);
    expect(error.message).not.toContain('user');

    const started = { room: ROOM, session: SESSION, join: { ...JOIN, token: undefined } };
    await failure(readApiResponse('POST', `/organizations/${ORG}/rooms/${ROOM.id}/start`, json(started), RoomStarted));
    expect(log).toHaveBeenCalledTimes(2);
    const [firstLine, firstIssues] = log.mock.calls[0]!;
    expect(firstLine).toContain('GET /auth/me');
    expect(firstIssues).toEqual([expect.stringContaining('user.name')]);
    const logged = JSON.stringify(log.mock.calls[1]);
    expect(logged).toContain(`POST /organizations/${ORG}/rooms/${ROOM.id}/start`);
    expect(logged).toContain('join.token');
    expect(logged).not.toContain('secret-room-token');
  });

  it('refuses a wrong type, a value outside an enum, a non-JSON body and a 204 where a body was due', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const bodies = [
      json({ rooms: { ...ROOM } }),
      json({ rooms: [{ ...ROOM, status: 'paused' }] }),
      new Response('<html>gateway</html>', { status: 200 }),
      new Response(null, { status: 204 }),
    ];
    for (const body of bodies) {
      expect((await failure(readApiResponse('GET', '/organizations/x/rooms', body, RoomList))).code).toBe(BAD_API_RESPONSE);
    }
  });

  it('reads nothing from an answer the caller ignores', async () => {
    expect(await readApiResponse('DELETE', '/organizations/x/rooms/y', new Response(null, { status: 204 }), IgnoredBody)).toBeUndefined();
    expect(await readApiResponse('POST', '/auth/logout', json({ anything: 1 }), IgnoredBody)).toBeUndefined();
  });

  it("keeps the API's own error answer, and a plain http_error when the error body is not the API's", async () => {
    const details = [{ path: 'title', message: 'required' }];
    const invalid = await failure(readApiResponse('POST', '/x', json({ error: { code: 'invalid_input', message: 'title: required', details } }, 400), RoomList));
    expect(invalid).toMatchObject({ status: 400, code: 'invalid_input', message: 'title: required', details });
    expect(invalid.fieldErrors()).toEqual({ title: 'required' });
    const proxy = await failure(readApiResponse('GET', '/x', new Response('Bad gateway', { status: 502 }), RoomList));
    expect(proxy).toMatchObject({ status: 502, code: 'http_error', message: 'The API answered 502' });
  });
});

describe('the BFF client', () => {
  it('checks the answer of a real HTTP call against the shape the caller names', async () => {
    const answers: Record<string, unknown> = { '/api/v1/organizations/o/rooms': { rooms: [ROOM] }, '/api/v1/auth/me': { user: null, organizations: [] } };
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answers[req.url ?? '']));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    vi.stubEnv('API_URL', `http://127.0.0.1:${port}`);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const { api } = await import('../../src/server/api.ts');
      expect((await api.get('/organizations/o/rooms', RoomList, { token: null })).rooms).toEqual([ROOM]);
      expect((await failure(api.get('/auth/me', MeResponse, { token: null }))).code).toBe(BAD_API_RESPONSE);
    } finally {
      vi.unstubAllEnvs();
      server.close();
    }
  });
});
