// Benchmarks drive the local stack. If one already answers at the URL they are given, they use
// it; otherwise they start `npm run dev` on a separate port and stop it when done.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Stack {
  url: string;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Bench clients all come from one address and one API key: a stack we start gets those limits out of the way. */
const BENCH_LIMITS = {
  AUTH_RATE_LIMIT_PER_IP: '100000',
  AUTH_RATE_LIMIT_PER_EMAIL: '100000',
  SIGNUP_RATE_LIMIT_PER_IP_PER_HOUR: '100000',
  API_RATE_LIMIT_PER_ANONYMOUS_CLIENT: '1000000',
  API_RATE_LIMIT_PER_USER: '100000',
  API_RATE_LIMIT_PER_KEY: '100000',
};

/** One REST call against the stack; throws with the API's error body on a non-2xx answer. */
export async function apiCall(url: string, method: string, path: string, body?: unknown, token?: string, ip = '127.0.0.9') {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cf-connecting-ip': ip };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json().catch(() => null)) as any;
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * A stack at `url`, or one started here (`npm run dev` on `port` with `env`). `onOutput` gets the
 * started stack's output as it comes; `spawnPrefix` goes before its command (e.g. line-buffering).
 */
export async function ensureStack(options: { url?: string; port: number; env?: Record<string, string>; onOutput?: (chunk: Buffer) => void; spawnPrefix?: string[] }): Promise<Stack> {
  const url = options.url ?? `http://127.0.0.1:${options.port}`;
  if (await healthy(url)) {
    console.log(`using the stack already running at ${url}`);
    return { url, stop: async () => {} };
  }
  console.log(`starting the local stack on port ${options.port} (npm run dev)...`);
  const [command, ...args] = [...(options.spawnPrefix ?? []), process.execPath, '--import', 'tsx', 'scripts/dev.ts'];
  const child: ChildProcess = spawn(command!, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(options.port), ...BENCH_LIMITS, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  // dev.ts prints `ready:` once every service is up: measuring starts after the web app's build,
  // not while it still loads the machine.
  let ready = false;
  const collect = (d: Buffer) => {
    options.onOutput?.(d);
    output = (output + d.toString()).slice(-8000);
    ready ||= /\[dev\]\s+ready:/.test(output);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const deadline = Date.now() + 300_000;
  while (!ready || !(await healthy(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      process.stderr.write(output);
      throw new Error(`the local stack did not come up at ${url}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null || !child.pid) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

/** Runs `total` calls of `task` with `concurrency` in flight; returns each call's latency in ms. */
export async function runConcurrent(total: number, concurrency: number, task: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies.at(-1) ?? NaN),
    perSecond: round(total / seconds),
  };
}

export const round = (n: number) => Math.round(n * 10) / 10;
