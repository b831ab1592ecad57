// Big rooms, the rest of a viewer's life on a fan-out shard: media signaling through the shard,
// resuming after a drop, and the shard reaping sockets that went silent or never said hello.
// Same project settings as room-shards.test.ts: 2 sockets on the room, then 2 per shard.
import { env } from 'cloudflare:workers';
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '@roomcast/schema/protocol';
import type { Env } from '../src/env.ts';
import { shardName } from '../src/rooms/fanout/shard-link.ts';
import { unique, type Tenant } from './api-client.ts';
import { TestNode } from './fleet-test-node.ts';
import { connect, join, liveRoom, participantRows, roomTenant, roomToken, stubFor, socketAnswer, type Joined, type TestRoom } from './room-client.ts';
import { waitFor } from '../../schema/test/support/wait.ts';

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('shard-life');
});
// Rooms are placed on the project's FleetDO: no test may leave a node behind for the next one.
afterEach(() => TestNode.closeAll());

const shardStub = (roomId: string, index: number) => {
  const ns = (env as unknown as Env).ROOM_SHARD;
  return ns.get(ns.idFromName(shardName(roomId, index)));
};
const socketsHeldBy = (stub: DurableObjectStub) => runInDurableObject(stub, (_o, state) => state.getWebSockets().length);


/** A host and a viewer on the room (its 2 sockets), then two viewers on shard 0. */
async function bigRoom(): Promise<{ room: TestRoom; host: Joined; shard0: [Joined, Joined] }> {
  const room = await liveRoom(tenant);
  const host = await join(room, { role: 'host', name: 'Hana' });
  await join(room, { name: 'On the room' });
  const shard0: [Joined, Joined] = [await join(room, { name: 'S0 a' }), await join(room, { name: 'S0 b' })];
  expect(await socketsHeldBy(shardStub(room.roomId, 0))).toBe(2);
  return { room, host, shard0 };
}

/** What the test reads and rewrites of a shard socket's attachment. */
interface ShardSocketTimes {
  lastSeen: number;
  connectedAt: number;
  identity?: string;
}

/** Makes the shard's sockets look silent for `ms` (their attachments), then wakes it fresh so it reads them. */
async function silenceShard(roomId: string, index: number, ms: number, only?: (att: ShardSocketTimes) => boolean) {
  const stub = shardStub(roomId, index);
  await runInDurableObject(stub, (_o, state) => {
    for (const ws of state.getWebSockets()) {
      const att = ws.deserializeAttachment() as ShardSocketTimes | null;
      if (att && (!only || only(att))) ws.serializeAttachment({ ...att, lastSeen: att.lastSeen - ms, connectedAt: att.connectedAt - ms });
    }
  });
  await evictDurableObject(stub);
  return stub;
}

const rtpParameters = { mid: '0', codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 2222 }] };
const dtlsParameters = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'CC:DD' }] };

describe('a viewer on a fan-out shard', () => {
  it('gets the whole media flow through the shard: status, producers, its own transport and consumer, and only its own consumer events', async () => {
    const node = await TestNode.register({ nodeId: unique('shard-node') });
    const { room, host, shard0 } = await bigRoom();
    const [alice, bob] = shard0;
    await node.acceptAssignment(room.roomId);
    for (const j of [host, alice, bob]) await j.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000);

    const send = await socketAnswer(host.socket, 'media.createTransport', { direction: 'send' });
    await socketAnswer(host.socket, 'media.connectTransport', { transportId: send.data.id, dtlsParameters });
    const produced = await socketAnswer(host.socket, 'media.produce', { transportId: send.data.id, kind: 'video', rtpParameters, source: 'camera' });
    const producerId = produced.data.id as string;
    expect((await alice.socket.next('media.producer_added')).producer).toMatchObject({ producerId, identity: host.identity });

    const recv = await socketAnswer(alice.socket, 'media.createTransport', { direction: 'recv' });
    expect(recv).toMatchObject({ ok: true, data: { id: expect.any(String), iceCandidates: [expect.any(Object)] } });
    expect(await socketAnswer(alice.socket, 'media.connectTransport', { transportId: recv.data.id, dtlsParameters })).toMatchObject({ ok: true });
    const consumed = await socketAnswer(alice.socket, 'media.consume', { transportId: recv.data.id, producerId, rtpCapabilities: { codecs: [] } });
    expect(consumed).toMatchObject({ ok: true, data: { producerId, kind: 'video' } });
    const consumerId = consumed.data.id as string;
    // Ownership holds across the shard: another shard viewer cannot touch alice's transport or consumer.
    expect(await socketAnswer(bob.socket, 'media.resume', { consumerId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await socketAnswer(bob.socket, 'media.consume', { transportId: recv.data.id, producerId, rtpCapabilities: { codecs: [] } })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await socketAnswer(alice.socket, 'media.setPreferredLayers', { consumerId, spatialLayer: 0 })).toMatchObject({ ok: true });

    // The node closes alice's consumer: she hears of it through the shard, bob does not.
    const nodeRoom = node.rooms.get(room.roomId)!;
    nodeRoom.send({ type: 'consumer.closed', consumerId, producerId });
    expect(await alice.socket.next('media.consumer_closed')).toMatchObject({ consumerId, producerId });
    nodeRoom.send({ type: 'producer.closed', producerId });
    await bob.socket.next('media.producer_closed');
    expect(bob.socket.received.filter((m) => m.type === 'media.consumer_closed')).toEqual([]);
    node.close();
  });

  it('resumes after a drop within the window: same identity, no left/joined for staff, one session row', async () => {
    const { room, host, shard0 } = await bigRoom();
    const viewer = shard0[0];
    await waitFor('rows', async () => ((await participantRows(room)).length === 4 ? true : undefined));
    await host.socket.sync();
    const leftBefore = host.socket.unreadOf('participant.left').length;
    viewer.socket.close(4100, 'network blip');
    await viewer.socket.closed();
    await evictDurableObject(stubFor(room.roomId));
    const again = await join(room, { identity: viewer.identity }, viewer.welcome.resumeId);
    expect(again.welcome).toMatchObject({ resumed: true, resumeId: viewer.welcome.resumeId, self: { identity: viewer.identity } });
    // Back on the shard it left (the room still holds its own 2), and chat reaches it there.
    await waitFor('the viewer back on shard 0', async () => ((await socketsHeldBy(shardStub(room.roomId, 0))) === 2 ? true : undefined));
    host.socket.send({ type: 'chat.send', text: 'welcome back' });
    await again.socket.next((m) => m.type === 'chat.message' && m.text === 'welcome back');
    await host.socket.sync();
    expect(host.socket.unreadOf('participant.left')).toHaveLength(leftBefore);
    expect(host.socket.received.filter((m) => m.type === 'participant.joined' && m.participant.identity === viewer.identity)).toHaveLength(1);
    const rows = (await participantRows(room)).filter((r) => r.identity === viewer.identity);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.leftAt).toBeNull();
  });

  it('is dropped by the shard when it goes silent, and the room then lets it leave after the resume window', async () => {
    const { room, host, shard0 } = await bigRoom();
    const [silent, talking] = shard0;
    // Only the silent viewer's socket looks idle for 10 minutes; the other stays fresh.
    const stub = await silenceShard(room.roomId, 0, 10 * 60_000, (att) => att.identity === silent.identity);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await silent.socket.closed()).code).toBe(CLOSE_CODES.stale);
    expect(await socketsHeldBy(stub)).toBe(1);
    host.socket.send({ type: 'chat.send', text: 'still here?' });
    await talking.socket.next((m) => m.type === 'chat.message' && m.text === 'still here?');

    // The room was told: the viewer is disconnected (may still resume), and leaves when the window runs out.
    await host.socket.sync();
    expect(host.socket.unreadOf('participant.left').filter((m) => m.identity === silent.identity)).toHaveLength(0);
    await runInDurableObject(stubFor(room.roomId), (_o, state) => {
      state.storage.sql.exec('UPDATE participants SET disconnected_at = disconnected_at - ? WHERE disconnected_at IS NOT NULL', 10 * 60_000);
    });
    expect(await runDurableObjectAlarm(stubFor(room.roomId))).toBe(true);
    expect(await host.socket.next((m) => m.type === 'participant.left' && m.identity === silent.identity)).toMatchObject({ reason: 'timeout' });
    await waitFor('left_at', async () => (await participantRows(room)).find((r) => r.identity === silent.identity && r.leftAt));
  });

  it('closes a socket that never said hello once a heartbeat has passed', async () => {
    const { room } = await bigRoom();
    const quiet = await connect(room.roomId, await roomToken(room));
    await waitFor('the socket to be on shard 1', async () => ((await socketsHeldBy(shardStub(room.roomId, 1))) === 1 ? true : undefined));
    const stub = await silenceShard(room.roomId, 1, 10 * 60_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await quiet.error('hello_required');
    expect((await quiet.closed()).code).toBe(CLOSE_CODES.policy);
    expect(await socketsHeldBy(stub)).toBe(0);
  });
});
