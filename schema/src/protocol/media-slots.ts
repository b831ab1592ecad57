// Per-participant media ceilings (MAX_MEDIA_OBJECTS, MAX_MEDIA_REQUESTS_IN_FLIGHT), race-free: a
// slot is taken synchronously before the node (or the engine) is asked and given back when the
// work is done or failed. Checking a count and recording after the answer let 32 concurrent
// requests all see 0 and all create. Used by the RoomDO (ahead of the node) and by the node itself.
import { MAX_MEDIA_OBJECTS, MAX_MEDIA_REQUESTS_IN_FLIGHT } from './media.ts';

export type MediaObjectKind = keyof typeof MAX_MEDIA_OBJECTS;
/** An object kind, or `request`: a media request waiting for its answer. */
export type MediaSlotKind = MediaObjectKind | 'request';
/** Gives the slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

export function mediaSlotLimit(kind: MediaSlotKind): number {
  return kind === 'request' ? MAX_MEDIA_REQUESTS_IN_FLIGHT : MAX_MEDIA_OBJECTS[kind];
}

export class MediaSlots {
  /** Slots taken and not released yet, by kind and owner. In memory: they die with the work they cover. */
  readonly #held = new Map<string, number>();

  /**
   * One slot of `kind` for `owner`, or undefined at the ceiling. `recorded`: how many of that kind
   * the owner holds already outside these slots (objects a store kept after their slot was released).
   */
  reserve(kind: MediaSlotKind, owner: string, recorded = 0): ReleaseSlot | undefined {
    const key = `${kind}\n${owner}`;
    const held = this.#held.get(key) ?? 0;
    if (held + recorded >= mediaSlotLimit(kind)) return undefined;
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
