// Every room permission per role (from the one matrix, grantsFor), kick, ban, hands.
import { beforeAll, describe, expect, it } from 'vitest';
import { grantsFor, ROLES } from '@roomcast/schema';
import type { Tenant } from './api-client.ts';
import { join, liveRoom, roomTenant } from './room-client.ts';

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('moderation');
});

/** Waits for either the success frame or an error; returns which. */
async function outcome(socket: Awaited<ReturnType<typeof join>>['socket'], success: (m: any) => boolean) {
  const m = await socket.next((f) => success(f) || f.type === 'error');
  return m.type === 'error' ? m.code : 'ok';
}

describe('room permissions and moderation', () => {
  it.each(ROLES)('grants a %s exactly what the permission matrix says', async (role) => {
    const room = await liveRoom(tenant);
    const actor = await join(room, { role });
    const target = await join(room, { role: 'viewer' });
    const grants = grantsFor(role);
    const expectFor = (grant: string) => ((grants as string[]).includes(grant) ? 'ok' : 'forbidden');

    actor.socket.send({ type: 'chat.send', text: `hello from ${role}` });
    expect(await outcome(actor.socket, (m) => m.type === 'chat.message')).toBe(expectFor('chat'));
    actor.socket.send({ type: 'alert.post', kind: 'info', text: 'note' });
    expect(await outcome(actor.socket, (m) => m.type === 'alert.posted')).toBe(expectFor('alerts.post'));
    actor.socket.send({ type: 'moderation.slow_mode', seconds: 5 });
    expect(await outcome(actor.socket, (m) => m.type === 'room.updated')).toBe(expectFor('moderate'));
    actor.socket.send({ type: 'moderation.mute', identity: target.identity });
    expect(await outcome(actor.socket, (m) => m.type === 'participant.updated')).toBe(expectFor('moderate'));
    actor.socket.send({ type: 'hand.lower', identity: target.identity });
    expect(await outcome(actor.socket, (m) => m.type === 'participant.updated')).toBe(expectFor('moderate'));
    actor.socket.send({ type: 'moderation.kick', identity: target.identity });
    expect(await outcome(actor.socket, (m) => m.type === 'participant.left')).toBe(expectFor('moderate'));
    actor.socket.send({ type: 'room.end' });
    expect(await outcome(actor.socket, (m) => m.type === 'room.ended')).toBe(expectFor('room.end'));
    expect(actor.welcome.self.grants).toEqual(grants);
  });

  it('kicks: the target is told and closed with 1008, others see them leave, and they may come back', async () => {
    const room = await liveRoom(tenant);
    const mod = await join(room, { role: 'moderator' });
    const viewer = await join(room);
    mod.socket.send({ type: 'moderation.kick', identity: viewer.identity, reason: 'spam' });
    expect((await viewer.socket.error('kicked')).message).toMatch(/spam/);
    expect((await viewer.socket.closed()).code).toBe(1008);
    expect(await mod.socket.next('participant.left')).toMatchObject({ identity: viewer.identity, reason: 'kicked' });
    const back = await join(room, { identity: viewer.identity });
    expect(back.welcome.resumed).toBe(false);
  });

  it('bans for the session: the identity is refused until the room session ends', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const viewer = await join(room);
    host.socket.send({ type: 'moderation.ban', identity: viewer.identity });
    await viewer.socket.error('banned');
    expect((await viewer.socket.closed()).code).toBe(1008);
    await expect(join(room, { identity: viewer.identity })).rejects.toThrow(/banned/);
    host.socket.send({ type: 'moderation.ban', identity: 'guest:not-here-yet' });
    await host.socket.sync();
    await expect(join(room, { identity: 'guest:not-here-yet' })).rejects.toThrow(/banned/);
  });

  it('does not let a moderator act on a host or on themself', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const mod = await join(room, { role: 'moderator' });
    for (const type of ['moderation.kick', 'moderation.ban', 'moderation.mute'] as const) {
      mod.socket.send({ type, identity: host.identity });
      expect((await mod.socket.error('forbidden')).message).toMatch(/cannot moderate a host/);
    }
    mod.socket.send({ type: 'moderation.kick', identity: mod.identity });
    await mod.socket.error('forbidden');
    mod.socket.send({ type: 'moderation.kick', identity: 'guest:nobody' });
    await mod.socket.error('not_found');
  });

  it('raises and lowers hands', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const viewer = await join(room);
    viewer.socket.send({ type: 'hand.raise' });
    expect((await host.socket.next('participant.updated')).participant).toMatchObject({ identity: viewer.identity, handRaised: true });
    viewer.socket.send({ type: 'hand.lower', identity: host.identity });
    await viewer.socket.error('forbidden');
    host.socket.send({ type: 'hand.lower', identity: viewer.identity });
    expect((await viewer.socket.next((m) => m.type === 'participant.updated' && !m.participant.handRaised)).participant.identity).toBe(viewer.identity);
    const late = await join(room);
    expect(late.welcome.participants.find((p: { identity: string }) => p.identity === viewer.identity).handRaised).toBe(false);
  });
});
