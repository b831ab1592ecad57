// Presence across drops, eviction and reconnects; usage rows in Postgres; the empty-room alarm;
// ending the room; the plan's viewers-per-room limit.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRESENCE_FANOUT_LIMIT } from '../src/rooms/realtime/presence-broadcast.ts';
import { api, signUp, type Tenant } from './api-client.ts';
import { connect, join, liveRoom, participantRows, roomSession, roomTenant, roomToken, stubFor, upgrade } from './room-client.ts';
import { waitFor } from '../../schema/test/support/wait.ts';

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('presence');
});

/** Moves the room's clock-based state into the past, as if `ms` had gone by. */
async function age(roomId: string, ms: number) {
  await runInDurableObject(stubFor(roomId), (_instance, state) => {
    state.storage.sql.exec('UPDATE participants SET disconnected_at = disconnected_at - ? WHERE disconnected_at IS NOT NULL', ms);
    state.storage.sql.exec('UPDATE room_meta SET empty_since = empty_since - ? WHERE empty_since IS NOT NULL', ms);
  });
}

describe('room presence', () => {
  it('writes one participant session row per presence, with join and leave times', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host', name: 'Hana' });
    const viewer = await join(room, { name: 'Vic' });
    const rows = await waitFor('two rows', async () => {
      const r = await participantRows(room);
      return r.length === 2 ? r : undefined;
    });
    expect(rows.find((r) => r.identity === viewer.identity)).toMatchObject({ name: 'Vic', role: 'viewer', roomSessionId: room.sessionId, leftAt: null });
    viewer.socket.close(1000, 'leave');
    expect(await host.socket.next('participant.left')).toMatchObject({ identity: viewer.identity, reason: 'left' });
    const closed = await waitFor('left_at', async () => (await participantRows(room)).find((r) => r.identity === viewer.identity && r.leftAt));
    expect(closed.leftAt!.getTime()).toBeGreaterThanOrEqual(closed.joinedAt.getTime());
  });

  it('keeps everything across eviction: hibernated sockets keep working and state survives', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const viewer = await join(room);
    host.socket.send({ type: 'moderation.slow_mode', seconds: 7 });
    host.socket.send({ type: 'alert.post', kind: 'info', text: 'pinned before eviction', pin: true });
    host.socket.send({ type: 'chat.send', text: 'before eviction' });
    await viewer.socket.next((m) => m.type === 'chat.message');
    await evictDurableObject(stubFor(room.roomId));
    viewer.socket.send({ type: 'chat.send', text: 'after eviction' });
    expect((await host.socket.next((m) => m.type === 'chat.message' && m.text === 'after eviction')).author.identity).toBe(viewer.identity);
    const late = await join(room);
    expect(late.welcome.participants).toHaveLength(3);
    expect(late.welcome.room.slowModeSeconds).toBe(7);
    expect(late.welcome.pinnedAlerts.map((a: { text: string }) => a.text)).toEqual(['pinned before eviction']);
    expect(late.welcome.chat.messages.map((m: { text: string }) => m.text)).toEqual(['before eviction', 'after eviction']);
  });

  it('resumes a dropped participant within the window: same identity, no left/joined events, no new row', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const viewer = await join(room);
    await host.socket.next('participant.joined');
    await waitFor('rows', async () => ((await participantRows(room)).length === 2 ? true : undefined));
    viewer.socket.close(4100, 'network blip');
    await viewer.socket.closed();
    await evictDurableObject(stubFor(room.roomId));
    const again = await join(room, { identity: viewer.identity }, viewer.welcome.resumeId);
    expect(again.welcome).toMatchObject({ resumed: true, resumeId: viewer.welcome.resumeId, self: { identity: viewer.identity } });
    await host.socket.sync();
    expect(host.socket.unreadOf('participant.left')).toHaveLength(0);
    expect(host.socket.unreadOf('participant.joined')).toHaveLength(0);
    const rows = await participantRows(room);
    expect(rows.filter((r) => r.identity === viewer.identity)).toHaveLength(1);
    expect(rows.find((r) => r.identity === viewer.identity)!.leftAt).toBeNull();
  });

  it('lets a dropped participant leave when the resume window runs out (alarm)', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const viewer = await join(room);
    viewer.socket.close(4100, 'gone');
    await viewer.socket.closed();
    await host.socket.sync();
    expect(host.socket.unreadOf('participant.left')).toHaveLength(0);
    await age(room.roomId, 10 * 60_000);
    expect(await runDurableObjectAlarm(stubFor(room.roomId))).toBe(true);
    expect(await host.socket.next('participant.left')).toMatchObject({ identity: viewer.identity, reason: 'timeout' });
    await waitFor('left_at', async () => (await participantRows(room)).find((r) => r.identity === viewer.identity && r.leftAt));
    const late = await join(room, { identity: viewer.identity }, viewer.welcome.resumeId);
    expect(late.welcome.resumed).toBe(false);
  });

  it('refuses an expired token on reconnect, at the upgrade and in hello', async () => {
    const room = await liveRoom(tenant);
    const viewer = await join(room);
    viewer.socket.close(4100, 'drop');
    await viewer.socket.closed();
    const expired = await roomToken(room, { identity: viewer.identity, ttlSeconds: -60 });
    expect((await upgrade(room.roomId, expired)).status).toBe(401);
    const socket = await connect(room.roomId, await roomToken(room, { identity: viewer.identity }));
    socket.send({ type: 'hello', protocol: 1, token: expired, resumeId: viewer.welcome.resumeId });
    expect((await socket.error('token_expired')).message).toMatch(/expired/);
    expect((await socket.closed()).code).toBe(1008);
  });

  it('closes a room that stays empty: alarm ends the session, later hellos get room_ended', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    host.socket.send({ type: 'leave' });
    expect((await host.socket.closed()).code).toBe(1000);
    await waitFor('left_at', async () => (await participantRows(room)).find((r) => r.leftAt));
    expect(await runDurableObjectAlarm(stubFor(room.roomId))).toBe(true);
    expect((await roomSession(room)).endedAt).toBeNull();
    await age(room.roomId, 60 * 60_000);
    await runDurableObjectAlarm(stubFor(room.roomId));
    expect((await roomSession(room)).endedAt).not.toBeNull();
    await expect(join(room, { role: 'host' })).rejects.toThrow(/room_ended/);
  });

  it('ends the room from the REST end route: everyone is told and closed, every row gets left_at', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const viewer = await join(room);
    const res = await api('POST', `/organizations/${tenant.organizationId}/rooms/${room.roomId}/end`, { token: tenant.token });
    expect(res.status).toBe(200);
    for (const p of [host, viewer]) {
      expect(await p.socket.next('room.ended')).toMatchObject({ reason: 'ended' });
      expect((await p.socket.closed()).code).toBe(1000);
    }
    await waitFor('all rows closed', async () => {
      const rows = await participantRows(room);
      return rows.length === 2 && rows.every((r) => r.leftAt) ? rows : undefined;
    });
  });

  it('replaces an older presence of the same identity that comes back without its resumeId', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const first = await join(room);
    const second = await join(room, { identity: first.identity });
    expect((await first.socket.closed()).code).toBe(4001);
    expect(await host.socket.next('participant.left')).toMatchObject({ identity: first.identity, reason: 'replaced' });
    expect(second.welcome.resumed).toBe(false);
    const rows = await waitFor('two rows for the identity', async () => {
      const r = (await participantRows(room)).filter((x) => x.identity === first.identity);
      return r.length === 2 && r.some((x) => x.leftAt) ? r : undefined;
    });
    expect(rows.filter((r) => !r.leftAt)).toHaveLength(1);
  });

  it('enforces the plan viewers-per-room limit at admission with room_full (Starter: 50)', async () => {
    const starter = await signUp('room-full');
    const room = await liveRoom(starter);
    const viewers = [];
    for (let batch = 0; batch < 5; batch++) viewers.push(...(await Promise.all(Array.from({ length: 10 }, () => join(room)))));
    const token = await roomToken(room);
    const extra = await connect(room.roomId, token);
    extra.send({ type: 'hello', protocol: 1, token });
    expect((await extra.error('room_full')).message).toMatch(/Starter plan allows 50 viewers per room/);
    expect((await extra.closed()).code).toBe(1008);
    const host = await join(room, { role: 'host' });
    expect(host.welcome.participants).toHaveLength(51);
    viewers[0]!.socket.send({ type: 'leave' });
    await host.socket.next('participant.left');
    await join(room);
  });

  it('tells everyone the participant count: with each join and leave, and in a large room as presence.count', async () => {
    const room = await liveRoom(tenant); // Enterprise: no viewer limit
    const host = await join(room, { role: 'host' });
    const first = await join(room);
    expect(await host.socket.next('participant.joined')).toMatchObject({ participantCount: 2 });
    for (let batch = 0; batch < PRESENCE_FANOUT_LIMIT / 20; batch++) await Promise.all(Array.from({ length: 20 }, () => join(room)));
    // Past the limit, a viewer is no longer told of each join, but learns the count.
    const total = PRESENCE_FANOUT_LIMIT + 3;
    await join(room);
    await first.socket.next((m) => m.type === 'presence.count' && m.participantCount === total, 5000);
    // Told of the joins of participants 3 to PRESENCE_FANOUT_LIMIT, none after.
    expect(first.socket.received.filter((m) => m.type === 'participant.joined')).toHaveLength(PRESENCE_FANOUT_LIMIT - 2);
    const leaver = await join(room);
    leaver.socket.send({ type: 'leave' });
    await first.socket.next((m) => m.type === 'presence.count' && m.participantCount === total, 5000);
  });
});
