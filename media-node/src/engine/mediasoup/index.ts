// The mediasoup engine. mediasoup's API is the shape of the engine interface, so the adapter only
// (1) gives every worker one WebRtcServer on the configured port, as the embedded engine does,
// (2) routes `on('close')` to mediasoup's observer, where mediasoup emits it,
// (3) wraps the objects that factory methods return, and (4) enforces the worker limits.
// mediasoup is an optional dependency: this module receives the loaded module and never imports it.
import { EngineError } from '../errors.ts';
import type { Engine, EngineWorker, WorkerOptions } from '../types.ts';

/** The structural part of mediasoup's module that the adapter touches. */
export interface MediasoupModule {
  version: string;
  workerBin?: string;
  createWorker(options: { logLevel?: string; rtcMinPort?: number; rtcMaxPort?: number; appData?: Record<string, unknown> }): Promise<MsObject>;
}

type Listener = (...args: unknown[]) => void;
type Method = (...args: unknown[]) => Promise<MsObject>;
export interface MsObject {
  observer?: { on(event: string, l: Listener): unknown; once(event: string, l: Listener): unknown; off(event: string, l: Listener): unknown };
  on(event: string, l: Listener): unknown;
  once(event: string, l: Listener): unknown;
  off(event: string, l: Listener): unknown;
  [key: string]: unknown;
}

// Methods whose result is itself an engine object and must be adapted too.
const FACTORIES = new Set(['createRouter', 'createWebRtcTransport', 'createPipeTransport', 'createPlainTransport', 'produce', 'consume']);

/** The mediasoup object behind each adapted one, for calls that hand our objects back to mediasoup. */
const RAW = new WeakMap<object, MsObject>();

function adapt<T>(target: MsObject, overrides: Record<string, unknown> = {}): T {
  const proxy: MsObject = new Proxy(target, {
    get(obj, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop];
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
        return async (...args: unknown[]) => adapt(await (value as Method).apply(obj, args));
      }
      return (value as (...a: unknown[]) => unknown).bind(obj);
    },
    // A method assigned to an adapted object (metrics/tracker.ts wraps the factories) replaces the
    // adapted one and never lands on the mediasoup object underneath.
    set(obj, prop, value, receiver) {
      if (typeof prop === 'string' && typeof value === 'function') {
        overrides[prop] = value;
        return true;
      }
      return Reflect.set(obj, prop, value, receiver);
    },
  });
  RAW.set(proxy, target);
  return proxy as T;
}

/** Counts live objects against a limit; an object frees its slot when its observer says close. */
function limiter(max: number | undefined, what: string) {
  let live = 0;
  return {
    reserve() {
      if (max !== undefined && live >= max) throw new EngineError('limit_reached', `worker ${what} limit reached`);
      live++;
    },
    track(object: MsObject) {
      (object.observer ?? object).once('close', () => void live--);
    },
    release() {
      live--;
    },
  };
}

export function createMediasoupEngine(mediasoup: MediasoupModule): Engine {
  return {
    name: 'mediasoup',
    async createWorker(options: WorkerOptions): Promise<EngineWorker> {
      // mediasoup's plain and pipe transports take their ports from the worker's range.
      const range = options.rtcPortRange ? { rtcMinPort: options.rtcPortRange.min, rtcMaxPort: options.rtcPortRange.max } : {};
      const worker = await mediasoup.createWorker({ logLevel: 'warn', ...range, appData: options.appData ?? {} });
      const server = await (worker.createWebRtcServer as Method).call(worker, {
        listenInfos: [
          { protocol: 'udp', ip: options.listenIp, announcedAddress: options.announcedAddress, port: options.port || undefined },
          { protocol: 'tcp', ip: options.listenIp, announcedAddress: options.announcedAddress, port: options.port || undefined },
        ],
      });
      const dump = (await (server.getDump as () => Promise<unknown>).call(server)) as { udpSockets?: { port: number }[] };
      const routers = limiter(options.maxRouters, 'router');
      const transports = limiter(options.maxTransports, 'transport');

      // Plain and pipe transports count against the same limit as WebRTC ones.
      const limitedTransport = (router: MsObject, method: 'createPlainTransport' | 'createPipeTransport') => async (o: Record<string, unknown> = {}) => {
        transports.reserve();
        let transport: MsObject;
        try {
          transport = await (router[method] as Method).call(router, o);
        } catch (error) {
          transports.release();
          throw error;
        }
        transports.track(transport);
        return adapt(transport);
      };

      const pipeToRouter = (router: MsObject) => async (o: Record<string, unknown>) => {
        const target = (o.router && RAW.get(o.router as object)) ?? o.router;
        const result = (await (router.pipeToRouter as (x: unknown) => Promise<{ pipeConsumer: MsObject; pipeProducer: MsObject }>).call(router, { ...o, router: target }));
        return { pipeConsumer: adapt(result.pipeConsumer), pipeProducer: adapt(result.pipeProducer) };
      };

      const createWebRtcTransport = (router: MsObject) => async (o: Record<string, unknown> = {}) => {
        transports.reserve();
        let transport: MsObject;
        try {
          transport = await (router.createWebRtcTransport as Method).call(router, {
            webRtcServer: server,
            enableUdp: o.enableUdp ?? true,
            enableTcp: o.enableTcp ?? true,
            preferUdp: o.preferUdp ?? true,
            initialAvailableOutgoingBitrate: o.initialAvailableOutgoingBitrate ?? options.initialAvailableOutgoingBitrate,
            appData: o.appData ?? {},
          });
        } catch (error) {
          transports.release();
          throw error;
        }
        transports.track(transport);
        if (options.maxIncomingBitrate) await (transport.setMaxIncomingBitrate as Method).call(transport, options.maxIncomingBitrate);
        return adapt(transport);
      };

      return adapt<EngineWorker>(worker, {
        port: dump.udpSockets?.[0]?.port ?? options.port,
        createRouter: async (routerOptions: unknown) => {
          routers.reserve();
          let router: MsObject;
          try {
            router = await (worker.createRouter as Method).call(worker, routerOptions);
          } catch (error) {
            routers.release();
            throw error;
          }
          routers.track(router);
          return adapt(router, {
            createWebRtcTransport: createWebRtcTransport(router),
            createPlainTransport: limitedTransport(router, 'createPlainTransport'),
            createPipeTransport: limitedTransport(router, 'createPipeTransport'),
            pipeToRouter: pipeToRouter(router),
          });
        },
      });
    },
  };
}
