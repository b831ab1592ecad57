// Big rooms: past ROOM_SHARD_AFTER_SOCKETS sockets (2 in this project, `workers-shards`), new
// viewers' sockets attach to fan-out shards (RoomShardDO, 2 sockets each here) and the room sends
// each event once per shard. Everything the room decides still holds for them: chat, moderation,
// limits, presence, media answers, error frames.
import { env, exports } from 'cloudflare:workers';
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../src/env.ts';
import { shardName } from '../src/rooms/fanout/shard-link.ts';
import { MAX_PENDING_PER_CLIENT } from '../src/rooms/realtime/pending-limit.ts';
import { waitFor } from '../../schema/test/support/wait.ts';
import { signUp, type Tenant } from './api-client.ts';
import { connect, join, liveRoom, roomTenant, roomToken, stubFor, type Joined, type RoomSocket, type TestRoom } from './room-client.ts';

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('shards');
});

const shardStub = (roomId: string, index: number) => {
  const ns = (env as unknown as Env).ROOM_SHARD;
  return ns.get(ns.idFromName(shardName(roomId, index)));
};
/** Sockets the runtime holds for an object (RoomDO also holds none for shard viewers). */
const socketsHeldBy = (stub: DurableObjectStub) => runInDurableObject(stub, (_o, state) => state.getWebSockets().length);
const roomSockets = (roomId: string) =>
  runInDurableObject(stubFor(roomId), (_o, state) => state.getWebSockets().filter((ws) => (ws.deserializeAttachment() as { media?: string } | null)?.media !== 'node').length);

/** A host and a viewer on RoomDO (its 2 sockets), then viewers on shard 0 (2) and shard 1. */
async function bigRoom(): Promise<{ room: TestRoom; host: Joined; own: Joined; shard0: Joined[]; shard1: Joined[] }> {
  const room = await liveRoom(tenant);
  const host = await join(room, { role: 'host', name: 'Hana' });
  const own = await join(room, { name: 'On the room' });
  const shard0 = [await join(room, { name: 'S0 a' }), await join(room, { name: 'S0 b' })];
  const shard1 = [await join(room, { name: 'S1 a' })];
  return { room, host, own, shard0, shard1 };
}

const chatTexts = (socket: RoomSocket) => socket.received.filter((m) => m.type === 'chat.message').map((m) => m.text as string);

describe('fan-out shards', () => {
  it('keeps the first sockets on the room, puts later viewers on shards, and keeps staff on the room', async () => {
    const { room } = await bigRoom();
    expect(await roomSockets(room.roomId)).toBe(2);
    expect(await socketsHeldBy(shardStub(room.roomId, 0))).toBe(2);
    expect(await socketsHeldBy(shardStub(room.roomId, 1))).toBe(1);
    await join(room, { role: 'moderator' });
    expect(await roomSockets(room.roomId)).toBe(3);
    expect(await socketsHeldBy(shardStub(room.roomId, 1))).toBe(1);
  });

  it('delivers chat from a shard socket to every socket, on the room and on every shard, exactly once and in order', async () => {
    const { host, own, shard0, shard1 } = await bigRoom();
    const everyone = [host, own, ...shard0, ...shard1].map((j) => j.socket);
    const texts = ['one', 'two', 'three', 'four', 'five'];
    for (const text of texts) shard0[1]!.socket.send({ type: 'chat.send', text });
    // Once the room has sent them all, a last message from the room's side: when it has arrived
    // everywhere, nothing earlier is still on its way (each shard applies the room's calls in order).
    await host.socket.next((m) => m.type === 'chat.message' && m.text === 'five');
    host.socket.send({ type: 'chat.send', text: 'last' });
    for (const socket of everyone) await socket.next((m) => m.type === 'chat.message' && m.text === 'last');
    for (const socket of everyone) expect(chatTexts(socket)).toEqual([...texts, 'last']);
    const authors = new Set(everyone.flatMap((s) => s.received.filter((m) => m.type === 'chat.message' && m.text === 'one').map((m) => m.author.identity)));
    expect([...authors]).toEqual([shard0[1]!.identity]);
  });

  it('keeps shard sockets working after the room is evicted', async () => {
    const { room, host, shard1 } = await bigRoom();
    await evictDurableObject(stubFor(room.roomId));
    shard1[0]!.socket.send({ type: 'chat.send', text: 'after eviction' });
    expect((await host.socket.next((m) => m.type === 'chat.message' && m.text === 'after eviction')).author.identity).toBe(shard1[0]!.identity);
    host.socket.send({ type: 'chat.send', text: 'back to the shard' });
    await shard1[0]!.socket.next((m) => m.type === 'chat.message' && m.text === 'back to the shard');
  });

  it('keeps a shard’s sockets working after the shard is evicted', async () => {
    const { room, host, shard0 } = await bigRoom();
    await evictDurableObject(shardStub(room.roomId, 0));
    host.socket.send({ type: 'chat.send', text: 'to a woken shard' });
    for (const viewer of shard0) await viewer.socket.next((m) => m.type === 'chat.message' && m.text === 'to a woken shard');
    shard0[0]!.socket.send({ type: 'chat.send', text: 'from a woken shard' });
    expect((await host.socket.next((m) => m.type === 'chat.message' && m.text === 'from a woken shard')).author.identity).toBe(shard0[0]!.identity);
  });

  it('closes a kicked or banned viewer’s shard socket, and a ban holds when they come back', async () => {
    const { room, host, shard0, shard1 } = await bigRoom();
    const kicked = shard0[0]!;
    host.socket.send({ type: 'moderation.kick', identity: kicked.identity, reason: 'spam' });
    expect((await kicked.socket.error('kicked')).message).toMatch(/spam/);
    expect((await kicked.socket.closed()).code).toBe(1008);
    expect(await host.socket.next('participant.left')).toMatchObject({ identity: kicked.identity, reason: 'kicked' });

    const banned = shard1[0]!;
    host.socket.send({ type: 'moderation.ban', identity: banned.identity });
    await banned.socket.error('banned');
    expect((await banned.socket.closed()).code).toBe(1008);
    const token = await roomToken(room, { identity: banned.identity });
    const again = await connect(room.roomId, token);
    again.send({ type: 'hello', protocol: 1, token });
    await again.error('banned');
    expect((await again.closed()).code).toBe(1008);
    // The room forgot the closed sockets: the shards' viewers it lists are those still there.
    const stored = await runInDurableObject(stubFor(room.roomId), (_o, state) => state.storage.sql.exec(`SELECT count(*) AS n FROM shard_sockets`).one().n);
    expect(stored).toBe(1);
  });

  it('aggregates presence: viewers get counts, moderators get each viewer, the welcome lists staff first', async () => {
    const { room, host, own, shard0 } = await bigRoom();
    const late = await join(room, { name: 'Late' });
    expect(await host.socket.next((m) => m.type === 'participant.joined' && m.participant.identity === late.identity)).toBeTruthy();
    await own.socket.next((m) => m.type === 'presence.count' && m.participantCount === 6);
    await shard0[0]!.socket.next((m) => m.type === 'presence.count' && m.participantCount === 6);
    expect(shard0[0]!.socket.received.filter((m) => m.type === 'participant.joined' && m.participant.identity === late.identity)).toHaveLength(0);
    expect(late.welcome.participantCount).toBe(6);
    expect(late.welcome.participants[0]).toMatchObject({ identity: host.identity, role: 'host' });
  });

  it('applies the room’s limits to shard sockets and answers each on its own socket', async () => {
    const { shard0, shard1 } = await bigRoom();
    const [chatty, quiet] = shard0 as [Joined, Joined];
    for (let i = 0; i < 11; i++) chatty.socket.send({ type: 'chat.send', text: `msg ${i}`, id: `c${i}` });
    expect(await chatty.socket.error('rate_limited')).toMatchObject({ id: 'c10' });
    // A media request from a shard socket: its answer (here a refusal) comes back to it, with its id.
    shard1[0]!.socket.send({ type: 'request', id: 'm1', method: 'media.createTransport', data: { direction: 'send' } });
    expect(await shard1[0]!.socket.next((m) => m.type === 'response' && m.id === 'm1', 12_000)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await quiet.socket.sync();
    expect(quiet.socket.received.filter((m) => m.type === 'error' || m.type === 'response')).toHaveLength(0);
  });

  it('counts shard viewers against the plan’s viewers per room (Starter: 50), across shards', async () => {
    const room = await liveRoom(await signUp('shards-full'));
    for (let batch = 0; batch < 5; batch++) await Promise.all(Array.from({ length: 10 }, () => join(room)));
    // 48 of the 50 viewers are on shards (2 each).
    expect(await socketsHeldBy(shardStub(room.roomId, 23))).toBe(2);
    const token = await roomToken(room);
    const extra = await connect(room.roomId, token);
    extra.send({ type: 'hello', protocol: 1, token });
    expect((await extra.error('room_full')).message).toMatch(/Starter plan allows 50 viewers per room/);
    expect((await extra.closed()).code).toBe(1008);
  });

  it('caps one client’s sockets waiting for hello across the room and its shards', async () => {
    const { room } = await bigRoom();
    const token = await roomToken(room);
    const from = (ip: string) =>
      exports.default.fetch(
        new Request(`http://roomcast.test/api/v1/rooms/${room.roomId}/signal?token=${encodeURIComponent(token)}`, { headers: { Upgrade: 'websocket', 'cf-connecting-ip': ip } }),
      );
    const opened: WebSocket[] = [];
    for (let i = 0; i < MAX_PENDING_PER_CLIENT; i++) {
      const res = await from('203.0.113.7');
      expect(res.status).toBe(101);
      res.webSocket!.accept();
      opened.push(res.webSocket!);
    }
    // Spread over several shards (2 sockets each here), yet counted together.
    expect(await socketsHeldBy(shardStub(room.roomId, 5))).toBe(2);
    const refused = await from('203.0.113.7');
    expect(refused.status).toBe(429);
    expect((await refused.json<any>()).error.code).toBe('rate_limited');
    expect((await from('203.0.113.8')).status).toBe(101);
    for (const ws of opened) ws.close();
  });

  it('answers bad frames on a shard socket with the same error frames as on the room', async () => {
    const { own, shard0 } = await bigRoom();
    const frames: (string | ArrayBuffer)[] = [
      '{not json',
      '[1,2,3]',
      '{"type":"teleport","id":"t1"}',
      new TextEncoder().encode('{"type":"ping"}').buffer as ArrayBuffer,
      '{"type":"chat.send"}',
      '{"type":"chat.history","limit":1000}',
      '{"type":"hello","protocol":1,"token":"x","id":"h1"}',
      JSON.stringify({ type: 'request', id: 'm2', method: 'media.teleport', data: {} }),
    ];
    const answers = async (socket: RoomSocket) => {
      const out: Record<string, any>[] = [];
      for (const frame of frames) {
        socket.sendRaw(frame);
        out.push(await socket.next((x) => x.type === 'error' || x.type === 'response'));
      }
      return out;
    };
    const onRoom = await answers(own.socket);
    expect(onRoom.map((m) => m.code ?? m.error?.code)).toEqual(['invalid_json', 'invalid_message', 'unknown_type', 'invalid_message', 'invalid_message', 'invalid_message', 'already_joined', 'not_found']);
    expect(await answers(shard0[0]!.socket)).toEqual(onRoom);
  });

  it('refuses frames before hello and a bad hello on a shard socket as the room does', async () => {
    const { room } = await bigRoom();
    const token = await roomToken(room);
    const socket = await connect(room.roomId, token);
    await waitFor('the socket to be on a shard', async () => (await socketsHeldBy(shardStub(room.roomId, 1))) === 2 || undefined);
    socket.send({ type: 'chat.send', text: 'before hello' });
    await socket.error('hello_required');
    socket.send({ type: 'hello', protocol: 1, token: 'not-a-token' });
    await socket.error('invalid_token');
    expect((await socket.closed()).code).toBe(1008);
  });
});
