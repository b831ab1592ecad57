// Liveness of a socket the node dialed (to FleetDO, to a RoomDO) from the node's side. A peer that
// vanished without a close (a partitioned VM, a NAT that dropped the flow) leaves the socket open
// for as long as TCP keeps retrying, minutes, in which the node would keep a room's router and
// recordings running for nobody, or never redial the fleet. The node sends NODE_KEEPALIVE on a
// timer; the Durable Object's runtime answers each one; a socket that carried nothing at all for
// `silentAfterMs` is taken for dead.
//
// The node's own event loop can stall too (a loaded embedded engine): a check that runs late may
// not have read what arrived meanwhile, so a late check never judges; the next one does.

export interface PeerSilenceOptions {
  /** How often to send the keepalive (and check). */
  everyMs: number;
  /** Nothing heard for this long: the peer is gone. */
  silentAfterMs: number;
  sendKeepalive(): void;
  /** Called once; the owner closes or redials. */
  onSilent(silentForMs: number): void;
  now?: () => number;
}

export class PeerSilence {
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #now: () => number;
  #heardAt: number;
  #checkedAt: number;
  #done = false;

  constructor(private readonly options: PeerSilenceOptions) {
    this.#now = options.now ?? Date.now;
    this.#heardAt = this.#checkedAt = this.#now();
    this.#timer = setInterval(() => this.check(), options.everyMs);
  }

  /** Something arrived from the peer. */
  heard(): void {
    this.#heardAt = this.#now();
  }

  /** One tick: send the keepalive, and judge the silence unless this tick itself ran late. */
  check(): void {
    if (this.#done) return;
    const now = this.#now();
    const late = now - this.#checkedAt > this.options.everyMs * 2;
    this.#checkedAt = now;
    this.options.sendKeepalive();
    const silentFor = now - this.#heardAt;
    if (late || silentFor < this.options.silentAfterMs) return;
    this.stop();
    this.options.onSilent(silentFor);
  }

  stop(): void {
    this.#done = true;
    clearInterval(this.#timer);
  }
}
