// Engine selection. `auto` takes mediasoup when its module and native worker are installed, else
// the embedded engine, and says which and why.
import { existsSync } from 'node:fs';
import type { Logger } from '../log.ts';
import { embeddedEngine } from './embedded/index.ts';
import { EngineError } from './errors.ts';
import { type MediasoupModule, createMediasoupEngine } from './mediasoup/index.ts';
import type { Engine, EngineName } from './types.ts';

export type MediasoupProbe = { available: true; module: MediasoupModule } | { available: false; reason: string };

let probed: Promise<MediasoupProbe> | undefined;

/** Whether mediasoup can run here; its absence is normal on machines without internet. */
export function probeMediasoup(): Promise<MediasoupProbe> {
  probed ??= (async (): Promise<MediasoupProbe> => {
    let loaded: { default?: MediasoupModule } & Partial<MediasoupModule>;
    try {
      // A variable specifier: the optional dependency must not be resolved at build time.
      const specifier = 'mediasoup';
      loaded = await import(specifier);
    } catch (error) {
      return { available: false, reason: `mediasoup is not installed (${(error as Error).message.split('\n')[0]})` };
    }
    const module = (loaded.default ?? loaded) as MediasoupModule;
    if (typeof module.createWorker !== 'function') return { available: false, reason: 'the mediasoup module has no createWorker' };
    if (module.workerBin && !existsSync(module.workerBin)) {
      return { available: false, reason: `mediasoup ${module.version} is installed but its worker binary is missing (${module.workerBin})` };
    }
    return { available: true, module };
  })();
  return probed;
}

export async function selectEngine(choice: 'auto' | EngineName, log: Logger): Promise<Engine> {
  if (choice === 'embedded') {
    log.info('engine selected', { engine: 'embedded', reason: 'configured' });
    return embeddedEngine;
  }
  const probe = await probeMediasoup();
  if (probe.available) {
    log.info('engine selected', { engine: 'mediasoup', reason: choice === 'auto' ? 'auto: mediasoup worker installed' : 'configured', version: probe.module.version });
    return createMediasoupEngine(probe.module);
  }
  if (choice === 'mediasoup') throw new EngineError('engine_unavailable', `engine "mediasoup" configured but unavailable: ${probe.reason}`);
  log.info('engine selected', { engine: 'embedded', reason: `auto: ${probe.reason}` });
  return embeddedEngine;
}

/** Every engine that can run here, and for the others why not (the conformance suite reports them). */
export async function engineAvailability(): Promise<{ name: EngineName; engine?: Engine; reason?: string }[]> {
  const probe = await probeMediasoup();
  return [
    { name: 'embedded', engine: embeddedEngine },
    probe.available ? { name: 'mediasoup', engine: createMediasoupEngine(probe.module) } : { name: 'mediasoup', reason: probe.reason },
  ];
}
