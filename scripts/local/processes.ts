// The process plumbing of `npm run dev` (scripts/dev.ts): what a service is, child processes in
// their own process groups with prefixed output, readiness by HTTP, stopping whole trees, and the
// port checks that turn EADDRINUSE into the variable to set.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;

// Logging: one coloured prefix per service.

const COLORS = [36, 35, 33, 32, 34, 91, 96, 95];
const useColor = process.stdout.isTTY && !('NO_COLOR' in env);
const PAD = 12;
export function logger(name: string, index: number) {
  const label = `[${name}]`.padEnd(PAD);
  const prefix = useColor ? `\x1b[${COLORS[index % COLORS.length]}m${label}\x1b[0m` : label;
  return (line: string) => {
    for (const l of line.replace(/\s+$/, '').split('\n')) process.stdout.write(`${prefix} ${l}\n`);
  };
}

// ---------------------------------------------------------------------------------------------
// What a service is, and child processes.

export interface Running {
  /** Shown in the final summary. */
  url?: string;
  stop(): Promise<void>;
  /** Resolves if the service ends on its own (a crashed child). */
  exited?: Promise<string>;
}

export interface Service<Context> {
  name: string;
  /** Why it is skipped, if it is. */
  skip?: (ctx: Context) => string | undefined;
  start(ctx: Context, log: (line: string) => void): Promise<Running>;
}

/** Aborted on shutdown, so a child still starting up is stopped too. */
export const shutdown = new AbortController();
/** Process groups of every child still running: a second Ctrl-C SIGKILLs them synchronously. */
export const childGroups = new Set<number>();

export interface ChildSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Ready once this URL answers HTTP at all (any status). */
  healthUrl: string;
  readyTimeoutMs: number;
  url: string;
}

/**
 * A child process in its own process group (so the whole tree can be signalled), with its
 * output prefixed, ready once its health URL answers.
 */
export function childProcess(spec: ChildSpec) {
  return async (log: (line: string) => void): Promise<Running> => {
    const child = spawn(spec.command, spec.args, {
      cwd: ROOT,
      env: { ...env, ...spec.env, FORCE_COLOR: useColor ? '1' : '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) childGroups.add(child.pid);
    pipeLines(child, log);
    const exited = new Promise<string>((resolveExit) => {
      child.once('exit', (code, signal) => resolveExit(signal ? `killed by ${signal}` : `exited with code ${code}`));
      child.once('error', (err) => resolveExit(`failed to start: ${err.message}`));
    });
    const stop = async () => {
      await stopGroup(child, exited);
      if (child.pid !== undefined) childGroups.delete(child.pid);
    };
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(new Error('shutting down'));
      if (shutdown.signal.aborted) onAbort();
      else shutdown.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([
        waitForHttp(spec.healthUrl, spec.readyTimeoutMs, shutdown.signal),
        aborted,
        exited.then((how) => {
          throw new Error(`${how} before it was ready`);
        }),
      ]);
    } catch (err) {
      await stop();
      throw err;
    }
    return { url: spec.url, stop, exited };
  };
}

export function pipeLines(child: ChildProcess, log: (line: string) => void) {
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) log(line);
    });
    stream?.on('end', () => pending.trim() && log(pending));
  }
}

/** SIGTERM to the child's whole process group, SIGKILL after a grace period. */
export async function stopGroup(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // The group is already gone.
    }
  };
  signal('SIGTERM');
  const graceful = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
  // The leader may exit before its children (workerd under wrangler): sweep the group either way.
  signal(graceful ? 'SIGTERM' : 'SIGKILL');
  await sleep(200);
  signal('SIGKILL');
}

export async function waitForHttp(url: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal.aborted) throw new Error('shutting down');
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
      await sleep(300);
    }
  }
}

export function sleep(ms: number) {
  return new Promise<void>((r) => setTimeout(r, ms));
}

export async function assertPortFree(port: number, variable: string): Promise<void> {
  await new Promise<void>((resolveFree, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`port ${port} is already in use (another npm run dev?); set ${variable} to move it`)
          : err,
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolveFree()));
  });
}

export function withPortHint<T>(promise: Promise<T>, port: number, variable: string): Promise<T> {
  return promise.catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new Error(`port ${port} is already in use (another npm run dev?); set ${variable} to move it`);
    throw err;
  });
}

/** SIGKILLs every child still running (this process is exiting: nothing else would stop them). */
export function killChildGroups(): void {
  for (const pid of childGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
