// A WebRTC transport that never connects carries nothing, and nothing says so: the producers on it
// exist on the node, so the room lists them and every viewer waits for packets that never come
// (an e2e run at load average 13 had a guest whose camera and microphone were "produced" while
// nobody received a packet of them; most likely so). ICE restarts recover a path that broke; they
// cannot finish a DTLS handshake that never completed. So each transport gets a deadline once it
// starts connecting (its DTLS parameters went to the node) and again whenever it goes
// `disconnected` or `failed`: not `connected` by then, and the media session builds everything
// again on fresh transports.

/** What the watchdog needs of a mediasoup-client transport. */
export interface WatchedTransport {
  readonly connectionState: string;
  readonly closed: boolean;
}

/** Long enough for a slow DTLS handshake on a loaded machine (its retransmissions back off to seconds). */
export const TRANSPORT_CONNECT_DEADLINE_MS = 20_000;

export class TransportWatchdog {
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly transport: WatchedTransport,
    /** Called once the deadline passed without the transport connected (and it is still open). */
    private readonly onStuck: (state: string) => void,
    private readonly deadlineMs = TRANSPORT_CONNECT_DEADLINE_MS,
  ) {}

  /** The transport starts connecting (`connect`), or lost its connection (`disconnected`, `failed`). */
  arm(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const { connectionState, closed } = this.transport;
      if (!closed && connectionState !== 'connected') this.onStuck(connectionState);
    }, this.deadlineMs);
  }

  /** Connected, or closed: nothing to wait for. */
  disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Follows the transport's `connectionstatechange`. */
  stateChanged(state: string): void {
    if (state === 'connected' || state === 'closed') this.disarm();
    else if (state === 'disconnected' || state === 'failed') this.arm();
  }
}
