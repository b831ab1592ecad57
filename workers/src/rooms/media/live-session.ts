// The backstage rule: media needs a live session. Until the room's session is open in Postgres
// (the record stream minutes are billed from), the room places no media node and refuses every
// media request but the producer list, for every role: before Go live the studio previews the
// camera locally and needs nothing from the node. When the session ends the room closes its
// router on the node (every transport, producer and consumer) with its sockets.
// The session id the RoomDO holds comes from room tokens, so it may name a session that has
// ended (an old token); it is checked against Postgres, once per session id.
import { ProtocolError } from '@roomcast/schema/protocol';
import { isUuid } from '../../auth/tokens.ts';
import type { Config } from '../../config.ts';
import { sessionIsLive } from '../realtime/postgres.ts';

/** The `media.status` error while the room has no live session. */
export const NOT_LIVE = 'room_not_live';

export const notLive = (): ProtocolError => new ProtocolError('room_not_live', 'Media starts when the room goes live');

/** A session found live is asked about again after this long (it may have been ended elsewhere). */
const RECHECK_LIVE_MS = 60_000;

interface RoomMeta {
  room_id: string | null;
  organization_id: string | null;
  session_id: string | null;
}

export class LiveSession {
  /** Session ids found ended (or unknown): they never become live. */
  readonly #ended = new Set<string>();
  #live: { sessionId: string; at: number } | undefined;
  readonly #loading = new Map<string, Promise<boolean>>();

  constructor(
    private readonly config: Config,
    private readonly meta: () => RoomMeta,
  ) {}

  /** False when the room is known not to be live without asking Postgres. */
  mayBeLive(): boolean {
    const sessionId = this.meta().session_id;
    return sessionId !== null && !this.#ended.has(sessionId);
  }

  async isLive(): Promise<boolean> {
    const { room_id: roomId, organization_id: organizationId, session_id: sessionId } = this.meta();
    if (!sessionId || !roomId || !organizationId || !isUuid(sessionId) || this.#ended.has(sessionId)) return false;
    if (this.#live?.sessionId === sessionId && Date.now() - this.#live.at < RECHECK_LIVE_MS) return true;
    let loading = this.#loading.get(sessionId);
    if (!loading) {
      loading = this.#ask(organizationId, roomId, sessionId).finally(() => this.#loading.delete(sessionId));
      this.#loading.set(sessionId, loading);
    }
    return loading;
  }

  async #ask(organizationId: string, roomId: string, sessionId: string): Promise<boolean> {
    const live = await sessionIsLive(this.config, organizationId, roomId, sessionId);
    if (live) this.#live = { sessionId, at: Date.now() };
    else this.#ended.add(sessionId);
    return live;
  }
}
