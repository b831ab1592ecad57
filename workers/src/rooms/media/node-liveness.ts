// Is each media node on the room still there? A node that dies closes its socket, but a hung one
// (a stopped process, a partitioned VM) leaves it open, and a request probe only finds it after
// its timeout. So every node sends NODE_KEEPALIVE each second from a timer of its own; the
// runtime answers it without waking the room (setWebSocketAutoResponse) and records when
// (getWebSocketAutoResponseTimestamp), and the room's alarm, armed at the earliest moment a node
// could be overdue, declares a node silent for `silenceMs` lost. Any other frame from the node
// counts as heard too (a runtime that delivers keepalives as messages still works).
//
// False positives cost a reset of that node's viewers, so: the bound is at least two of the
// node's own intervals, and an overdue node is only a suspect until a second look a moment later
// finds it still silent. The second look runs in a later turn of the room's event loop, after
// frames that piled up while the room itself was busy or starved have been read.
import type { NodeAttachment } from './node-link.ts';

/** How long after finding a node overdue the room looks again before declaring it lost. */
export const CONFIRM_AFTER_MS = 300;

export interface WatchedNode {
  ws: WebSocket;
  att: NodeAttachment;
  /** The last keepalive the runtime answered, if any (ms since the epoch). */
  keepaliveAt: number | null;
}

export interface LivenessVerdict {
  /** Nodes silent past their bound, seen twice: lost. */
  lost: WebSocket[];
  /** When to look again (undefined: no node announced keepalives). */
  nextCheckAt: number | undefined;
}

export class NodeLiveness {
  /** When a frame from each node socket last reached the room's handlers. */
  readonly #heard = new WeakMap<WebSocket, number>();
  /** Nodes found overdue once: when, and what they were last heard at then. */
  readonly #suspects = new WeakMap<WebSocket, { since: number; lastHeard: number }>();

  constructor(private readonly silenceMs: number) {}

  heard(ws: WebSocket, now: number): void {
    this.#heard.set(ws, now);
  }

  /** How long this node may stay silent: the room's bound, and never less than two of its own intervals. */
  boundFor(att: NodeAttachment): number | undefined {
    if (att.keepaliveMs === undefined) return undefined;
    return Math.max(this.silenceMs, 2 * att.keepaliveMs);
  }

  lastHeard(node: WatchedNode): number {
    return Math.max(node.keepaliveAt ?? 0, this.#heard.get(node.ws) ?? 0, node.att.readyAt ?? 0);
  }

  /** Looks at every ready node; nodes without keepalives (older nodes) are left to the probe. */
  check(nodes: WatchedNode[], now: number): LivenessVerdict {
    const lost: WebSocket[] = [];
    let nextCheckAt: number | undefined;
    const lookAt = (at: number) => (nextCheckAt = Math.min(nextCheckAt ?? Infinity, at));
    for (const node of nodes) {
      const bound = this.boundFor(node.att);
      if (bound === undefined) continue;
      const lastHeard = this.lastHeard(node);
      if (now - lastHeard < bound) {
        this.#suspects.delete(node.ws);
        lookAt(lastHeard + bound);
        continue;
      }
      const suspect = this.#suspects.get(node.ws);
      if (!suspect || suspect.lastHeard !== lastHeard) {
        this.#suspects.set(node.ws, { since: now, lastHeard });
        lookAt(now + CONFIRM_AFTER_MS);
      } else if (now - suspect.since >= CONFIRM_AFTER_MS) {
        this.#suspects.delete(node.ws);
        lost.push(node.ws);
      } else {
        lookAt(suspect.since + CONFIRM_AFTER_MS);
      }
    }
    return { lost, nextCheckAt };
  }
}
