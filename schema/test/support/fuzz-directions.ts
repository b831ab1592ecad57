// The six socket directions as fuzz-frames.ts frame spaces: the valid frames each receiver meets,
// minus the frames whose documented answer is to end the conversation (a participant's `leave`,
// the node's `router.close`, a terminal error or `room.ended` toward a client), which would stop
// the barrage rather than test it. Ids name nothing that exists, so valid frames are no-ops or
// `not_found`, never a change to the object the test checks afterwards.
import { MAX_FRAME_BYTES, MAX_NODE_FRAME_BYTES, MEDIA_METHODS, NODE_REQUESTS, type NodeMethod } from '../../src/protocol/index.ts';
import type { FrameSpace } from './fuzz-frames.ts';

const rtpParameters = { mid: '0', codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 1 }] };
const rtpCapabilities = { codecs: [{ kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }], headerExtensions: [] };
const dtlsParameters = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB' }] };
const participant = { identity: 'guest:fz', name: 'Fz', role: 'viewer', handRaised: false, mutedByModerator: false, joinedAt: '2026-01-01T00:00:00Z' };
const author = { identity: 'guest:fz', name: 'Fz' };
const alert = { id: 1, kind: 'buy', text: 'go', symbol: 'BTC', price: 1, pinned: false, author, postedAt: '2026-01-01T00:00:00Z' };

/** Browser or bot -> RoomDO, as a joined viewer (moderation and room.end answer `forbidden`). */
export const CLIENT_TO_ROOM: FrameSpace = {
  maxBytes: MAX_FRAME_BYTES,
  // The room speaks text: binary frames are refused.
  binary: true,
  templates: [
    { type: 'ping', ts: 1 },
    { type: 'hello', protocol: 1, token: 'x' },
    { type: 'chat.send', text: 'hi', clientId: 'fz' },
    { type: 'chat.delete', messageId: 1 },
    { type: 'chat.history', before: 10, limit: 5, id: 'fz-h' },
    { type: 'alert.post', kind: 'buy', text: 'go', symbol: 'BTC', price: 1 },
    { type: 'alert.pin', alertId: 1 },
    { type: 'alert.unpin', alertId: 1 },
    { type: 'hand.raise' },
    { type: 'hand.lower', identity: 'guest:fz' },
    { type: 'moderation.mute', identity: 'guest:fz' },
    { type: 'moderation.kick', identity: 'guest:fz', reason: 'fz' },
    { type: 'moderation.ban', identity: 'guest:fz' },
    { type: 'moderation.slow_mode', seconds: 3 },
    { type: 'moderation.chat', enabled: false },
    { type: 'room.end' },
    { type: 'request', id: 'fz-r', method: 'media.closeTransport', data: { transportId: 'fz-t' } },
    { type: 'request', id: 'fz-r', method: 'media.restartIce', data: { transportId: 'fz-t' } },
    { type: 'request', id: 'fz-r', method: 'media.consume', data: { transportId: 'fz-t', producerId: 'fz-p', rtpCapabilities } },
  ],
  methods: MEDIA_METHODS,
};

/** Media node -> RoomDO, after node.ready. */
export const NODE_TO_ROOM: FrameSpace = {
  maxBytes: MAX_NODE_FRAME_BYTES,
  binary: true,
  templates: [
    { type: 'node.ready', protocol: 1, nodeId: 'fz-node', rtpCapabilities, keepaliveMs: 1000 },
    { type: 'node.keepalive' },
    { type: 'response', id: 'fz-1', ok: true, data: { id: 'fz-t' } },
    { type: 'response', id: 'fz-2', ok: false, error: { code: 'not_found', message: 'no' } },
    { type: 'producer.closed', producerId: 'fz-p' },
    { type: 'transport.closed', transportId: 'fz-t' },
    { type: 'consumer.closed', consumerId: 'fz-c', producerId: 'fz-p' },
    { type: 'scores', producers: [{ producerId: 'fz-p', score: 5 }], consumers: [{ consumerId: 'fz-c', score: 5, producerScore: 5 }] },
  ],
};

/** Media node -> FleetDO, after node.register. */
export const NODE_TO_FLEET: FrameSpace = {
  maxBytes: MAX_NODE_FRAME_BYTES,
  binary: true,
  templates: [
    {
      type: 'node.register',
      protocol: 1,
      nodeId: 'fz-node',
      region: 'local',
      announcedAddress: '127.0.0.1',
      engine: 'embedded',
      workers: 1,
      capacity: { maxConsumers: 10, maxRouters: 10 },
      rooms: ['fz-room'],
    },
    { type: 'node.load', routers: 0, transports: 0, producers: 0, consumers: 0, cpu: 0.1, bitrateKbps: 0, state: 'serving' },
    { type: 'room.released', roomId: 'fz-room' },
  ],
};

/** FleetDO -> media node. room.assign names a port nobody listens on. */
export const FLEET_TO_NODE: FrameSpace = {
  maxBytes: MAX_NODE_FRAME_BYTES,
  binary: true,
  templates: [
    { type: 'node.registered', protocol: 1, heartbeatMs: 200 },
    { type: 'room.assign', roomId: 'fz-room', roomUrl: 'ws://127.0.0.1:1/fz', token: 'fz' },
    { type: 'room.release', roomId: 'fz-room' },
    { type: 'node.drain', draining: false },
    { type: 'error', code: 'internal', message: 'fz' },
  ],
};

/** Methods the node serves that neither end the room (router.close) nor allocate ports (transport.create). */
const NODE_FUZZ_METHODS = (Object.keys(NODE_REQUESTS) as NodeMethod[]).filter((m) => m !== 'router.close' && m !== 'transport.create');

/** RoomDO -> media node. */
export const ROOM_TO_NODE: FrameSpace = {
  maxBytes: MAX_NODE_FRAME_BYTES,
  binary: true,
  templates: [
    { type: 'request', id: 'fz-1', method: 'router.capabilities', data: {} },
    { type: 'request', id: 'fz-2', method: 'transport.connect', data: { transportId: 'fz-t', dtlsParameters } },
    { type: 'request', id: 'fz-3', method: 'transport.restartIce', data: { transportId: 'fz-t' } },
    { type: 'request', id: 'fz-4', method: 'transport.close', data: { transportId: 'fz-t' } },
    { type: 'request', id: 'fz-5', method: 'transport.produce', data: { transportId: 'fz-t', kind: 'video', rtpParameters, identity: 'fz', source: 'camera' } },
    { type: 'request', id: 'fz-6', method: 'transport.consume', data: { transportId: 'fz-t', producerId: 'fz-p', rtpCapabilities } },
    { type: 'request', id: 'fz-7', method: 'producer.pause', data: { producerId: 'fz-p' } },
    { type: 'request', id: 'fz-8', method: 'consumer.close', data: { consumerId: 'fz-c' } },
    { type: 'request', id: 'fz-9', method: 'consumer.setPreferredLayers', data: { consumerId: 'fz-c', spatialLayer: 1, temporalLayer: 0 } },
    { type: 'error', code: 'internal', message: 'fz' },
    { type: 'room.keepalive' },
  ],
  methods: NODE_FUZZ_METHODS,
};

/** RoomDO -> browser or bot, after welcome. No cap toward clients: "huge" is 64 KiB. */
export const ROOM_TO_CLIENT: FrameSpace = {
  maxBytes: 64 * 1024,
  // The room sends text; a browser drops binary frames, a bot (ws) reads them as text.
  binary: true,
  templates: [
    { type: 'pong', ts: 1, serverTime: 2 },
    { type: 'participant.joined', participant, participantCount: 2 },
    { type: 'participant.left', identity: 'guest:fz', reason: 'left', participantCount: 1 },
    { type: 'presence.count', participantCount: 3 },
    { type: 'participant.updated', participant },
    { type: 'chat.message', id: 1, author, role: 'viewer', text: 'hi', sentAt: '2026-01-01T00:00:00Z' },
    { type: 'chat.deleted', messageId: 1, by: 'guest:fz' },
    { type: 'chat.history', messages: [], hasMore: false },
    { type: 'alert.posted', alert },
    { type: 'alert.unpinned', alertId: 1 },
    { type: 'room.updated', room: { roomId: 'fz-room', sessionId: null, chatEnabled: true, slowModeSeconds: 0 } },
    { type: 'media.producers', producers: [{ producerId: 'fz-p', identity: 'guest:fz', kind: 'video', source: 'camera', paused: false }] },
    { type: 'media.producer_closed', producerId: 'fz-p' },
    { type: 'media.consumer_closed', consumerId: 'fz-c', producerId: 'fz-p' },
    { type: 'media.scores', producers: [{ producerId: 'fz-p', score: 5 }] },
    { type: 'media.status', state: 'ready' },
    { type: 'error', code: 'rate_limited', message: 'fz' },
    { type: 'response', id: 'fz-unknown', ok: true, data: {} },
  ],
};
