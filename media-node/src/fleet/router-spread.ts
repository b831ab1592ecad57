// One room over every core of this node: a router runs on one engine worker (one core), so a room
// with more viewers than one router should carry gets further routers on the node's other
// workers. Publishers stay on the room's main router; a viewer's transport goes to the router
// with the fewest viewers while it is under its share, and a new router opens on an unused worker
// when all are full. Each producer a router's viewers consume is piped to it from the main router
// once (pipeToRouter: every layer, same producer id; pause, resume and close follow).
import type { EngineWorker, Router, RtpCodecCapability } from '../engine/types.ts';

export class RouterSpread {
  /** Viewers (receive transports) per router; the main router first. */
  readonly #viewers = new Map<Router, number>();
  /** The worker each router runs on. */
  readonly #workerOf = new Map<Router, EngineWorker>();
  /** Pipings in flight or done, by router id and producer id. */
  readonly #piped = new Map<string, Promise<void>>();
  /** A router being opened: concurrent viewers wait for the same one. */
  #opening: Promise<Router | undefined> | undefined;

  constructor(
    readonly main: Router,
    mainWorker: EngineWorker,
    /** The node's workers, least busy first. */
    private readonly workers: () => EngineWorker[],
    private readonly viewersPerRouter: number,
    private readonly mediaCodecs: RtpCodecCapability[],
    private readonly appData: Record<string, unknown>,
  ) {
    this.#viewers.set(main, 0);
    this.#workerOf.set(main, mainWorker);
  }

  get routers(): Router[] {
    return [...this.#viewers.keys()];
  }

  /** The workers the room's routers run on. */
  get workersInUse(): EngineWorker[] {
    return this.routers.map((r) => this.#workerOf.get(r)!);
  }

  /** The router for a new viewer transport; call `left` when that transport closes. */
  async routerForViewer(): Promise<{ router: Router; left: () => void }> {
    let router = this.#leastFull();
    if ((this.#viewers.get(router) ?? 0) >= this.viewersPerRouter) router = (await this.#openRouter()) ?? this.#leastFull();
    this.#viewers.set(router, (this.#viewers.get(router) ?? 0) + 1);
    let left = false;
    return {
      router,
      left: () => {
        if (left || !this.#viewers.has(router)) return;
        left = true;
        this.#viewers.set(router, Math.max(0, this.#viewers.get(router)! - 1));
      },
    };
  }

  /** The producer (on the main router) is consumable on `router`. */
  ensureProducer(router: Router, producerId: string): Promise<void> {
    if (router === this.main) return Promise.resolve();
    const key = `${router.id} ${producerId}`;
    let piping = this.#piped.get(key);
    if (!piping) {
      piping = this.main.pipeToRouter({ producerId, router }).then(({ pipeProducer }) => {
        pipeProducer.once('close', () => this.#piped.delete(key));
      });
      piping.catch(() => this.#piped.delete(key));
      this.#piped.set(key, piping);
    }
    return piping;
  }

  /** Closes the extra routers (the main one is the session's to close). */
  close(): void {
    for (const router of this.#viewers.keys()) if (router !== this.main) router.close();
    this.#viewers.clear();
  }

  #leastFull(): Router {
    let best = this.main;
    for (const [router, n] of this.#viewers) if (n < this.#viewers.get(best)!) best = router;
    return best;
  }

  #openRouter(): Promise<Router | undefined> {
    this.#opening ??= (async () => {
      const used = new Set([...this.#viewers.keys()].map((r) => this.#workerOf.get(r)));
      const worker = this.workers().find((w) => !used.has(w) && !w.closed);
      if (!worker) return undefined;
      const router = await worker.createRouter({ mediaCodecs: this.mediaCodecs, appData: this.appData });
      this.#viewers.set(router, 0);
      this.#workerOf.set(router, worker);
      router.on('workerclose', () => this.#viewers.delete(router));
      return router;
    })().finally(() => (this.#opening = undefined));
    return this.#opening;
  }
}
