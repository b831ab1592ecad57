// A room larger than one node: past `viewersPerNode` viewers on the origin, the room asks FleetDO
// for an edge node and puts further viewers there. Each producer a viewer on an edge consumes is
// piped to that edge once (origin pipe.consume -> edge pipe.produce with the same producer id,
// every simulcast layer, over one SRTP pipe transport pair per edge), never once per viewer.
// Publishers (anyone with the publish grant) stay on the origin. An edge lost resets only its
// viewers, who land on another node when they rebuild; the origin lost takes the edges with it
// (MediaRelay re-places the room and viewers rebuild, re-piping on demand).
import { CLOSE_CODES, MEDIA_REQUEST_TIMEOUT_MS, type NodeMethod, type NodeRequestData, type NodeResult, type ServerMessage, ProtocolError } from '@roomcast/schema/protocol';
import type { FleetConfig } from '../../config.ts';
import type { Env } from '../../env.ts';
import { fleetStub } from '../../fleet/fleet-do.ts';
import { closeSocket } from '../realtime/connection.ts';
import type { MediaStore, PipeLinkRow } from './media-store.ts';
import type { NodeEvent, NodeLink } from './node-link.ts';
import { chooseViewerNode } from './viewer-seats.ts';

export interface EdgesHost {
  roomId(): string | null;
  /** Asks the origin (waiting for it while the room is placed). */
  originCall<M extends NodeMethod>(method: M, data: NodeRequestData<M>): Promise<NodeResult<M>>;
  /** Tells the origin, if there is one, without waiting. */
  originNotify<M extends NodeMethod>(method: M, data: NodeRequestData<M>): void;
  sendTo(identity: string, message: ServerMessage): void;
}

/** Where a viewer's receive transports go, held until their transport is recorded. */
export interface ViewerSeat {
  /** The edge node, or null for the origin. */
  nodeId: string | null;
  release(): void;
}

interface EdgeWaiter {
  nodeId: string;
  resolve(): void;
}

export class Edges {
  /** Seats handed out whose transport the node has not created yet, per node (null: origin). */
  readonly #pendingSeats = new Map<string | null, number>();
  /** The edge placement in flight, if any: concurrent viewers wait for the same one. */
  #placing: Promise<string | null> | undefined;
  readonly #waiters = new Set<EdgeWaiter>();
  /** Pipings in flight, by `${edge} ${producer}`: concurrent consumers wait for the same one. */
  readonly #piping = new Map<string, Promise<void>>();
  /** Pipe pairs being set up, by edge: producers piped at once share one pair. */
  readonly #linking = new Map<string, Promise<PipeLinkRow>>();
  /** Edge nodes this room lost: never asked for again by this room object. */
  readonly #lost = new Set<string>();

  constructor(
    private readonly env: Env,
    private readonly config: Pick<FleetConfig, 'viewersPerNode' | 'maxEdges'>,
    private readonly store: MediaStore,
    private readonly link: NodeLink,
    private readonly host: EdgesHost,
  ) {}

  /**
   * The node for a participant's receive transport: where their other receive transports are;
   * the origin for publishers and while it has seats; else an edge with seats, placing a new edge
   * when all are full. A failed edge placement puts the viewer on the origin (over its share)
   * rather than refusing them.
   */
  async seatViewer(identity: string, mayPublish: boolean): Promise<ViewerSeat> {
    const existing = this.store.viewerNode(identity);
    const choice = chooseViewerNode({
      existing,
      existingConnected: typeof existing === 'string' && this.link.edgeSocket(existing) !== undefined,
      mayPublish,
      viewers: this.#viewersPerNode(),
      edges: this.#edgeIds(),
      ...this.config,
    });
    if (!('placeEdge' in choice)) return this.#seat(choice.nodeId);
    return this.#seat((await this.#placeEdge()) ?? choice.fallback);
  }

  /** Asks an edge node; `unavailable` when it is not connected (lost meanwhile). */
  call<M extends NodeMethod>(nodeId: string, method: M, data: NodeRequestData<M>): Promise<NodeResult<M>> {
    const ws = this.link.edgeSocket(nodeId);
    if (!ws) return Promise.reject(new ProtocolError('unavailable', 'The media node serving you was lost; rebuild after media.reset'));
    return this.link.request(ws, method, data);
  }

  notify<M extends NodeMethod>(nodeId: string, method: M, data: NodeRequestData<M>): void {
    const ws = this.link.edgeSocket(nodeId);
    if (ws) this.link.notify(ws, method, data);
  }

  /** Makes the producer available on the edge (once per producer per edge). */
  ensurePiped(producerId: string, edgeNodeId: string): Promise<void> {
    if (this.store.isPiped(edgeNodeId, producerId)) return Promise.resolve();
    const key = `${edgeNodeId} ${producerId}`;
    let piping = this.#piping.get(key);
    if (!piping) {
      piping = this.#pipe(producerId, edgeNodeId).finally(() => this.#piping.delete(key));
      this.#piping.set(key, piping);
    }
    return piping;
  }

  /** A producer on the origin paused, resumed or closed: its copies on the edges follow. */
  producerChanged(producerId: string, change: 'pause' | 'resume' | 'close'): void {
    for (const edge of this.store.edgesOf(producerId)) {
      this.notify(edge, `producer.${change}`, { producerId });
      if (change === 'close') this.store.dropPipedProducer(edge, producerId);
    }
  }

  /** An edge node said node.ready. */
  ready(nodeId: string): void {
    this.#lost.delete(nodeId);
    for (const w of this.#waiters) {
      if (w.nodeId !== nodeId) continue;
      this.#waiters.delete(w);
      w.resolve();
    }
  }

  /** What an edge reports about its objects (participants' ones go through the relay as usual). */
  edgeEvent(nodeId: string, message: NodeEvent): 'handled' | 'relay' {
    switch (message.type) {
      case 'producer.closed':
        // The copy of an origin producer; the origin's own close is what viewers are told about.
        this.store.dropPipedProducer(nodeId, message.producerId);
        return 'handled';
      case 'transport.closed': {
        const link = this.store.dropPipeLinkByPipe(message.transportId);
        if (!link) return 'relay';
        this.host.originNotify('pipe.close', { pipeId: link.origin_pipe_id });
        return 'handled';
      }
      default:
        return 'relay';
    }
  }

  /** What the origin reports about the pipes' ends: 'handled' when it was one. */
  originEvent(message: NodeEvent): 'handled' | 'relay' {
    if (message.type === 'consumer.closed') {
      // Nothing feeds the edge's copy any more (the producer closed, or the pipe did): it closes,
      // and with it the consumers there, whose owners are told.
      const piped = this.store.dropPipedByOriginConsumer(message.consumerId);
      if (!piped) return 'relay';
      this.notify(piped.edge_node_id, 'producer.close', { producerId: piped.producer_id });
      return 'handled';
    }
    if (message.type !== 'transport.closed') return 'relay';
    const link = this.store.dropPipeLinkByPipe(message.transportId);
    if (!link) return 'relay';
    this.notify(link.edge_node_id, 'pipe.close', { pipeId: link.edge_pipe_id });
    return 'handled';
  }

  /** An edge socket closed without the room asking: its viewers rebuild (elsewhere). */
  lost(nodeId: string): void {
    this.#lost.add(nodeId);
    const { identities, pipeLink } = this.store.clearEdge(nodeId);
    if (pipeLink) this.host.originNotify('pipe.close', { pipeId: pipeLink.origin_pipe_id });
    for (const identity of identities) this.host.sendTo(identity, { type: 'media.reset', reason: 'node_lost' });
    void this.#release(nodeId);
  }

  /** The origin went (lost, replaced) or the room ended: every edge lets go of the room. */
  dropAll(): void {
    for (const ws of this.link.edgeSockets()) {
      this.link.notify(ws, 'router.close', {});
      this.link.markClosing(ws);
      closeSocket(ws, CLOSE_CODES.normal, 'the room let go of this edge');
    }
    for (const w of this.#waiters) w.resolve();
    this.#waiters.clear();
    this.#pendingSeats.clear();
  }

  // ── Inside ─────────────────────────────────────────────────────────────────────

  #edgeIds(): string[] {
    return this.link.edgeSockets().map((ws) => (ws.deserializeAttachment() as { nodeId: string }).nodeId);
  }

  #viewersPerNode(): Map<string | null, number> {
    const viewers = this.store.viewersPerNode();
    for (const [node, n] of this.#pendingSeats) viewers.set(node, (viewers.get(node) ?? 0) + n);
    return viewers;
  }

  #seat(nodeId: string | null): ViewerSeat {
    this.#pendingSeats.set(nodeId, (this.#pendingSeats.get(nodeId) ?? 0) + 1);
    let released = false;
    return {
      nodeId,
      release: () => {
        if (released) return;
        released = true;
        const n = (this.#pendingSeats.get(nodeId) ?? 1) - 1;
        if (n > 0) this.#pendingSeats.set(nodeId, n);
        else this.#pendingSeats.delete(nodeId);
      },
    };
  }

  /** One more edge from FleetDO, ready to serve; null when none could be had in time. */
  #placeEdge(): Promise<string | null> {
    this.#placing ??= this.#askForEdge().finally(() => (this.#placing = undefined));
    return this.#placing;
  }

  async #askForEdge(): Promise<string | null> {
    const roomId = this.host.roomId();
    if (!roomId) return null;
    let placement;
    try {
      placement = await fleetStub(this.env).placeEdge(roomId, undefined, [...this.#lost]);
    } catch (error) {
      console.error('media: FleetDO unreachable for an edge', error);
      return null;
    }
    if ('error' in placement) {
      console.warn(`media: no edge node for room ${roomId} (${placement.error}); viewers stay on the nodes it has`);
      return null;
    }
    const { nodeId } = placement;
    if (this.link.edgeSocket(nodeId)) return nodeId;
    const arrived = await new Promise<boolean>((resolve) => {
      const waiter: EdgeWaiter = { nodeId, resolve: () => (clearTimeout(timer), resolve(true)) };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        resolve(false);
      }, MEDIA_REQUEST_TIMEOUT_MS);
      this.#waiters.add(waiter);
    });
    if (arrived && this.link.edgeSocket(nodeId)) return nodeId;
    console.warn(`media: edge ${nodeId} did not dial room ${roomId} in time`);
    void this.#release(nodeId);
    return null;
  }

  async #pipe(producerId: string, edgeNodeId: string): Promise<void> {
    const link = this.store.pipeLink(edgeNodeId) ?? (await this.#pipeLink(edgeNodeId));
    const piped = await this.host.originCall('pipe.consume', { pipeId: link.origin_pipe_id, producerId });
    try {
      const { consumerId: _consumerId, ...producer } = piped;
      await this.call(edgeNodeId, 'pipe.produce', { pipeId: link.edge_pipe_id, ...producer });
    } catch (error) {
      this.host.originNotify('consumer.close', { consumerId: piped.consumerId });
      throw error;
    }
    this.store.addPipedProducer(edgeNodeId, producerId, piped.consumerId);
  }

  #pipeLink(edgeNodeId: string): Promise<PipeLinkRow> {
    let linking = this.#linking.get(edgeNodeId);
    if (!linking) {
      linking = this.#connectPipes(edgeNodeId).finally(() => this.#linking.delete(edgeNodeId));
      this.#linking.set(edgeNodeId, linking);
    }
    return linking;
  }

  /** The SRTP pipe transport pair between the origin and the edge, each connected to the other. */
  async #connectPipes(edgeNodeId: string): Promise<PipeLinkRow> {
    const [originEnd, edgeEnd] = await Promise.allSettled([
      this.host.originCall('pipe.create', { enableSrtp: true }),
      this.call(edgeNodeId, 'pipe.create', { enableSrtp: true }),
    ]);
    if (originEnd.status === 'rejected' || edgeEnd.status === 'rejected') {
      if (originEnd.status === 'fulfilled') this.host.originNotify('pipe.close', { pipeId: originEnd.value.pipeId });
      if (edgeEnd.status === 'fulfilled') this.notify(edgeNodeId, 'pipe.close', { pipeId: edgeEnd.value.pipeId });
      throw originEnd.status === 'rejected' ? originEnd.reason : (edgeEnd as PromiseRejectedResult).reason;
    }
    const o = originEnd.value;
    const e = edgeEnd.value;
    const connected = Promise.all([
      this.host.originCall('pipe.connect', { pipeId: o.pipeId, ip: e.ip, port: e.port, ...(e.srtpParameters ? { srtpParameters: e.srtpParameters } : {}) }),
      this.call(edgeNodeId, 'pipe.connect', { pipeId: e.pipeId, ip: o.ip, port: o.port, ...(o.srtpParameters ? { srtpParameters: o.srtpParameters } : {}) }),
    ]);
    await connected.catch((error: unknown) => {
      this.host.originNotify('pipe.close', { pipeId: o.pipeId });
      this.notify(edgeNodeId, 'pipe.close', { pipeId: e.pipeId });
      throw error;
    });
    const link = { edge_node_id: edgeNodeId, origin_pipe_id: o.pipeId, edge_pipe_id: e.pipeId };
    this.store.addPipeLink(link);
    return link;
  }

  async #release(nodeId: string): Promise<void> {
    const roomId = this.host.roomId();
    if (!roomId) return;
    await fleetStub(this.env)
      .releaseEdge(roomId, nodeId)
      .catch((e: unknown) => console.error('media: edge release failed', e));
  }
}
