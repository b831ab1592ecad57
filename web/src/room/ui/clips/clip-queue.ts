// The studio's clip queue, local to the host's page (viewers only see what is on the air, as the
// 'video' and 'video_audio' producers): the clip at the head plays, and when it ends or the host
// skips it, it leaves the queue and the next one starts. Pure, so the rules are tested without a
// browser; ClipDeck holds the state and ClipPlayer does the playing.

/** Where a clip comes from: the organization's library (a URL is asked for when it plays) or this computer. */
export type ClipSource = { kind: 'file' | 'recording'; id: string } | { kind: 'local'; file: File };

export interface QueuedClip {
  /** Unique in the queue: the same video may be queued twice. */
  key: number;
  name: string;
  source: ClipSource;
}

export interface ClipQueue {
  /** The head is the clip on the air while `onAir`; the rest wait in order. */
  items: QueuedClip[];
  onAir: boolean;
}

export const EMPTY_QUEUE: ClipQueue = { items: [], onAir: false };

let lastKey = 0;

export function enqueue(queue: ClipQueue, clip: Omit<QueuedClip, 'key'>): ClipQueue {
  return { ...queue, items: [...queue.items, { ...clip, key: ++lastKey }] };
}

/** The clip on the air, if any. */
export const onAir = (queue: ClipQueue): QueuedClip | undefined => (queue.onAir ? queue.items[0] : undefined);

/** Takes a waiting clip out; the one on the air leaves only through `next` or `stop`. */
export function remove(queue: ClipQueue, key: number): ClipQueue {
  if (onAir(queue)?.key === key) return queue;
  return { ...queue, items: queue.items.filter((c) => c.key !== key) };
}

/** Puts the head on the air (nothing when the queue is empty). */
export function start(queue: ClipQueue): ClipQueue {
  return { ...queue, onAir: queue.items.length > 0 };
}

/** The clip on the air ended or was skipped: it leaves, and the next one (if any) is on the air. */
export function next(queue: ClipQueue): ClipQueue {
  if (!queue.onAir) return queue;
  const items = queue.items.slice(1);
  return { items, onAir: items.length > 0 };
}

/** Off the air; the clip that was playing stays at the head, to start again from its beginning. */
export function stop(queue: ClipQueue): ClipQueue {
  return { ...queue, onAir: false };
}
