// The room's client sockets and their attachments (connection.ts). The map is a cache of what the
// runtime holds: rebuilt from ctx.getWebSockets() after the object wakes from hibernation. Joined
// sockets are also indexed by identity, so finding a participant's sockets (replacing a session,
// a kick, a role change) does not scan the room. Runtime tags cannot do this: they are fixed when
// the socket is accepted, before the hello names who it is. Viewers' sockets held by fan-out
// shards are here too, as ShardSockets (fanout/shard-sockets.ts), so every handler reaches them.
import type { ServerMessage } from '@roomcast/schema/protocol';
import { asWebSocket, isShardSocket, type ShardSockets } from '../fanout/shard-sockets.ts';
import { isNodeAttachment } from '../media/node-link.ts';
import { closeSocket, sendRaw, type Attachment, type Joined } from './connection.ts';

export class SocketRegistry {
  #sockets: Map<WebSocket, Attachment> | undefined;
  readonly #byIdentity = new Map<string, Set<WebSocket>>();
  readonly #persistedAt = new WeakMap<WebSocket, number>();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly shards: ShardSockets,
    /**
     * Attachments are rewritten at most this often per socket just to record activity: once per
     * heartbeat keeps the stored time within two heartbeats of the truth, well inside the reaper's
     * three, and costs a busy room one attachment write per socket every third ping, not every one.
     */
    private readonly lastSeenPersistMs: number,
  ) {}

  /** Live client sockets (pending or joined) and their attachments. */
  live(): Map<WebSocket, Attachment> {
    if (!this.#sockets) {
      this.#sockets = new Map();
      for (const ws of this.ctx.getWebSockets()) {
        const att = ws.deserializeAttachment() as Attachment | null;
        // The media node's socket is the relay's, not a participant.
        if (att && att.phase !== 'closed' && !isNodeAttachment(att)) {
          this.#sockets.set(ws, att);
          this.#index(ws, att);
        }
      }
      for (const [socket, att] of this.shards.stored()) {
        if (att.phase === 'closed') continue;
        this.#sockets.set(asWebSocket(socket), att);
        this.#index(asWebSocket(socket), att);
      }
    }
    return this.#sockets;
  }

  /** A snapshot of the joined sockets. */
  joined(): [WebSocket, Joined][] {
    return [...this.live()].filter((e): e is [WebSocket, Joined] => e[1].phase === 'joined');
  }

  get(ws: WebSocket): Attachment {
    const live = this.live().get(ws);
    if (live) return live;
    const stored = ws.deserializeAttachment() as Attachment | null;
    return stored ?? { phase: 'closed', connectedAt: 0, lastSeen: 0 };
  }

  set(ws: WebSocket, att: Attachment): void {
    try {
      ws.serializeAttachment(att);
    } catch {
      // The socket is already closed; only the in-memory view matters now.
    }
    const live = this.live();
    this.#unindex(ws, live.get(ws));
    if (att.phase === 'closed') live.delete(ws);
    else {
      live.set(ws, att);
      this.#index(ws, att);
    }
  }

  /** The runtime reported the socket closed: forget it (without rebuilding a cache never built). */
  forget(ws: WebSocket): void {
    this.#unindex(ws, this.#sockets?.get(ws));
    this.#sockets?.delete(ws);
    if (isShardSocket(ws)) this.shards.forget(ws);
  }

  /** Sockets the room holds itself (not on a shard): what the shard threshold counts. */
  ownCount(): number {
    let n = 0;
    for (const ws of this.live().keys()) if (!isShardSocket(ws)) n++;
    return n;
  }

  /** Writes the activity time into the attachment now and then, so the reaper survives a wake. */
  persistLastSeen(ws: WebSocket, att: Attachment): void {
    const persisted = this.#persistedAt.get(ws) ?? att.connectedAt;
    if (att.lastSeen - persisted > this.lastSeenPersistMs) {
      ws.serializeAttachment(att);
      this.#persistedAt.set(ws, att.lastSeen);
    }
  }

  /** The server is closing the socket: its close event, when it comes, changes nothing. */
  markClosed(ws: WebSocket): void {
    const att = this.get(ws);
    this.set(ws, { phase: 'closed', connectedAt: att.connectedAt, lastSeen: att.lastSeen });
  }

  markAndClose(ws: WebSocket, code: number, reason: string): void {
    this.markClosed(ws);
    closeSocket(ws, code, reason);
  }

  /** The participant's joined sockets. */
  socketsOf(identity: string): WebSocket[] {
    this.live();
    return [...(this.#byIdentity.get(identity) ?? [])];
  }

  hasOtherSocket(identity: string, except: WebSocket): boolean {
    return this.socketsOf(identity).some((ws) => ws !== except);
  }

  /** Closes the participant's sockets, except one when given. */
  closeSocketsOf(identity: string, code: number, reason: string, except?: WebSocket): void {
    for (const ws of this.socketsOf(identity)) if (ws !== except) this.markAndClose(ws, code, reason);
  }

  /** Sends one serialized frame to every joined socket (except one, when given). */
  broadcast(message: ServerMessage, except?: WebSocket): void {
    this.broadcastTo(message, () => true, except);
  }

  /** Sends one serialized frame to the joined sockets `to` picks (except one, when given). */
  broadcastTo(message: ServerMessage, to: (att: Joined) => boolean, except?: WebSocket): void {
    const frame = JSON.stringify(message);
    for (const [ws, att] of this.live()) if (att.phase === 'joined' && ws !== except && to(att)) sendRaw(ws, frame);
  }

  #index(ws: WebSocket, att: Attachment): void {
    if (att.phase !== 'joined') return;
    let set = this.#byIdentity.get(att.identity);
    if (!set) this.#byIdentity.set(att.identity, (set = new Set()));
    set.add(ws);
  }

  #unindex(ws: WebSocket, att: Attachment | undefined): void {
    if (att?.phase !== 'joined') return;
    const set = this.#byIdentity.get(att.identity);
    set?.delete(ws);
    if (set?.size === 0) this.#byIdentity.delete(att.identity);
  }
}
