// Chat: ordering under concurrent senders, history pages, de-duplication, rate and size limits,
// slow mode, chat off, mute and deletes.
import { evictDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from './api-client.ts';
import { join, liveRoom, roomTenant, stubFor } from './room-client.ts';

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('chat');
});

describe('room chat', () => {
  it('delivers messages from concurrent senders to everyone in one order, each sender in send order', async () => {
    const room = await liveRoom(tenant);
    const people = await Promise.all(Array.from({ length: 5 }, (_, i) => join(room, { role: i === 0 ? 'host' : 'viewer' })));
    const perSender = 8;
    for (let n = 0; n < perSender; n++) {
      for (const [i, p] of people.entries()) p.socket.send({ type: 'chat.send', text: `s${i}-m${n}` });
    }
    const total = people.length * perSender;
    const seen = await Promise.all(
      people.map(async (p) => {
        const got: { id: number; text: string }[] = [];
        for (let k = 0; k < total; k++) got.push((await p.socket.next('chat.message')) as unknown as { id: number; text: string });
        return got;
      }),
    );
    const reference = seen[0]!.map((m) => m.id);
    for (const s of seen) expect(s.map((m) => m.id)).toEqual(reference);
    expect([...reference].sort((a, b) => a - b)).toEqual(reference);
    for (let i = 0; i < people.length; i++) {
      const mine = seen[0]!.filter((m) => m.text.startsWith(`s${i}-`)).map((m) => m.text);
      expect(mine).toEqual(Array.from({ length: perSender }, (_, n) => `s${i}-m${n}`));
    }
  });

  it('pages history backwards by cursor and shows the latest page in the welcome', async () => {
    const room = await liveRoom(tenant);
    const senders = await Promise.all([join(room), join(room), join(room)]);
    const sent: string[] = [];
    for (let n = 0; n < 25; n++) {
      const s = senders[n % 3]!.socket;
      s.send({ type: 'chat.send', text: `line ${n}` });
      sent.push(`line ${n}`);
      await s.next((m) => m.type === 'chat.message' && m.text === `line ${n}`);
    }
    const reader = await join(room);
    expect(reader.welcome.chat.messages.map((m: { text: string }) => m.text)).toEqual(sent);
    const pages: string[][] = [];
    let before: number | undefined;
    for (;;) {
      reader.socket.send({ type: 'chat.history', id: `p${pages.length}`, limit: 10, ...(before ? { before } : {}) });
      const page = await reader.socket.next((m) => m.type === 'chat.history' && m.id === `p${pages.length}`);
      pages.push(page.messages.map((m: { text: string }) => m.text));
      if (!page.hasMore) break;
      before = page.messages[0].id;
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.reverse().flat()).toEqual(sent);
  });

  it('stores plain text, de-duplicates by clientId and refuses oversize text', async () => {
    const room = await liveRoom(tenant);
    const a = await join(room);
    const b = await join(room);
    a.socket.send({ type: 'chat.send', text: '  <b>hi</b>\u0007  ', clientId: 'c-1' });
    const first = await a.socket.next('chat.message');
    expect(first).toMatchObject({ text: '<b>hi</b>', clientId: 'c-1', author: { identity: a.identity }, role: 'viewer' });
    await b.socket.next('chat.message');
    a.socket.send({ type: 'chat.send', text: '<b>hi</b>', clientId: 'c-1' });
    expect((await a.socket.next('chat.message')).id).toBe(first.id);
    await b.socket.sync();
    expect(b.socket.unreadOf('chat.message')).toHaveLength(0);
    a.socket.send({ type: 'chat.send', text: 'x'.repeat(1001) });
    expect((await a.socket.error('invalid_message')).message).toMatch(/at most 1000 characters/);
  });

  it('rate-limits each participant with a clear error', async () => {
    const room = await liveRoom(tenant);
    const { socket } = await join(room);
    for (let n = 0; n < 11; n++) socket.send({ type: 'chat.send', text: `burst ${n}` });
    const error = await socket.error('rate_limited');
    expect(error.message).toMatch(/At most 10 messages per 10 seconds/);
    expect(socket.received.filter((m) => m.type === 'chat.message')).toHaveLength(10);
    const other = await join(room);
    other.socket.send({ type: 'chat.send', text: 'others are not limited' });
    await other.socket.next('chat.message');
  });

  it('enforces slow mode, chat off and mute for viewers but not for moderators', async () => {
    const room = await liveRoom(tenant);
    const mod = await join(room, { role: 'moderator' });
    const viewer = await join(room);
    mod.socket.send({ type: 'moderation.slow_mode', seconds: 30 });
    expect((await viewer.socket.next('room.updated')).room.slowModeSeconds).toBe(30);
    viewer.socket.send({ type: 'chat.send', text: 'one' });
    await viewer.socket.next('chat.message');
    viewer.socket.send({ type: 'chat.send', text: 'two' });
    expect((await viewer.socket.error('slow_mode')).message).toMatch(/one message every 30 s/);
    mod.socket.send({ type: 'chat.send', text: 'mods are exempt' });
    mod.socket.send({ type: 'chat.send', text: 'still exempt' });
    await mod.socket.next((m) => m.type === 'chat.message' && m.text === 'still exempt');
    mod.socket.send({ type: 'moderation.slow_mode', seconds: 0 });
    mod.socket.send({ type: 'moderation.chat', enabled: false });
    await viewer.socket.next((m) => m.type === 'room.updated' && m.room.chatEnabled === false);
    viewer.socket.send({ type: 'chat.send', text: 'off?' });
    await viewer.socket.error('chat_disabled');
    mod.socket.send({ type: 'moderation.chat', enabled: true });
    mod.socket.send({ type: 'moderation.mute', identity: viewer.identity });
    expect((await viewer.socket.next((m) => m.type === 'participant.updated' && m.participant.mutedByModerator)).participant.identity).toBe(viewer.identity);
    viewer.socket.send({ type: 'chat.send', text: 'muted?' });
    await viewer.socket.error('muted');
    mod.socket.send({ type: 'moderation.mute', identity: viewer.identity, muted: false });
    await viewer.socket.next((m) => m.type === 'participant.updated' && !m.participant.mutedByModerator);
    viewer.socket.send({ type: 'chat.send', text: 'back' });
    await viewer.socket.next((m) => m.type === 'chat.message' && m.text === 'back');
  });

  it('lets authors delete their own messages and moderators any message', async () => {
    const room = await liveRoom(tenant);
    const mod = await join(room, { role: 'moderator' });
    const a = await join(room);
    const b = await join(room);
    a.socket.send({ type: 'chat.send', text: 'mine' });
    const mine = await a.socket.next('chat.message');
    b.socket.send({ type: 'chat.delete', messageId: mine.id });
    await b.socket.error('forbidden');
    a.socket.send({ type: 'chat.delete', messageId: mine.id });
    expect(await mod.socket.next('chat.deleted')).toMatchObject({ messageId: mine.id, by: a.identity });
    b.socket.send({ type: 'chat.send', text: 'spam' });
    const spam = await mod.socket.next((m) => m.type === 'chat.message' && m.text === 'spam');
    mod.socket.send({ type: 'chat.delete', messageId: spam.id });
    expect(await b.socket.next((m) => m.type === 'chat.deleted' && m.messageId === spam.id)).toMatchObject({ by: mod.identity });
    mod.socket.send({ type: 'chat.delete', messageId: spam.id });
    await mod.socket.error('not_found');
    const late = await join(room);
    expect(late.welcome.chat.messages.map((m: { text: string }) => m.text)).toEqual([]);
    // The next message after the newest was deleted gets a new id, also once the room's object was
    // evicted: ids are never reused, so a history cursor or a delete never means two messages.
    await evictDurableObject(stubFor(room.roomId));
    late.socket.send({ type: 'chat.send', text: 'after' });
    const after = await mod.socket.next((m) => m.type === 'chat.message' && m.text === 'after');
    expect(after.id).toBeGreaterThan(spam.id);
  });

  it('posts, pins and unpins validated alerts; pinned ones arrive in the welcome', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    const viewer = await join(room);
    host.socket.send({ type: 'alert.post', kind: 'buy', text: 'Long here', symbol: 'aapl', price: 187.25, pin: true });
    const posted = await viewer.socket.next('alert.posted');
    expect(posted.alert).toMatchObject({ kind: 'buy', text: 'Long here', symbol: 'AAPL', price: 187.25, pinned: true });
    host.socket.send({ type: 'alert.post', kind: 'warning', text: 'Volatile open' });
    const second = (await viewer.socket.next('alert.posted')).alert;
    host.socket.send({ type: 'alert.pin', alertId: second.id });
    expect((await viewer.socket.next('alert.pinned')).alert.id).toBe(second.id);
    host.socket.send({ type: 'alert.unpin', alertId: posted.alert.id });
    expect((await viewer.socket.next('alert.unpinned')).alertId).toBe(posted.alert.id);
    const late = await join(room);
    expect(late.welcome.pinnedAlerts.map((a: { id: number }) => a.id)).toEqual([second.id]);
    host.socket.send({ type: 'alert.post', kind: 'sell', text: 'x', price: -1 });
    await host.socket.error('invalid_message');
    host.socket.send({ type: 'alert.post', kind: 'sell', text: 'x', symbol: 'NOT A TICKER' });
    await host.socket.error('invalid_message');
    host.socket.send({ type: 'alert.pin', alertId: 9999 });
    await host.socket.error('not_found');
  });
});
