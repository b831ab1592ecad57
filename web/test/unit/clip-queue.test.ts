// The studio's clip queue: the head plays while on the air, a clip that ends or is skipped leaves
// and the next one is on the air, the queue goes off the air when it runs out, and the clip on the
// air cannot be removed from under the player.
import { describe, expect, it } from 'vitest';
import { EMPTY_QUEUE, enqueue, next, onAir, remove, start, stop, type ClipQueue } from '../../src/room/ui/clips/clip-queue.ts';

const names = (q: ClipQueue) => q.items.map((c) => c.name);
const clip = (name: string) => ({ name, source: { kind: 'file' as const, id: name } });

describe('clip queue', () => {
  it('plays the clips in order, each giving way to the next, and goes off the air after the last', () => {
    let q = [clip('a'), clip('b'), clip('a')].reduce(enqueue, EMPTY_QUEUE);
    expect(names(q)).toEqual(['a', 'b', 'a']);
    // The same video queued twice is two entries.
    expect(new Set(q.items.map((c) => c.key)).size).toBe(3);
    expect(onAir(q)).toBeUndefined();
    q = start(q);
    expect(onAir(q)?.name).toBe('a');
    q = next(q);
    expect([onAir(q)?.name, names(q)]).toEqual(['b', ['b', 'a']]);
    q = next(next(q));
    expect(q).toEqual({ items: [], onAir: false });
    expect(start(q).onAir).toBe(false);
  });

  it('adds while playing without changing what is on the air', () => {
    let q = start(enqueue(EMPTY_QUEUE, clip('a')));
    q = enqueue(q, clip('b'));
    expect([onAir(q)?.name, names(q)]).toEqual(['a', ['a', 'b']]);
  });

  it('removes waiting clips but never the one on the air', () => {
    let q = start([clip('a'), clip('b'), clip('c')].reduce(enqueue, EMPTY_QUEUE));
    const [a, b] = q.items;
    q = remove(q, b!.key);
    expect(names(q)).toEqual(['a', 'c']);
    expect(remove(q, a!.key)).toBe(q);
    // Off the air, the head is just the first waiting clip: it may go.
    expect(names(remove(stop(q), a!.key))).toEqual(['c']);
  });

  it('stop keeps the clip at the head, to start again; next does nothing off the air', () => {
    const q = stop(start([clip('a'), clip('b')].reduce(enqueue, EMPTY_QUEUE)));
    expect([q.onAir, names(q)]).toEqual([false, ['a', 'b']]);
    expect(next(q)).toBe(q);
    expect(onAir(start(q))?.name).toBe('a');
  });
});
