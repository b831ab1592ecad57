// The RoomDO media relay against a node socket opened from the test (the scripted TestNode):
// placement on join, grants, ownership, producer announcements, node events, failover, room end.
import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_REQUEST_TIMEOUT_MS } from '@roomcast/schema/protocol';
import type { Tenant } from './api-client.ts';
import { unique } from './api-client.ts';
import type { Env } from '../src/env.ts';
import { fleetStub } from '../src/fleet/fleet-do.ts';
import { roomOnNode, TestNode } from './fleet-test-node.ts';
import { join, liveRoom, roomTenant, socketAnswer, stubFor, type RoomSocket } from './room-client.ts';

let tenant: Tenant;
beforeAll(async () => {
  tenant = await roomTenant('media');
});
// Rooms are placed on the global FleetDO: no test may leave a node behind for the next one.
afterEach(() => TestNode.closeAll());


const rtpParameters = { mid: '0', codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 1111 }] };
const dtlsParameters = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'CC:DD' }] };

/** A room on a fresh node: the host joined, the node dialed in, media is ready. */

async function publish(socket: RoomSocket) {
  const transport = await socketAnswer(socket, 'media.createTransport', { direction: 'send' });
  expect(transport).toMatchObject({ ok: true, data: { id: expect.any(String), iceCandidates: [expect.any(Object)] } });
  expect(await socketAnswer(socket, 'media.connectTransport', { transportId: transport.data.id, dtlsParameters })).toMatchObject({ ok: true });
  const produced = await socketAnswer(socket, 'media.produce', { transportId: transport.data.id, kind: 'video', rtpParameters, source: 'camera' });
  expect(produced).toMatchObject({ ok: true, data: { id: expect.any(String) } });
  return { transportId: transport.data.id as string, producerId: produced.data.id as string };
}

describe('room media relay', () => {
  it('gets a node on the first join, answers capabilities from it, and tells late joiners the status and producers', async () => {
    const node = await TestNode.register({ nodeId: unique('a-node') });
    const { room, host } = await roomOnNode(tenant, node);
    expect(host.socket.received.map((m) => m.type)).toContain('media.producers');
    const caps = await socketAnswer(host.socket, 'media.capabilities');
    expect(caps).toMatchObject({ ok: true, data: { routerRtpCapabilities: { codecs: [{ mimeType: 'video/VP8' }] } } });
    const { producerId } = await publish(host.socket);
    const added = await host.socket.next('media.producer_added');
    expect(added.producer).toEqual({ producerId, identity: host.identity, kind: 'video', source: 'camera', paused: false });

    const viewer = await join(room, { role: 'viewer' });
    expect(await viewer.socket.next('media.status')).toMatchObject({ state: 'ready' });
    expect((await viewer.socket.next('media.producers')).producers).toEqual([added.producer]);
    const listed = await socketAnswer(viewer.socket, 'media.producers');
    expect(listed.data.producers).toHaveLength(1);
    // What the node was asked, with the owner and source it needs.
    expect(node.requests.find((r) => r.type === 'request' && r.method === 'transport.produce')).toMatchObject({ data: { identity: host.identity, source: 'camera' } });
    node.close();
  });

  it("publishes a clip's picture and sound as 'video' and 'video_audio', and refuses a source whose kind does not match", async () => {
    const node = await TestNode.register({ nodeId: unique('a-node') });
    const { host } = await roomOnNode(tenant, node);
    const { transportId } = await publish(host.socket);
    const opus = { mid: '1', codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 2222 }] };
    const clip = await socketAnswer(host.socket, 'media.produce', { transportId, kind: 'video', rtpParameters: { ...rtpParameters, mid: '2', encodings: [{ ssrc: 3333 }] }, source: 'video' });
    expect(clip).toMatchObject({ ok: true });
    const sound = await socketAnswer(host.socket, 'media.produce', { transportId, kind: 'audio', rtpParameters: opus, source: 'video_audio' });
    expect(sound).toMatchObject({ ok: true });
    const added = await host.socket.next((m) => m.type === 'media.producer_added' && m.producer.producerId === sound.data.id);
    expect(added.producer).toMatchObject({ kind: 'audio', source: 'video_audio' });
    // A source says what the track is (players mix audio sources, lay out video ones): no mix-ups.
    for (const [kind, source] of [['video', 'video_audio'], ['audio', 'video'], ['video', 'microphone'], ['audio', 'camera']] as const) {
      const refused = await socketAnswer(host.socket, 'media.produce', { transportId, kind, rtpParameters: kind === 'audio' ? opus : rtpParameters, source });
      expect(refused, `${kind} as ${source}`).toMatchObject({ ok: false, error: { code: 'invalid_message', message: expect.stringContaining(`A ${source} producer carries`) } });
    }
    const produced = node.requests.filter((r) => r.type === 'request' && r.method === 'transport.produce');
    // The refused ones never reached the node: camera, clip, clip sound.
    expect(produced.map((r) => (r as { data: { source: string } }).data.source)).toEqual(['camera', 'video', 'video_audio']);
    node.close();
  });

  it('lets only roles with the publish grant send, and validates every request', async () => {
    const node = await TestNode.register({ nodeId: unique('a-node') });
    const { room } = await roomOnNode(tenant, node);
    for (const role of ['viewer', 'moderator'] as const) {
      const { socket } = await join(room, { role });
      expect(await socketAnswer(socket, 'media.createTransport', { direction: 'send' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const recv = await socketAnswer(socket, 'media.createTransport', { direction: 'recv' });
      expect(recv.ok).toBe(true);
      expect(await socketAnswer(socket, 'media.produce', { transportId: recv.data.id, kind: 'video', rtpParameters, source: 'camera' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    const cohost = await join(room, { role: 'cohost' });
    await publish(cohost.socket);

    const { socket } = await join(room, { role: 'viewer' });
    expect(await socketAnswer(socket, 'media.createTransport', { direction: 'sideways' })).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    expect(await socketAnswer(socket, 'media.createTransport')).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    expect(await socketAnswer(socket, 'media.setPreferredLayers', { consumerId: 'c', spatialLayer: 9 })).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    expect(await socketAnswer(socket, 'media.teleport', {})).toMatchObject({ ok: false, error: { code: 'not_found' } });
    node.close();
  });

  it('lets a client touch only its own transports and consumers, and consume any producer', async () => {
    const node = await TestNode.register({ nodeId: unique('a-node') });
    const { room, host } = await roomOnNode(tenant, node);
    const { transportId: hostTransport, producerId } = await publish(host.socket);
    const alice = await join(room, { role: 'viewer' });
    const bob = await join(room, { role: 'viewer' });
    expect(await socketAnswer(bob.socket, 'media.connectTransport', { transportId: hostTransport, dtlsParameters })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await socketAnswer(bob.socket, 'media.pause', { producerId })).toMatchObject({ ok: false, error: { code: 'not_found' } });

    const recv = await socketAnswer(alice.socket, 'media.createTransport', { direction: 'recv' });
    expect(await socketAnswer(alice.socket, 'media.consume', { transportId: recv.data.id, producerId: 'nope', rtpCapabilities: {} })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await socketAnswer(alice.socket, 'media.consume', { transportId: hostTransport, producerId, rtpCapabilities: {} })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const consumed = await socketAnswer(alice.socket, 'media.consume', { transportId: recv.data.id, producerId, rtpCapabilities: { codecs: [] } });
    expect(consumed).toMatchObject({ ok: true, data: { producerId, kind: 'video', id: expect.any(String) } });
    const consumerId = consumed.data.id as string;
    expect(await socketAnswer(bob.socket, 'media.resume', { consumerId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await socketAnswer(alice.socket, 'media.resume', { consumerId })).toMatchObject({ ok: true });
    expect(await socketAnswer(alice.socket, 'media.setPreferredLayers', { consumerId, spatialLayer: 1 })).toMatchObject({ ok: true });
    expect(await socketAnswer(alice.socket, 'media.restartIce', { transportId: recv.data.id })).toMatchObject({ ok: true, data: { iceParameters: { usernameFragment: 'u2' } } });

    // The publisher mutes: everyone sees the producer paused.
    expect(await socketAnswer(host.socket, 'media.pause', { producerId })).toMatchObject({ ok: true });
    expect((await bob.socket.next('media.producer_updated')).producer).toMatchObject({ producerId, paused: true });

    // The node closes the consumer (its producer went away): only its owner hears of it, everyone of the producer.
    const nodeRoom = node.rooms.get(room.roomId)!;
    nodeRoom.send({ type: 'consumer.closed', consumerId, producerId });
    nodeRoom.send({ type: 'producer.closed', producerId });
    expect(await alice.socket.next('media.consumer_closed')).toMatchObject({ consumerId, producerId });
    expect(await bob.socket.next('media.producer_closed')).toMatchObject({ producerId });
    await bob.socket.sync();
    expect(bob.socket.unreadOf('media.consumer_closed')).toEqual([]);
    expect((await socketAnswer(bob.socket, 'media.producers')).data.producers).toEqual([]);
    node.close();
  });

  it('relays scores to the owner of each producer and consumer only', async () => {
    const node = await TestNode.register({ nodeId: unique('a-node') });
    const { room, host } = await roomOnNode(tenant, node);
    const { producerId } = await publish(host.socket);
    const viewer = await join(room, { role: 'viewer' });
    const other = await join(room, { role: 'viewer' });
    const recv = await socketAnswer(viewer.socket, 'media.createTransport', { direction: 'recv' });
    const consumed = await socketAnswer(viewer.socket, 'media.consume', { transportId: recv.data.id, producerId, rtpCapabilities: {} });
    node.rooms.get(room.roomId)!.send({
      type: 'scores',
      producers: [{ producerId, score: 9 }],
      consumers: [{ consumerId: consumed.data.id, score: 7, producerScore: 9 }, { consumerId: 'unknown', score: 1, producerScore: 1 }],
    });
    expect(await host.socket.next('media.scores')).toEqual({ type: 'media.scores', producers: [{ producerId, score: 9 }] });
    expect(await viewer.socket.next('media.scores')).toEqual({ type: 'media.scores', consumers: [{ consumerId: consumed.data.id, score: 7, producerScore: 9 }] });
    await other.socket.sync();
    expect(other.socket.unreadOf('media.scores')).toEqual([]);
    node.close();
  });

  it('closes a departing participant’s transports on the node and announces their producers closed', async () => {
    const node = await TestNode.register({ nodeId: unique('a-node') });
    const { room, host } = await roomOnNode(tenant, node);
    const cohost = await join(room, { role: 'cohost' });
    const { transportId, producerId } = await publish(cohost.socket);
    cohost.socket.send({ type: 'leave' });
    expect(await host.socket.next((m) => m.type === 'media.producer_closed' && m.producerId === producerId)).toBeTruthy();
    await expect.poll(() => node.requests.some((r) => r.type === 'request' && r.method === 'transport.close' && (r.data as { transportId: string }).transportId === transportId)).toBe(true);
    node.close();
  });

  it('on losing its node, resets clients’ media, re-places on another node and keeps chat working', async () => {
    const first = await TestNode.register({ nodeId: unique('a-first') });
    const second = await TestNode.register({ nodeId: unique('z-second') });
    // Steady at 400 (a node that just rose by 400 would count as full: placement.ts joiningConsumers).
    second.load({ consumers: 400 });
    second.load({ consumers: 400 });
    // Placement must see the second node as loaded before the room is placed.
    const loadOf = async (nodeId: string) => (await fleetStub(env as unknown as Env).listNodes()).find((n) => n.nodeId === nodeId)?.load?.consumers;
    await expect.poll(() => loadOf(second.nodeId)).toBe(400);
    const { room, host } = await roomOnNode(tenant, first);
    const viewer = await join(room, { role: 'viewer' });
    await publish(host.socket);

    first.close(); // the node process dies: its room and fleet sockets drop
    expect(await viewer.socket.next('media.reset')).toMatchObject({ reason: 'node_lost' });
    expect(await viewer.socket.next((m) => m.type === 'media.producers' && m.producers.length === 0)).toBeTruthy();
    await second.acceptAssignment(room.roomId);
    expect(await viewer.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000)).toBeTruthy();

    // Chat and presence never noticed.
    viewer.socket.send({ type: 'chat.send', text: 'still here?' });
    expect(await host.socket.next('chat.message')).toMatchObject({ text: 'still here?' });
    // Media works again, on the new node.
    const { producerId } = await publish(host.socket);
    expect(producerId.startsWith(second.nodeId)).toBe(true);
    second.close();
  });

  // Nodes that send keepalives are found sooner by their silence (room-node-liveness.test.ts); the
  // probe is what finds an older node, or one whose timer runs while its requests hang.
  it('treats a node that stops answering as lost once the alarm probes it', async () => {
    const hung = await TestNode.register({ nodeId: unique('a-hung'), keepalive: false });
    const { room, host } = await roomOnNode(tenant, hung);
    const spare = await TestNode.register({ nodeId: unique('z-spare') });
    hung.silent = true;
    while (host.socket.unreadOf('media.status').length > 0) await host.socket.next('media.status');
    expect(await runDurableObjectAlarm(stubFor(room.roomId))).toBe(true);
    await expect.poll(() => hung.requests.some((r) => r.type === 'request' && r.method === 'router.capabilities')).toBe(true);
    // The probe times out after MEDIA_REQUEST_TIMEOUT_MS; then the room moves on.
    expect(await host.socket.next((m) => m.type === 'media.status' && m.state === 'placing', MEDIA_REQUEST_TIMEOUT_MS + 5000)).toBeTruthy();
    await spare.acceptAssignment(room.roomId);
    expect(await host.socket.next((m) => m.type === 'media.status' && m.state === 'ready', 8000)).toBeTruthy();
    // Handled once, although the socket the room gave up on also reports its close.
    await hung.rooms.get(room.roomId)!.closed;
    await host.socket.sync();
    expect(host.socket.received.filter((m) => m.type === 'media.reset')).toEqual([{ type: 'media.reset', reason: 'node_lost' }]);
    hung.close();
    spare.close();
  });

  it('when the room ends, tells the node to close the router and releases the room', async () => {
    const node = await TestNode.register({ nodeId: unique('a-node') });
    const { room, host } = await roomOnNode(tenant, node);
    host.socket.send({ type: 'room.end' });
    await host.socket.next('room.ended');
    await expect.poll(() => node.requests.some((r) => r.type === 'request' && r.method === 'router.close')).toBe(true);
    expect(await node.fleet.next((m) => m.type === 'room.release' && m.roomId === room.roomId)).toBeTruthy();
    node.close();
  });

  it('says media is unavailable when no node has capacity, and requests fail with unavailable', async () => {
    const room = await liveRoom(tenant);
    const host = await join(room, { role: 'host' });
    expect(await host.socket.next((m) => m.type === 'media.status' && m.state === 'unavailable', 8000)).toMatchObject({ error: 'no_media_capacity' });
    expect(await socketAnswer(host.socket, 'media.createTransport', { direction: 'send' })).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });
});
