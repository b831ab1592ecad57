// A load process (publisher, receivers, relay) as the engine process sees it: it serves the
// process's signaling requests, queues its events for `next()`, and asks it for its own CPU time.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchEnvelope, BenchRequest } from './rpc.ts';

export type LoadEvent = { event: string; [k: string]: unknown };

export interface LoadProcess {
  next(name: string, timeoutMs?: number): Promise<LoadEvent>;
  ask(command: Record<string, unknown>, answer: string, timeoutMs?: number): Promise<LoadEvent>;
  /** The process's CPU time so far (user + system, all threads), in ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

export function spawnLoad(file: string, serve: (m: BenchEnvelope & { request: BenchRequest }) => Promise<unknown> = async () => undefined): LoadProcess {
  const child = fork(fileURLToPath(new URL(file, import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const events: LoadEvent[] = [];
  let wake: (() => void) | undefined;
  child.on('message', async (m: BenchEnvelope | LoadEvent) => {
    if ('event' in m) {
      events.push(m);
      wake?.();
      return;
    }
    if (!('request' in m)) return;
    try {
      child.send({ id: m.id, result: await serve(m) });
    } catch (error) {
      child.send({ id: m.id, error: String(error) });
    }
  });
  const next = async (name: string, timeoutMs = 60_000) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = events.findIndex((e) => e.event === name);
      if (i >= 0) return events.splice(i, 1)[0]!;
      if (child.exitCode !== null) throw new Error(`bench: ${file} exited (${child.exitCode}) before "${name}"`);
      if (performance.now() > deadline) throw new Error(`bench: no "${name}" from ${file}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  };
  const ask = async (command: Record<string, unknown>, answer: string, timeoutMs?: number) => {
    child.send(command);
    return next(answer, timeoutMs);
  };
  const cpuMs = async () => Number((await ask({ command: 'cpu' }, 'cpu')).us) / 1000;
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.send({ command: 'stop' });
    await new Promise((r) => child.once('exit', r));
  };
  return { next, ask, cpuMs, stop };
}
