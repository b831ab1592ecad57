// The machine's side of a measurement window: how busy all its cores were (our processes, the
// other engineer's test runs, and steal from the hypervisor) and the load average.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineSample {
  /** Jiffies (or ms) since boot, summed over cores. */
  busy: number;
  steal: number;
  total: number;
}

/** Linux's /proc/stat counts steal; elsewhere os.cpus() (no steal) stands in. */
export function sampleMachine(): MachineSample {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq!;
    return { busy, steal: steal ?? 0, total: busy + idle! + iowait! + (steal ?? 0) };
  } catch {
    const cpus = os.cpus();
    const sum = (k: keyof os.CpuInfo['times']) => cpus.reduce((n, c) => n + c.times[k], 0);
    const busy = sum('user') + sum('nice') + sum('sys') + sum('irq');
    return { busy, steal: 0, total: busy + sum('idle') };
  }
}

export interface MachineWindow {
  cores: number;
  /** Cores' worth of CPU in use (0..cores), steal excluded. */
  busyCores: number;
  stealCores: number;
  load1: number;
}

export function machineWindow(a: MachineSample, b: MachineSample): MachineWindow {
  const cores = os.availableParallelism();
  const total = Math.max(1, b.total - a.total);
  return {
    cores,
    busyCores: ((b.busy - a.busy) / total) * cores,
    stealCores: ((b.steal - a.steal) / total) * cores,
    load1: os.loadavg()[0]!,
  };
}

/** CPU seconds of every process on the machine now (from /proc), by pid, with its command. */
export function sampleProcesses(): Map<number, { comm: string; cpuSeconds: number }> {
  const out = new Map<number, { comm: string; cpuSeconds: number }>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  const hz = 100;
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, { comm, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / hz });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The processes that used the most CPU between two samples (cores = CPU seconds per wall second), any owner. */
export function busiestProcesses(a: ReturnType<typeof sampleProcesses>, b: ReturnType<typeof sampleProcesses>, wallSeconds: number, count = 8): { pid: number; comm: string; cores: number }[] {
  return [...b.entries()]
    .map(([pid, now]) => ({ pid, comm: now.comm, cores: Math.round(((now.cpuSeconds - (a.get(pid)?.cpuSeconds ?? 0)) / wallSeconds) * 1000) / 1000 }))
    .sort((x, y) => y.cores - x.cores)
    .slice(0, count);
}
