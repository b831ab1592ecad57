// Per-participant ceilings on media (MAX_MEDIA_OBJECTS, MAX_MEDIA_REQUESTS_IN_FLIGHT), race-free:
// a slot is taken synchronously before the node is asked and held until the object is recorded in
// the store or the request failed or timed out. Checking a count and recording after the node's
// answer let 32 concurrent requests all see 0 and all create.
import { MAX_MEDIA_OBJECTS, MAX_MEDIA_REQUESTS_IN_FLIGHT } from '@roomcast/schema/protocol';

export type ObjectKind = keyof typeof MAX_MEDIA_OBJECTS;
/** An object kind, or `request`: a media request waiting for its answer. */
export type QuotaKind = ObjectKind | 'request';
/** Gives the slot back; calling it again does nothing. */
export type Release = () => void;

export function limitOf(kind: QuotaKind): number {
  return kind === 'request' ? MAX_MEDIA_REQUESTS_IN_FLIGHT : MAX_MEDIA_OBJECTS[kind];
}

export class MediaQuota {
  /** Slots taken and not released yet, by kind and identity. In memory: they die with the requests they cover. */
  readonly #held = new Map<string, number>();

  /** `recorded`: how many objects of a kind the participant already holds (the store). */
  constructor(private readonly recorded: (kind: ObjectKind, identity: string) => number) {}

  /** Takes one slot of `kind` for `identity`, or returns undefined when they are at the ceiling. */
  reserve(kind: QuotaKind, identity: string): Release | undefined {
    const key = `${kind}\n${identity}`;
    const held = this.#held.get(key) ?? 0;
    const used = held + (kind === 'request' ? 0 : this.recorded(kind, identity));
    if (used >= limitOf(kind)) return undefined;
    this.#held.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#held.get(key) ?? 1) - 1;
      if (left > 0) this.#held.set(key, left);
      else this.#held.delete(key);
    };
  }
}
