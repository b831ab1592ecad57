// The load processes' side of the bench signaling: requests to the engine process over IPC, and
// just enough of a Router (over those requests) for the publisher bot.
import type { IceCandidate, IceParameters, Producer, Router, RtpCapabilities } from '../src/engine/types.ts';
import type { BenchEnvelope, BenchRequest } from './rpc.ts';

let nextId = 1;
const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
process.on('message', (m: BenchEnvelope) => {
  if (!('id' in m) || 'request' in m) return;
  const p = pending.get(m.id);
  pending.delete(m.id);
  if (m.error) p?.reject(new Error(m.error));
  else p?.resolve(m.result);
});
export function call<T>(request: BenchRequest): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    process.send!({ id, request });
  });
}

export interface ServerTransportInfo {
  id: string;
  iceParameters: IceParameters;
  iceCandidates: IceCandidate[];
  dtlsParameters: unknown;
}

// Just enough of a Router for PublisherBot, over IPC.
export async function remoteRouter(): Promise<Router> {
  const rtpCapabilities = await call<RtpCapabilities>({ method: 'routerCapabilities' });
  return {
    rtpCapabilities,
    async createWebRtcTransport() {
      const t = await call<ServerTransportInfo>({ method: 'createTransport' });
      return {
        ...t,
        connect: ({ dtlsParameters }: { dtlsParameters: unknown }) => call<void>({ method: 'connect', transportId: t.id, dtlsParameters }),
        produce: async ({ kind, rtpParameters }: { kind: 'audio' | 'video'; rtpParameters: unknown }) =>
          ({ id: await call<string>({ method: 'produce', transportId: t.id, kind, rtpParameters }), kind }) as unknown as Producer,
        close() {},
      };
    },
  } as unknown as Router;
}


/**
 * Every load process answers `cpu` with its own CPU time (user + system, µs, all threads), so the
 * bench can tell which process ran out of CPU when a step stops forwarding everything.
 */
export function answerCpu(): void {
  process.on('message', (m: { command?: string }) => {
    if (m.command !== 'cpu') return;
    const u = process.cpuUsage();
    process.send!({ event: 'cpu', us: u.user + u.system });
  });
}
