// Files shared into a room's chat: a host in the room shares one of the organization's uploaded
// files (a reference in the message, never a link), everyone in the room fetches it through a
// short-lived presigned GET; viewers cannot share, people not in the room and files not shared in
// it get 404, and another tenant's file id is a 404 whoever asks.
import { describe, expect, it } from 'vitest';
import { api } from './api-client.ts';
import { uploadSmall } from './file-uploads.ts';
import { join, liveRoom, roomTenant, roomToken } from './room-client.ts';

const share = (roomId: string, token: string, fileId: string, text?: string) =>
  api('POST', `/rooms/${roomId}/files`, { body: { token, fileId, ...(text === undefined ? {} : { text }) } });
const download = (roomId: string, token: string, fileId: string) => api('POST', `/rooms/${roomId}/files/${fileId}/download`, { body: { token } });

describe('files in the room chat', () => {
  it('a host shares a file; everyone in the room gets its reference and downloads it by a short-lived URL; viewers cannot share', async () => {
    const tenant = await roomTenant('chat-files');
    const chart = await uploadSmall(tenant, 'open, high, low, close', 'levels.csv');
    const other = await uploadSmall(tenant, 'never shared', 'private.txt');
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host', name: 'Ada' });
    const viewer = await join(room, { role: 'viewer' });

    const shared = await share(room.roomId, host.token, chart.id, 'Levels for today');
    expect(shared.status).toBe(201);
    const reference = { id: chart.id, name: 'levels.csv', sizeBytes: 22, contentType: 'text/plain' };
    const got = await viewer.socket.next((m) => m.type === 'chat.message' && m.file !== undefined);
    expect(got).toMatchObject({ text: 'Levels for today', author: { identity: host.identity, name: 'Ada' }, role: 'host', file: reference });
    // No link in the chat: the message is the reference and nothing else.
    expect(JSON.stringify(got)).not.toContain('X-Amz');

    const answer = await download(room.roomId, viewer.token, chart.id);
    expect(answer.status).toBe(200);
    expect(Date.parse(answer.body.expiresAt) - Date.now()).toBeLessThan(3600_000);
    const bytes = await fetch(answer.body.url);
    expect(await bytes.text()).toBe('open, high, low, close');

    // Someone joining later sees it in the history.
    const late = await join(room);
    expect(late.welcome.chat.messages.at(-1).file).toEqual(reference);

    // A viewer may not share; a file of the organization not shared here is not downloadable.
    expect(await share(room.roomId, viewer.token, other.id)).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect((await download(room.roomId, viewer.token, other.id)).status).toBe(404);
    // A valid token for this room, but not in it (never joined): nothing.
    const outsider = await roomToken(room, { role: 'viewer' });
    expect((await download(room.roomId, outsider, chart.id)).status).toBe(404);
    expect(await share(room.roomId, await roomToken(room, { role: 'host' }), chart.id)).toMatchObject({ status: 409, body: { error: { code: 'not_in_room' } } });
    // Bad input: no token, a forged token, a malformed file id.
    expect((await api('POST', `/rooms/${room.roomId}/files`, { body: { fileId: chart.id } })).status).toBe(400);
    expect(await download(room.roomId, 'not-a-token', chart.id)).toMatchObject({ status: 401, body: { error: { code: 'invalid_room_token' } } });
    expect((await download(room.roomId, viewer.token, 'nope')).status).toBe(404);
    for (const p of [host, viewer, late]) p.socket.close();
  });

  it('another tenant\'s file id is a 404: it cannot be shared into a room, nor fetched through one', async () => {
    const [a, b] = await Promise.all([roomTenant('chat-files-a'), roomTenant('chat-files-b')]);
    const theirs = await uploadSmall(b, 'tenant b only', 'b.txt');
    const roomA = await liveRoom(a);
    const hostA = await join(roomA, { role: 'host' });
    expect(await share(roomA.roomId, hostA.token, theirs.id)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await download(roomA.roomId, hostA.token, theirs.id)).status).toBe(404);

    // Shared in B's room: a participant of A's room still cannot reach it, through either room.
    const roomB = await liveRoom(b);
    const hostB = await join(roomB, { role: 'host' });
    expect((await share(roomB.roomId, hostB.token, theirs.id)).status).toBe(201);
    expect((await download(roomA.roomId, hostA.token, theirs.id)).status).toBe(404);
    expect((await download(roomB.roomId, hostA.token, theirs.id)).status).toBe(401);
    for (const p of [hostA, hostB]) p.socket.close();
  });
});
