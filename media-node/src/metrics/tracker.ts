// Which engine objects are alive, per engine worker, for the metrics endpoint. The node's workers
// are instrumented once at start (MediaNode.start): each router, transport, producer and consumer
// created through them is recorded here and forgotten when it closes. Nothing in the room code
// changes: the engine interface is the same, the objects are the engine's own.
import type { Consumer, EngineWorker, Producer, Router, Transport } from '../engine/types.ts';

export type TransportType = 'webrtc' | 'pipe' | 'plain';

export interface WorkerObjects {
  routers: Set<Router>;
  transports: Map<Transport, TransportType>;
  producers: Set<Producer>;
  consumers: Set<Consumer>;
}

type Closable = { once(event: 'close', listener: () => void): unknown };

export class MediaTracker {
  readonly #byWorker = new Map<EngineWorker, WorkerObjects>();

  /** The live objects of one worker (empty sets for a worker never instrumented). */
  objects(worker: EngineWorker): WorkerObjects {
    let o = this.#byWorker.get(worker);
    if (!o) {
      o = { routers: new Set(), transports: new Map(), producers: new Set(), consumers: new Set() };
      this.#byWorker.set(worker, o);
    }
    return o;
  }

  /** Wraps the worker's factory methods (own properties over the prototype's) so what they create is recorded. */
  instrument(worker: EngineWorker): EngineWorker {
    const objects = this.objects(worker);
    const track = <T extends Closable>(set: { add(v: T): unknown; delete(v: T): unknown }, object: T) => {
      set.add(object);
      object.once('close', () => set.delete(object));
      return object;
    };
    const trackTransport = <T extends Transport>(transport: T, type: TransportType): T => {
      objects.transports.set(transport, type);
      transport.once('close', () => objects.transports.delete(transport));
      if (typeof transport.produce === 'function') {
        const produce = transport.produce.bind(transport);
        transport.produce = async (options) => track(objects.producers, await produce(options));
      }
      if (typeof transport.consume === 'function') {
        const consume = transport.consume.bind(transport);
        transport.consume = async (options) => track(objects.consumers, await consume(options));
      }
      return transport;
    };
    const createRouter = worker.createRouter.bind(worker);
    worker.createRouter = async (options) => {
      const router = track(objects.routers, await createRouter(options));
      const wrap = <K extends 'createWebRtcTransport' | 'createPipeTransport' | 'createPlainTransport'>(method: K, type: TransportType) => {
        if (typeof router[method] !== 'function') return;
        const create = (router[method] as (o: unknown) => Promise<Transport>).bind(router);
        (router as unknown as Record<K, (o: unknown) => Promise<Transport>>)[method] = async (o) => trackTransport(await create(o), type);
      };
      wrap('createWebRtcTransport', 'webrtc');
      wrap('createPipeTransport', 'pipe');
      wrap('createPlainTransport', 'plain');
      return router;
    };
    return worker;
  }
}
