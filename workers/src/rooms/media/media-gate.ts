// What a participant may ask of the media node, checked before the node is asked: the room is
// live, the role may publish, the objects are theirs, and per-participant ceilings (objects,
// requests waiting, publishing changes) hold, so no one can exhaust the node or flood the room.
import { isProgramSource, mediaSlotLimit, MediaSlots, SOURCE_KINDS, type MediaKind, type MediaObjectKind, type MediaSource, type ReleaseSlot, ProtocolError } from '@roomcast/schema/protocol';
import type { Joined } from '../realtime/connection.ts';
import { hasGrant } from '../realtime/moderation.ts';
import { RateWindow } from '../realtime/rate-window.ts';
import type { LiveSession } from './live-session.ts';
import { notLive } from './live-session.ts';
import type { MediaStore } from './media-store.ts';

/**
 * Publishing changes (produce, close a producer, pause or resume one) are announced to every
 * socket: per identity at most this many per window, so a publisher cannot turn the room into an
 * amplifier. A person toggles camera and microphone a few times, not dozens.
 */
export const PUBLISH_CHANGES = { limit: 20, windowMs: 10_000 } as const;

export class MediaGate {
  /** Per-participant ceilings: objects on the node and requests waiting for answers. */
  readonly #slots = new MediaSlots();
  readonly #publishChanges = new RateWindow(PUBLISH_CHANGES.limit, PUBLISH_CHANGES.windowMs);

  constructor(
    private readonly store: MediaStore,
    private readonly session: LiveSession,
    /** Whether a studio guest is on stage now (studio-store.ts); guests backstage may not produce. */
    private readonly onStage: (identity: string) => boolean = () => true,
  ) {}

  async requireLive(): Promise<void> {
    const live = await this.session.isLive().catch(() => {
      throw new ProtocolError('unavailable', 'Could not check that the room is live; retry');
    });
    if (!live) throw notLive();
  }

  requirePublish(att: Joined): void {
    if (!hasGrant(att.role, 'publish')) throw new ProtocolError('forbidden', 'Your role may watch but not publish');
  }

  /** The server decides who reaches viewers: a studio guest produces only while on stage. */
  requireOnStage(att: Joined): void {
    if (att.role === 'guest' && !this.onStage(att.identity)) {
      throw new ProtocolError('forbidden', 'You are backstage: the host brings you on stage before viewers can see or hear you');
    }
  }

  /** The program is what recordings carry: only who runs the studio (host, co-host) publishes it. */
  requireProgramGrant(att: Joined, source: MediaSource): void {
    if (isProgramSource(source) && !hasGrant(att.role, 'stage')) {
      throw new ProtocolError('forbidden', 'Only the host or a co-host publishes the studio program');
    }
  }

  /** A source names what a track is (players lay out video sources, mix audio ones): its kind must match. */
  requireSourceKind(kind: MediaKind, source: MediaSource): void {
    if (SOURCE_KINDS[source] !== kind) {
      throw new ProtocolError('invalid_message', `A ${source} producer carries ${SOURCE_KINDS[source]}, not ${kind}`);
    }
  }

  spendPublishChange(identity: string): void {
    const wait = this.#publishChanges.take(identity, Date.now());
    if (wait > 0) {
      const { limit, windowMs } = PUBLISH_CHANGES;
      throw new ProtocolError('rate_limited', `At most ${limit} publishing changes per ${windowMs / 1000} s; wait ${Math.ceil(wait / 1000)} s`);
    }
  }

  /**
   * One of the participant's waiting-request slots, or undefined at the ceiling. Per participant,
   * not per socket: a reconnect must not open a fresh allowance while the old socket's requests
   * still wait on the node.
   */
  reserveRequest(identity: string): ReleaseSlot | undefined {
    return this.#slots.reserve('request', identity);
  }

  /**
   * Runs `create` holding one slot of `kind` for the participant, taken before the node is asked
   * (refused at the ceiling) and given back once `create` recorded the object or failed.
   */
  async holding<T>(kind: MediaObjectKind, identity: string, create: () => Promise<T>): Promise<T> {
    const release = this.#slots.reserve(kind, identity, this.store.countOwned(kind, identity));
    if (!release) throw new ProtocolError('rate_limited', `At most ${mediaSlotLimit(kind)} ${kind}s per participant; close one first`);
    try {
      return await create();
    } finally {
      release();
    }
  }

  own(kind: 'transport' | 'producer' | 'consumer', id: string, identity: string) {
    const row = this.store.owned(kind, id, identity);
    // Someone else's object answers exactly like a missing one.
    if (!row) throw new ProtocolError('not_found', `No ${kind} ${id} of yours`);
    return row;
  }
}
