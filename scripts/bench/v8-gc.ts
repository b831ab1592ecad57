// V8's own account of its garbage collections in a workerd process, for bench:room's BENCH_ROOM_GC:
// the process runs with V8's --trace-gc and its output is fed here line by line; each collection is
// stamped with the time its line arrived. workerd runs V8's collector on the isolate's thread, so a
// full collection (Mark-Compact) stops every object of the isolate for its whole pause.
import { performance } from 'node:perf_hooks';

/** V8's flag, for workerd's config (`v8Flags`) or miniflare's MINIFLARE_WORKERD_V8_FLAGS. */
export const TRACE_GC_FLAG = '--trace-gc';

/**
 * V8 writes the trace with C stdio, which a pipe makes block-buffered (a line would arrive seconds
 * late, in batches): a process started through this prefix, and every process it starts, flushes
 * its standard output at each line instead (coreutils' stdbuf, through the environment it sets).
 */
export const LINE_BUFFERED = ['stdbuf', '-oL'];

export interface Collection {
  /** performance.now() when the line arrived. */
  at: number;
  kind: 'full' | 'young';
  pauseMs: number;
  /** Heap in use before and after, MB. */
  beforeMb: number;
  afterMb: number;
}

// `[pid:isolate]  3470 ms: Mark-Compact 14.8 (19.3) -> 10.7 (19.8) MB, pooled: 0.0 MB, 22.19 / 0.00 ms (...)`
const LINE = /(Mark-Compact|Scavenge)(?: \([a-z ]+\))? ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/;

export class GcLog {
  readonly collections: Collection[] = [];
  #partial = '';

  feed(chunk: Buffer | string): void {
    const now = performance.now();
    const lines = (this.#partial + chunk.toString()).split('\n');
    this.#partial = lines.pop()!;
    for (const line of lines) {
      const m = LINE.exec(line);
      if (m) this.collections.push({ at: now, kind: m[1] === 'Mark-Compact' ? 'full' : 'young', pauseMs: Number(m[4]), beforeMb: Number(m[2]), afterMb: Number(m[3]) });
    }
  }

  /** Options for a stack started by ensureStack (scripts/bench/stack.ts) whose output feeds this log; its env must carry MINIFLARE_WORKERD_V8_FLAGS. */
  forStack() {
    return { onOutput: (d: Buffer) => this.feed(d), spawnPrefix: LINE_BUFFERED };
  }

  /** Options for a bare workerd (scripts/local/bare-workerd.ts) traced into this log. */
  forWorkerd() {
    return { v8Flags: [TRACE_GC_FLAG], onStdout: (d: Buffer) => this.feed(d), spawnPrefix: LINE_BUFFERED };
  }

  /** One line on the collections whose lines arrived from `from` to `to` (performance.now()), times as seconds after `from`. */
  summary(from: number, to: number): string {
    const within = this.collections.filter((c) => c.at >= from && c.at <= to);
    const full = within.filter((c) => c.kind === 'full');
    const young = within.filter((c) => c.kind === 'young');
    const r = (x: number) => Math.round(x * 10) / 10;
    const fulls = full.map((c) => `${r(c.pauseMs)} ms at ${r((c.at - from) / 1000)} s (${r(c.beforeMb)} -> ${r(c.afterMb)} MB)`);
    const youngMs = young.reduce((s, c) => s + c.pauseMs, 0);
    const longest = young.reduce((m, c) => Math.max(m, c.pauseMs), 0);
    return `${full.length} full${fulls.length ? ` (${fulls.join(', ')})` : ''}; ${young.length} young (${r(youngMs)} ms in all, longest ${r(longest)} ms)`;
  }
}
