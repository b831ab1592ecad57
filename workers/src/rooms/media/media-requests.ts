// Clients' media requests (`request` frames on the room socket), one handler per method in a
// table typed from MEDIA_REQUESTS: a handler that answers the wrong shape does not compile. Each
// request gets exactly one `response`.
import { isMediaMethod, MAX_MEDIA_REQUESTS_IN_FLIGHT, parseMediaRequest, type MediaMethod, type MediaRequestData, type MediaResult, type NodeMethod, type NodeRequestData, type NodeResult, type RequestFrame, type RtpCapabilities, type ServerMessage, ProtocolError } from '@roomcast/schema/protocol';
import { hasGrant } from '../realtime/moderation.ts';
import { send, type Joined } from '../realtime/connection.ts';
import type { ViewerSeat } from './edges.ts';
import type { MediaGate } from './media-gate.ts';
import { toProducer, type MediaStore } from './media-store.ts';

/** What the handlers work with; MediaRelay provides it. */
export interface MediaServices {
  store: MediaStore;
  gate: MediaGate;
  /** The ready node socket; waits while placing. */
  ready(): Promise<WebSocket>;
  /** Asks a node: the origin (null, waiting for it while placing) or that edge. */
  call<M extends NodeMethod>(method: M, data: NodeRequestData<M>, nodeId: string | null): Promise<NodeResult<M>>;
  /** Tells a node, if it is connected, without waiting for its answer. */
  notify<M extends NodeMethod>(method: M, data: NodeRequestData<M>, nodeId: string | null): void;
  /** The node for a participant's receive transport (edges.ts). */
  seatViewer(identity: string, mayPublish: boolean): Promise<ViewerSeat>;
  /** The producer is available on that edge (piped from the origin once). */
  ensurePiped(producerId: string, edgeNodeId: string): Promise<void>;
  /** An origin producer paused, resumed or closed: its copies on edges follow. */
  producerChanged(producerId: string, change: 'pause' | 'resume' | 'close'): void;
  /** The participant still has a joined socket. */
  present(identity: string): boolean;
  broadcast(message: ServerMessage): void;
  dropTransport(transportId: string): void;
  dropProducer(producerId: string): void;
}

type Handler<M extends MediaMethod> = (data: MediaRequestData<M>, att: Joined) => Promise<MediaResult<M>>;
export type MediaHandlers = { [M in MediaMethod]: Handler<M> };

/** Methods served without a live session: what is published is no secret before Go live. */
const WITHOUT_LIVE_SESSION: ReadonlySet<MediaMethod> = new Set<MediaMethod>(['media.producers']);

export class MediaRequests {
  readonly #handlers: MediaHandlers;

  constructor(private readonly media: MediaServices) {
    this.#handlers = mediaHandlers(media);
  }

  /** A `request` frame from a joined client: answered with exactly one `response`. */
  async handle(ws: WebSocket, att: Joined, frame: RequestFrame): Promise<void> {
    const release = this.media.gate.reserveRequest(att.identity);
    if (!release) {
      const message = `At most ${MAX_MEDIA_REQUESTS_IN_FLIGHT} media requests may wait for answers at once`;
      return send(ws, { type: 'response', id: frame.id, ok: false, error: { code: 'rate_limited', message } });
    }
    try {
      if (!isMediaMethod(frame.method)) throw new ProtocolError('not_found', `Unknown method "${frame.method}"`);
      const parsed = parseMediaRequest(frame.method, frame.data);
      if (!parsed.ok) throw new ProtocolError('invalid_message', parsed.message);
      const data = await this.#serve(parsed.request, att);
      send(ws, { type: 'response', id: frame.id, ok: true, data });
    } catch (error) {
      const failure = error instanceof ProtocolError ? error : new ProtocolError('internal', 'The media request failed');
      if (!(error instanceof ProtocolError)) console.error('media: request failed', error);
      send(ws, { type: 'response', id: frame.id, ok: false, error: { code: failure.code, message: failure.message } });
    } finally {
      release();
    }
  }

  async #serve<M extends MediaMethod>(request: { method: M; data: MediaRequestData<M> }, att: Joined): Promise<MediaResult<M>> {
    if (!WITHOUT_LIVE_SESSION.has(request.method)) await this.media.gate.requireLive();
    return this.#handlers[request.method](request.data, att);
  }
}

function mediaHandlers(media: MediaServices): MediaHandlers {
  const { store, gate } = media;
  const pauseOrResume =
    (action: 'pause' | 'resume'): Handler<'media.pause' | 'media.resume'> =>
    async (data, att) => {
      if ('consumerId' in data) {
        const consumer = gate.own('consumer', data.consumerId, att.identity);
        return media.call(`consumer.${action}`, { consumerId: data.consumerId }, consumer.node_id);
      }
      const producerId = data.producerId;
      // Muting a muted producer changes nothing: no node call, and no frame to every socket.
      if ((gate.own('producer', producerId, att.identity).paused === 1) === (action === 'pause')) return {};
      gate.spendPublishChange(att.identity);
      await media.call(`producer.${action}`, { producerId }, null);
      media.producerChanged(producerId, action);
      store.setPaused(producerId, action === 'pause');
      const row = store.get(producerId);
      if (row) media.broadcast({ type: 'media.producer_updated', producer: toProducer(row) });
      return {};
    };

  return {
    'media.producers': async () => ({ producers: store.producers() }),
    'media.capabilities': async () => {
      await media.ready();
      return { routerRtpCapabilities: JSON.parse(store.node.rtp_capabilities ?? '{}') as RtpCapabilities };
    },
    'media.createTransport': async ({ direction }, att) => {
      const me = att.identity;
      if (direction === 'send') gate.requirePublish(att);
      return gate.holding('transport', me, async () => {
        // Sending is always to the origin; receiving may be on an edge once the origin is full.
        const seat = direction === 'send' ? undefined : await media.seatViewer(me, hasGrant(att.role, 'publish'));
        const nodeId = seat?.nodeId ?? null;
        try {
          const created = await media.call('transport.create', { direction, owner: me }, nodeId);
          // Left (or kicked) while the node was creating it: onLeft could not close what the room
          // did not know yet, so it would live on the node until the room ends. Close it now.
          if (!media.present(me)) {
            media.notify('transport.close', { transportId: created.id }, nodeId);
            throw new ProtocolError('not_found', 'You left the room before the transport was ready');
          }
          store.addTransport(created.id, me, direction, nodeId);
          return created;
        } finally {
          seat?.release();
        }
      });
    },
    'media.connectTransport': async (data, att) => {
      const transport = gate.own('transport', data.transportId, att.identity);
      return media.call('transport.connect', data, transport.node_id);
    },
    'media.restartIce': async (data, att) => {
      const transport = gate.own('transport', data.transportId, att.identity);
      return media.call('transport.restartIce', data, transport.node_id);
    },
    'media.closeTransport': async (data, att) => {
      const transport = gate.own('transport', data.transportId, att.identity);
      await media.call('transport.close', data, transport.node_id);
      media.dropTransport(data.transportId);
      return {};
    },
    'media.produce': async (data, att) => {
      const me = att.identity;
      gate.requirePublish(att);
      gate.requireOnStage(att);
      gate.requireProgramGrant(att, data.source);
      gate.requireSourceKind(data.kind, data.source);
      const transport = gate.own('transport', data.transportId, me);
      if (transport.direction !== 'send') throw new ProtocolError('invalid_message', 'Produce on a send transport');
      gate.spendPublishChange(me);
      return gate.holding('producer', me, async () => {
        const { transportId, kind, rtpParameters, source, paused } = data;
        const produced = await media.call('transport.produce', { transportId, kind, rtpParameters, paused, identity: me, source }, null);
        store.addProducer(produced.id, me, transportId, kind, source, paused ?? false);
        // Sent backstage while the node was producing: the producer must not reach anyone.
        try {
          gate.requireOnStage(att);
        } catch (error) {
          media.notify('producer.close', { producerId: produced.id }, null);
          media.dropProducer(produced.id);
          throw error;
        }
        const row = store.get(produced.id);
        if (row) media.broadcast({ type: 'media.producer_added', producer: toProducer(row) });
        return produced;
      });
    },
    'media.consume': async (data, att) => {
      const me = att.identity;
      const transport = gate.own('transport', data.transportId, me);
      if (transport.direction !== 'recv') throw new ProtocolError('invalid_message', 'Consume on a recv transport');
      const producer = store.get(data.producerId);
      if (producer?.kind !== 'producer') throw new ProtocolError('not_found', `No producer ${data.producerId} in this room`);
      const nodeId = transport.node_id;
      return gate.holding('consumer', me, async () => {
        if (nodeId !== null) await media.ensurePiped(producer.id, nodeId);
        const consumed = await media.call('transport.consume', data, nodeId);
        store.addConsumer(consumed.id, me, data.transportId, producer.id, consumed.kind, nodeId);
        return consumed;
      });
    },
    'media.pause': pauseOrResume('pause'),
    'media.resume': pauseOrResume('resume'),
    'media.setPreferredLayers': async (data, att) => {
      const consumer = gate.own('consumer', data.consumerId, att.identity);
      return media.call('consumer.setPreferredLayers', data, consumer.node_id);
    },
    'media.closeProducer': async (data, att) => {
      gate.own('producer', data.producerId, att.identity);
      gate.spendPublishChange(att.identity);
      await media.call('producer.close', data, null);
      media.dropProducer(data.producerId);
      return {};
    },
    'media.closeConsumer': async (data, att) => {
      const consumer = gate.own('consumer', data.consumerId, att.identity);
      await media.call('consumer.close', data, consumer.node_id);
      store.remove(data.consumerId);
      return {};
    },
  };
}
