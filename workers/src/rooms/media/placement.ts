// Getting the room a media node: ask FleetDO (never the node lost last), wait for the chosen node
// to dial in and say node.ready, and fail whoever waits when it does not come. Requests made
// while placing wait here instead of failing at once.
import { MEDIA_REQUEST_TIMEOUT_MS, type MediaState, ProtocolError } from '@roomcast/schema/protocol';
import type { Env } from '../../env.ts';
import { fleetStub } from '../../fleet/fleet-do.ts';
import type { LiveSession } from './live-session.ts';
import { NOT_LIVE, notLive } from './live-session.ts';

export interface PlacementHost {
  roomId(): string | null;
  session: LiveSession;
  /** The ready node socket, if there is one. */
  nodeSocket(): WebSocket | undefined;
  /** Records the room's media state and tells every client. */
  setState(state: MediaState, error: string | null): void;
}

interface Waiter {
  resolve(ws: WebSocket): void;
  reject(error: ProtocolError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class Placement {
  readonly #waiters = new Set<Waiter>();
  /** A placement is in flight (FleetDO asked, node not ready yet). */
  #placing = false;
  #placingTimer: ReturnType<typeof setTimeout> | undefined;
  /** The node lost last, never chosen again by this room's next placement. */
  #lostNode: string | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly host: PlacementHost,
  ) {}

  get placing(): boolean {
    return this.#placing;
  }

  /** Places in the background; `what` names the attempt in the log when it fails. */
  start(what: string): void {
    this.ctx.waitUntil(this.#place().catch((e: unknown) => console.error(`media: ${what} failed`, e)));
  }

  /** The ready node socket; waits while placing, at most MEDIA_REQUEST_TIMEOUT_MS. */
  ready(): Promise<WebSocket> {
    const node = this.host.nodeSocket();
    if (node) return Promise.resolve(node);
    return new Promise<WebSocket>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new ProtocolError('unavailable', 'Media is not available in this room right now; retry after media.status ready'));
        }, MEDIA_REQUEST_TIMEOUT_MS),
      };
      this.#waiters.add(waiter);
      if (!this.#placing) this.start('placement');
    });
  }

  /** The room's node was lost: the next placement avoids it. */
  nodeLost(nodeId: string): void {
    this.#lostNode = nodeId;
  }

  /** A node said node.ready: the placement is over and whoever waited gets it. */
  nodeReady(ws: WebSocket): void {
    this.#placing = false;
    clearTimeout(this.#placingTimer);
    this.#lostNode = undefined;
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.resolve(ws);
    }
    this.#waiters.clear();
  }

  async #place(): Promise<void> {
    const roomId = this.host.roomId();
    if (this.#placing || !roomId) return;
    this.#placing = true;
    this.host.setState('placing', null);
    const live = await this.host.session.isLive().catch((e: unknown) => (console.error('media: session check failed', e), undefined));
    if (!live) return this.#failed(live === false ? NOT_LIVE : 'session_check_failed');
    let result;
    try {
      result = await fleetStub(this.env).placeRoom(roomId, undefined, this.#lostNode);
    } catch (error) {
      console.error('media: FleetDO unreachable', error);
      result = { error: 'fleet_unreachable' as const };
    }
    if ('error' in result) {
      // The node lost last is avoided only while another node can take the room. With none, the
      // next attempt may choose it again: FleetDO offers it only once it is connected and reports
      // load again (a node that stalled and recovered; a dead one is gone from the fleet). Without
      // this a room whose only node stalled once stayed without media for good.
      if (result.error === 'no_media_capacity') this.#lostNode = undefined;
      return this.#failed(result.error);
    }
    // FleetDO told the node; it dials in and says node.ready (nodeReady ends the placement).
    clearTimeout(this.#placingTimer);
    this.#placingTimer = setTimeout(() => {
      if (this.#placing) this.#failed('node_timeout');
    }, MEDIA_REQUEST_TIMEOUT_MS);
  }

  #failed(error: string): void {
    this.#placing = false;
    clearTimeout(this.#placingTimer);
    this.host.setState('unavailable', error);
    const failure =
      error === NOT_LIVE
        ? notLive()
        : new ProtocolError('unavailable', error === 'no_media_capacity' ? 'No media node has capacity for this room right now' : `Media placement failed (${error})`);
    for (const w of this.#waiters) {
      clearTimeout(w.timer);
      w.reject(failure);
    }
    this.#waiters.clear();
  }
}
