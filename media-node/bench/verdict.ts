// What a measurement step means: whether every packet that should have been forwarded was, and if
// not, which process ran out (the publisher, the forwarder: the engine or the baseline relay, the
// receivers) or whether the machine did; and the forwarder's CPU per packet from the steps where
// nothing else was the bottleneck.
import type { MachineWindow } from './machine.ts';

export type Kind = 'webrtc' | 'plain' | 'pipe' | 'baseline';
export type Culprit = 'engine' | 'relay' | 'receivers' | 'publisher' | 'machine';
export type ProcessName = 'engine' | 'publisher' | 'receivers' | 'relay';

export interface Step {
  kind: Kind;
  consumers: number;
  /** Receivers that got packets in the window (WebRTC; the others count `consumers`). */
  receiving: number;
  /** WebRTC and plain consumers on the top layer at the window's end. */
  onTopLayer?: number;
  /** Each process's CPU over the window, in cores (1 = one core busy all the time). */
  cpu: Record<ProcessName, number>;
  machine: MachineWindow;
  /** The publisher's packets/s per layer, as the engine received them. */
  layerInPps: number[];
  /** What each consumer should forward, packets/s (its layers, as they reached the forwarder). */
  perConsumerPps: number;
  forwardedPps: number;
  /** Pipe consumers: forwarded and received per layer. */
  forwardedByLayerPps?: number[];
  receivedByLayerPps?: number[];
  receivedPps: number;
  /** Packets the engine dropped as overload (its fan-out backlog full) in the window. */
  overloadDropped: number;
  verdict: Verdict;
}

export interface Verdict {
  keptUp: boolean;
  saturatedBy?: Culprit;
  /** The process blamed was out of CPU (not just the one whose stage lost packets). */
  cpuBound?: boolean;
  why?: string;
}

/** A single-threaded process at this share of a core has no headroom left (steal and timer slack take the rest). */
const PROCESS_BUSY = 0.85;
/** The forwarder past this is at its ceiling even if it still kept up (the old bench's rule). */
const FORWARDER_CEILING = 0.95;
/** All cores together past this share: nobody got the CPU they asked for. */
const MACHINE_BUSY = 0.9;

export const forwarderOf = (kind: Kind): 'engine' | 'relay' => (kind === 'baseline' ? 'relay' : 'engine');

/**
 * Finds the stage where packets went missing (the publisher's top layer, the forwarder, delivery
 * to the receivers), then blames that stage's process if it was out of CPU, else the machine if
 * every core was busy, else the stage's process anyway, saying that it was not CPU-bound.
 */
export function judge(s: Omit<Step, 'verdict'>, nominalTopPps: number): Verdict {
  const forwarder = forwarderOf(s.kind);
  const top = s.layerInPps.at(-1) ?? 0;
  const expected = s.consumers * s.perConsumerPps;
  const machineBusy = s.machine.busyCores + s.machine.stealCores >= MACHINE_BUSY * s.machine.cores;
  const blame = (stage: Culprit, cpu: number, what: string): Verdict => {
    const machine = `machine ${(s.machine.busyCores + s.machine.stealCores).toFixed(2)}/${s.machine.cores} cores busy`;
    if (cpu >= PROCESS_BUSY) return { keptUp: false, saturatedBy: stage, cpuBound: true, why: `${what}; ${stage} at ${pct(cpu)} of a core` };
    if (machineBusy) return { keptUp: false, saturatedBy: 'machine', cpuBound: true, why: `${what}; ${stage} only at ${pct(cpu)} of a core but ${machine}` };
    return { keptUp: false, saturatedBy: stage, cpuBound: false, why: `${what}; ${stage} at ${pct(cpu)} of a core, not CPU-bound (${machine})` };
  };
  if (s.consumers > 0 && top < 0.7 * nominalTopPps) {
    return blame('publisher', s.cpu.publisher, `the top layer fell to ${Math.round(top)} pkt/s (nominal ${Math.round(nominalTopPps)})`);
  }
  if (s.forwardedPps < 0.9 * expected || s.cpu[forwarder] > FORWARDER_CEILING) {
    const what = `${forwarder} forwarded ${Math.round(s.forwardedPps)} of ${Math.round(expected)} pkt/s` + (s.overloadDropped ? `, dropped ${s.overloadDropped} as overload` : '');
    return blame(forwarder, s.cpu[forwarder], what);
  }
  if (s.receiving < s.consumers || s.receivedPps < 0.9 * s.forwardedPps) {
    return blame('receivers', s.cpu.receivers, `receivers got ${Math.round(s.receivedPps)} of ${Math.round(s.forwardedPps)} pkt/s (${s.receiving}/${s.consumers} receiving)`);
  }
  return { keptUp: true };
}

export interface Cost {
  /** The forwarder's CPU per forwarded packet, µs; NaN without a step that kept up. */
  us: number;
  /** Its CPU with no consumers (receiving the publisher, or the relay's one input), in cores. */
  base: number;
  /** The steps it comes from. */
  from: number[];
}

/**
 * CPU per packet is the slope of the forwarder's CPU over forwarded packets/s, fitted through the
 * idle step, over the loaded steps that kept up (a step another process bottlenecked says nothing
 * sure about the forwarder).
 */
export function cost(steps: Step[]): Cost {
  const kind = steps[0]?.kind;
  if (!kind) return { us: Number.NaN, base: 0, from: [] };
  const forwarder = forwarderOf(kind);
  const base = steps.find((s) => s.consumers === 0)?.cpu[forwarder] ?? 0;
  const good = steps.filter((s) => s.consumers > 0 && s.verdict.keptUp && s.forwardedPps > 0);
  if (good.length === 0) return { us: Number.NaN, base, from: [] };
  const num = good.reduce((n, s) => n + (s.cpu[forwarder] - base) * s.forwardedPps, 0);
  const den = good.reduce((n, s) => n + s.forwardedPps ** 2, 0);
  return { us: (num / den) * 1e6, base, from: good.map((s) => s.consumers) };
}

export const pct = (cores: number) => `${(cores * 100).toFixed(1)}%`;
