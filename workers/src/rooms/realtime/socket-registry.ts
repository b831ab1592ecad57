// The room's client sockets and their attachments (connection.ts). The map is a cache of what the
// runtime holds: rebuilt from ctx.getWebSockets() after the object wakes from hibernation.
import type { ServerMessage } from '@roomcast/schema/protocol';
import { isNodeAttachment } from '../media/node-link.ts';
import { closeSocket, sendRaw, type Attachment, type Joined } from './connection.ts';

/** Attachments are rewritten at most this often per socket just to record activity. */
const LAST_SEEN_PERSIST_MS = 5_000;

export class SocketRegistry {
  #sockets: Map<WebSocket, Attachment> | undefined;
  readonly #persistedAt = new WeakMap<WebSocket, number>();

  constructor(private readonly ctx: DurableObjectState) {}

  /** Live client sockets (pending or joined) and their attachments. */
  live(): Map<WebSocket, Attachment> {
    if (!this.#sockets) {
      this.#sockets = new Map();
      for (const ws of this.ctx.getWebSockets()) {
        const att = ws.deserializeAttachment() as Attachment | null;
        // The media node's socket is the relay's, not a participant.
        if (att && att.phase !== 'closed' && !isNodeAttachment(att)) this.#sockets.set(ws, att);
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
    if (att.phase === 'closed') this.live().delete(ws);
    else this.live().set(ws, att);
  }

  /** The runtime reported the socket closed: forget it (without rebuilding a cache never built). */
  forget(ws: WebSocket): void {
    this.#sockets?.delete(ws);
  }

  /** Writes the activity time into the attachment now and then, so the reaper survives a wake. */
  persistLastSeen(ws: WebSocket, att: Attachment): void {
    const persisted = this.#persistedAt.get(ws) ?? att.connectedAt;
    if (att.lastSeen - persisted > LAST_SEEN_PERSIST_MS) {
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

  hasOtherSocket(identity: string, except: WebSocket): boolean {
    for (const [ws, att] of this.live()) if (ws !== except && att.phase === 'joined' && att.identity === identity) return true;
    return false;
  }

  /** Closes the participant's sockets, except one when given. */
  closeSocketsOf(identity: string, code: number, reason: string, except?: WebSocket): void {
    for (const [ws, att] of this.live()) {
      if (ws !== except && att.phase === 'joined' && att.identity === identity) this.markAndClose(ws, code, reason);
    }
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
}
