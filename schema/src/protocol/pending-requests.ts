// The asking side of the channel: requests waiting for their `response` by id, each with a
// timeout, all failed at once when the socket goes. One implementation for the browser's room
// client and the RoomDO's link to its media node (and their test clients).

interface Waiting {
  accept(data: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export type Outcome = { ok: true; data: unknown } | { ok: false; error: Error };

export class PendingRequests {
  readonly #waiting = new Map<string, Waiting>();
  #next = 1;

  /** `prefix` keeps ids of two instances apart (a late answer cannot match a newer request). */
  constructor(private readonly prefix: string) {}

  /** A fresh request id. */
  nextId(): string {
    return `${this.prefix}${this.#next++}`;
  }

  get size(): number {
    return this.#waiting.size;
  }

  /**
   * Waits for the answer to `id`. `accept` turns its data into the result (it may throw: a wrong
   * shape rejects); `onTimeout` says what to reject with when no answer came within `timeoutMs`.
   */
  track<T>(id: string, timeoutMs: number, accept: (data: unknown) => T, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(onTimeout());
      }, timeoutMs);
      this.#waiting.set(id, {
        timer,
        reject,
        accept: (data) => {
          try {
            resolve(accept(data));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
      });
    });
  }

  /** Answers request `id`; false when nothing waits for it (unknown, or timed out already). */
  settle(id: string, outcome: Outcome): boolean {
    const waiting = this.#waiting.get(id);
    if (!waiting) return false;
    this.#waiting.delete(id);
    clearTimeout(waiting.timer);
    if (outcome.ok) waiting.accept(outcome.data);
    else waiting.reject(outcome.error);
    return true;
  }

  /** Rejects every waiting request (the socket closed or the peer went away). */
  failAll(error: () => Error): void {
    for (const [id, waiting] of this.#waiting) {
      this.#waiting.delete(id);
      clearTimeout(waiting.timer);
      waiting.reject(error());
    }
  }
}
