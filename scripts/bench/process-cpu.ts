// CPU time of the local stack's processes, from /proc (Linux), so a benchmark can say which
// process was busy: under `wrangler dev` the port is served by wrangler's dev proxy (one workerd
// process, which also negotiates permessage-deflate with clients on its own) in front of the
// workerd that runs the Worker and its Durable Objects; with WORKER_RUNTIME=bare that workerd
// serves the port itself. Elsewhere (no /proc) it reports nothing.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Linux USER_HZ: /proc times are in 1/100 s on every platform Node supports. */
const TICKS_PER_S = 100;

export interface StackProcess {
  pid: number;
  name: string;
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

function stat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    // Fields after the parenthesised command name: state ppid ... utime(14) stime(15).
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** TCP ports a process listens on, from its socket inodes matched against /proc/net/tcp. */
function listeningPorts(pid: number): number[] {
  let inodes: Set<string>;
  try {
    inodes = new Set(readdirSync(`/proc/${pid}/fd`).map((fd) => /^socket:\[(\d+)\]$/.exec(safeReadlink(`/proc/${pid}/fd/${fd}`))?.[1] ?? ''));
  } catch {
    return [];
  }
  // Columns: sl local_address rem_address st ... inode (10th); st 0A is LISTEN.
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[3] === '0A' && inodes.has(f[9] ?? '-'))
    .map((f) => parseInt(f[1]!.split(':')[1]!, 16));
}

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/**
 * The stack's processes serving `port`: under `wrangler dev` its node CLI, the dev proxy and the
 * Worker runtime; on the bare runtime (WORKER_RUNTIME=bare) the runtime and its node parent.
 */
export function stackProcesses(port: number): StackProcess[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
  const workerds = pids.filter((pid) => cmdline(pid)[0]?.endsWith('workerd'));
  const proxy = workerds.find((pid) => cmdline(pid).some((a) => a === `--socket-addr=entry=127.0.0.1:${port}`));
  if (proxy === undefined) {
    const bare = workerds.find((pid) => listeningPorts(pid).includes(port));
    if (bare === undefined) return [];
    const parent = stat(bare)?.ppid;
    return [{ pid: bare, name: 'workerd Worker' }, ...(parent !== undefined ? [{ pid: parent, name: 'bare-worker (node)' }] : [])];
  }
  const wrangler = stat(proxy)?.ppid;
  const found: StackProcess[] = [{ pid: proxy, name: 'workerd dev proxy' }];
  if (wrangler !== undefined) {
    found.push({ pid: wrangler, name: 'wrangler (node)' });
    for (const pid of workerds) if (pid !== proxy && stat(pid)?.ppid === wrangler) found.push({ pid, name: 'workerd Worker' });
  }
  return found;
}

/**
 * Starts measuring; the returned function gives each process's share of one core since then and
 * its CPU milliseconds (which, per delivered frame, compare across runs on a busy machine).
 */
export function measureCpu(processes: StackProcess[]): () => { share: Record<string, number>; cpuMs: Record<string, number> } {
  const t0 = performance.now();
  const start = new Map(processes.map((p) => [p.pid, stat(p.pid)?.ticks ?? 0]));
  const machine0 = machineTicks();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const out: Record<string, number> = {};
    const cpuMs: Record<string, number> = {};
    for (const p of processes) {
      const ticks = (stat(p.pid)?.ticks ?? 0) - (start.get(p.pid) ?? 0);
      out[p.name] = Math.round((ticks / TICKS_PER_S / seconds) * 100);
      cpuMs[p.name] = (ticks / TICKS_PER_S) * 1000;
    }
    const machine1 = machineTicks();
    if (machine0 && machine1) {
      const total = machine1.total - machine0.total;
      // Busy and stolen shares of the whole machine (all cores): other tenants' load shows here.
      out['machine busy'] = Math.round(((total - (machine1.idle - machine0.idle)) / total) * 100);
      out['machine steal'] = Math.round(((machine1.steal - machine0.steal) / total) * 100);
    }
    return { share: out, cpuMs };
  };
}

function machineTicks(): { total: number; idle: number; steal: number } | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return { total: cpu.slice(0, 8).reduce((a, b) => a + b, 0), idle: cpu[3]! + cpu[4]!, steal: cpu[7]! };
  } catch {
    return undefined;
  }
}

/**
 * Waits until the processes (none: the whole machine) were under `underPct` % busy for one whole
 * `windowMs`, or `maxMs` passed. Answers the seconds waited and the last window's busiest share.
 */
export async function untilQuiet(options: { processes: StackProcess[]; underPct: number; windowMs: number; maxMs: number }): Promise<{ seconds: number; busiestPct: number }> {
  const t0 = Date.now();
  for (;;) {
    const cpu = measureCpu(options.processes);
    await new Promise((r) => setTimeout(r, options.windowMs));
    const { share } = cpu();
    const busiestPct = options.processes.length ? Math.max(0, ...options.processes.map((p) => share[p.name] ?? 0)) : (share['machine busy'] ?? 0);
    if (busiestPct < options.underPct || Date.now() - t0 > options.maxMs) return { seconds: Math.round((Date.now() - t0) / 100) / 10, busiestPct };
  }
}
