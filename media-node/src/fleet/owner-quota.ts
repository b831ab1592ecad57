// The node's own per-participant ceilings (MAX_MEDIA_OBJECTS), by the owner the room names on each
// object: defence in depth behind the RoomDO's, so a room whose bookkeeping drifted (a lost
// answer, a bug) still cannot pile one participant's objects up on a shared node. A slot is taken
// before the engine is asked and given back when the object closes or was never created.
import { MAX_MEDIA_OBJECTS } from '@roomcast/schema/protocol';

export type OwnedKind = keyof typeof MAX_MEDIA_OBJECTS;

export class OwnerQuota {
  readonly #held = new Map<string, number>();

  /** One slot, or undefined when `owner` holds the ceiling of `kind` in this room already. */
  reserve(kind: OwnedKind, owner: string): (() => void) | undefined {
    const key = `${kind}\n${owner}`;
    const held = this.#held.get(key) ?? 0;
    if (held >= MAX_MEDIA_OBJECTS[kind]) return undefined;
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
