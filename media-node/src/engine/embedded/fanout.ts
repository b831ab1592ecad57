// Fan-out of received packets to consumers, in time slices. Forwarding one keyframe to hundreds of
// consumers takes long enough that, done inline, it would delay reading the next datagrams; their
// arrival times (which transport-wide CC feedback reports to the publisher) would then show a
// queue that is not on the network, and the publisher's bandwidth estimate would collapse.
// Between slices the event loop reads the socket, so arrival times stay true.
import type { RtpPacket } from 'werift';
import type { ProducerSink } from './producer.ts';

interface Task {
  sinks: readonly ProducerSink[];
  packet: RtpPacket;
  layer: number;
  keyframe: boolean;
  at: number;
  next: number;
}

const CHECK_EVERY = 8;
/** Past this many waiting packets the worker is overloaded: new ones are dropped, not queued. */
const MAX_BACKLOG = 20_000;

export class Fanout {
  #queue: Task[] = [];
  #head = 0;
  #scheduled = false;
  /** Packets dropped because the backlog was full. */
  dropped = 0;
  /** Packets waiting; a growing backlog means the worker is past its capacity. */
  get backlog(): number {
    return this.#queue.length - this.#head;
  }

  constructor(private readonly sliceMs = 1) {}

  push(sinks: readonly ProducerSink[], packet: RtpPacket, layer: number, keyframe: boolean, at: number): void {
    if (sinks.length === 0) return;
    if (this.backlog >= MAX_BACKLOG) {
      this.dropped++;
      return;
    }
    this.#queue.push({ sinks, packet, layer, keyframe, at, next: 0 });
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#pump);
    }
  }

  readonly #pump = (): void => {
    const deadline = performance.now() + this.sliceMs;
    while (this.#head < this.#queue.length) {
      const task = this.#queue[this.#head]!;
      while (task.next < task.sinks.length) {
        const sink = task.sinks[task.next++]!;
        try {
          sink.onPacket(task.packet, task.layer, task.keyframe, task.at);
        } catch {
          // one consumer's failure must not stop the others
        }
        if (task.next % CHECK_EVERY === 0 && performance.now() > deadline) {
          setImmediate(this.#pump);
          return;
        }
      }
      this.#head++;
    }
    this.#queue = [];
    this.#head = 0;
    this.#scheduled = false;
  };
}
