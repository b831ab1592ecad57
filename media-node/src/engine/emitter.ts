// Typed events for engine objects. A throwing listener is reported, never allowed to unwind into
// the packet path that emitted the event.
import type { Events } from './types.ts';

type Listener = (...args: unknown[]) => void;

export class Emitter<M extends Record<string, unknown[]>> implements Events<M> {
  readonly #listeners = new Map<string, { fn: Listener; once: boolean }[]>();

  on<K extends keyof M & string>(event: K, listener: (...args: M[K]) => void): this {
    this.#add(event, listener as unknown as Listener, false);
    return this;
  }

  once<K extends keyof M & string>(event: K, listener: (...args: M[K]) => void): this {
    this.#add(event, listener as unknown as Listener, true);
    return this;
  }

  off<K extends keyof M & string>(event: K, listener: (...args: M[K]) => void): this {
    const list = this.#listeners.get(event);
    if (list) this.#listeners.set(event, list.filter((l) => l.fn !== (listener as unknown as Listener)));
    return this;
  }

  protected emit<K extends keyof M & string>(event: K, ...args: M[K]): void {
    const list = this.#listeners.get(event);
    if (!list?.length) return;
    this.#listeners.set(event, list.filter((l) => !l.once));
    for (const l of list) {
      try {
        l.fn(...args);
      } catch (error) {
        queueMicrotask(() => {
          process.emitWarning(`listener for "${event}" threw: ${String(error)}`);
        });
      }
    }
  }

  protected removeAllListeners(): void {
    this.#listeners.clear();
  }

  #add(event: string, fn: Listener, once: boolean): void {
    const list = this.#listeners.get(event) ?? [];
    list.push({ fn, once });
    this.#listeners.set(event, list);
  }
}
