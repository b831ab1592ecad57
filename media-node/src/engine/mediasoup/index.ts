// The mediasoup engine. mediasoup's API is the shape of the engine interface, so the adapter only
// (1) gives every worker one WebRtcServer on the configured port, as the embedded engine does,
// (2) routes `on('close')` to mediasoup's observer, where mediasoup emits it, and
// (3) wraps the objects that factory methods return.
// mediasoup is an optional dependency: this module receives the loaded module and never imports it.
import type { Engine, EngineWorker, WorkerOptions } from '../types.ts';

/** The structural part of mediasoup's module that the adapter touches. */
export interface MediasoupModule {
  version: string;
  workerBin?: string;
  createWorker(options: { rtcMinPort?: number; rtcMaxPort?: number; logLevel?: string; appData?: Record<string, unknown> }): Promise<MsObject>;
}

type Listener = (...args: unknown[]) => void;
interface MsObject {
  observer?: { on(event: string, l: Listener): unknown; once(event: string, l: Listener): unknown; off(event: string, l: Listener): unknown };
  on(event: string, l: Listener): unknown;
  once(event: string, l: Listener): unknown;
  off(event: string, l: Listener): unknown;
  [key: string]: unknown;
}

// Methods whose result is itself an engine object and must be adapted too.
const FACTORIES = new Set(['createRouter', 'createWebRtcTransport', 'createPipeTransport', 'createPlainTransport', 'produce', 'consume']);

function adapt<T>(target: MsObject, extra: Record<string, unknown> = {}): T {
  const proxy: unknown = new Proxy(target, {
    get(obj, prop, receiver) {
      if (typeof prop === 'string' && prop in extra) return extra[prop];
      if (prop === 'on' || prop === 'once' || prop === 'off') {
        return (event: string, listener: Listener) => {
          const source = event === 'close' && obj.observer ? obj.observer : obj;
          (source[prop] as (e: string, l: Listener) => unknown).call(source, event, listener);
          return proxy;
        };
      }
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      if (typeof prop === 'string' && FACTORIES.has(prop)) {
        return async (...args: unknown[]) => adapt(await (value as (...a: unknown[]) => Promise<MsObject>).apply(obj, args));
      }
      return (value as (...a: unknown[]) => unknown).bind(obj);
    },
  });
  return proxy as T;
}

export function createMediasoupEngine(mediasoup: MediasoupModule): Engine {
  return {
    name: 'mediasoup',
    async createWorker(options: WorkerOptions): Promise<EngineWorker> {
      const worker = await mediasoup.createWorker({ logLevel: 'warn', appData: options.appData ?? {} });
      const createWebRtcServer = worker.createWebRtcServer as (o: unknown) => Promise<MsObject>;
      const server = await createWebRtcServer.call(worker, {
        listenInfos: [
          { protocol: 'udp', ip: options.listenIp, announcedAddress: options.announcedAddress, port: options.port },
          { protocol: 'tcp', ip: options.listenIp, announcedAddress: options.announcedAddress, port: options.port },
        ],
      });
      const udp = (server.getDump as () => Promise<{ udpSockets?: { port: number }[] }>).call(server);
      const port = (await udp).udpSockets?.[0]?.port ?? options.port;
      const createRouter = worker.createRouter as (o: unknown) => Promise<MsObject>;
      return adapt<EngineWorker>(worker, {
        port,
        createRouter: async (routerOptions: unknown) => {
          const router = await createRouter.call(worker, routerOptions);
          const createWebRtcTransport = router.createWebRtcTransport as (o: unknown) => Promise<MsObject>;
          return adapt(router, {
            createWebRtcTransport: async (o: Record<string, unknown> = {}) => {
              const transport = adapt(
                await createWebRtcTransport.call(router, {
                  webRtcServer: server,
                  enableUdp: o.enableUdp ?? true,
                  enableTcp: o.enableTcp ?? true,
                  preferUdp: o.preferUdp ?? true,
                  initialAvailableOutgoingBitrate: o.initialAvailableOutgoingBitrate ?? options.initialAvailableOutgoingBitrate,
                  appData: o.appData ?? {},
                }) as MsObject,
              );
              if (options.maxIncomingBitrate) await (transport as { setMaxIncomingBitrate(b: number): Promise<void> }).setMaxIncomingBitrate(options.maxIncomingBitrate);
              return transport;
            },
          });
        },
      });
    },
  };
}
