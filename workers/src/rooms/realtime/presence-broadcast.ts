// Who hears of a participant joining or leaving. Staff presence goes to everyone; in a large room
// viewers' comings and goings go only to moderators, and everyone else gets the count at most once
// per interval: per-viewer presence to every viewer is O(N^2) frames and would dominate a large
// room's traffic. A room whose viewers spill onto fan-out shards counts as large whatever its size.
import type { ServerMessage } from '@roomcast/schema/protocol';
import { hasGrant } from './moderation.ts';
import type { PresenceStore } from './presence.ts';
import type { SocketRegistry } from './socket-registry.ts';

/** Above this many participants a room is large: see above; the welcome lists staff first and at most this many people. */
export const PRESENCE_FANOUT_LIMIT = 200;
/** How often the count goes out in a large room (presence.count). */
export const PRESENCE_COUNT_EVERY_MS = 1000;

export class PresenceBroadcast {
  /** A presence.count is due (large rooms). In memory: a lost one is replaced by the next change. */
  #countTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly sockets: SocketRegistry,
    private readonly presence: PresenceStore,
    private readonly sharded: () => boolean,
  ) {}

  send(message: ServerMessage, role: string, except?: WebSocket): void {
    if (role !== 'viewer' || (this.presence.count() <= PRESENCE_FANOUT_LIMIT && !this.sharded())) return this.sockets.broadcast(message, except);
    this.sockets.broadcastTo(message, (att) => hasGrant(att.role, 'moderate'), except);
    this.#scheduleCount();
  }

  /** The count for those not told of each viewer's join or leave: one frame per interval, not per join. */
  #scheduleCount(): void {
    if (this.#countTimer !== undefined) return;
    this.#countTimer = setTimeout(() => {
      this.#countTimer = undefined;
      const count = { type: 'presence.count', participantCount: this.presence.count() } satisfies ServerMessage;
      this.sockets.broadcastTo(count, (att) => !hasGrant(att.role, 'moderate'));
    }, PRESENCE_COUNT_EVERY_MS);
  }
}
