// The embedded engine: TypeScript on werift's packages, in the node's own process.
import type { Engine, EngineWorker } from '../types.ts';
import { EmbeddedWorker, type EmbeddedWorkerOptions } from './worker.ts';

export const embeddedEngine: Engine & { createWorker(options: EmbeddedWorkerOptions): Promise<EngineWorker> } = {
  name: 'embedded',
  createWorker: (options: EmbeddedWorkerOptions) => EmbeddedWorker.create(options),
};

export { EmbeddedWorker } from './worker.ts';
export { EmbeddedWebRtcTransport } from './webrtc-transport.ts';
