// The media node: the engine's workers, one per core, each on its own RTC port. The fleet
// connection (fleet/fleet-client.ts) uses `engine` and `workers`; main.ts calls `close()`.
import type { MediaNodeConfig } from './config.ts';
import { selectEngine } from './engine/load.ts';
import type { Engine, EngineWorker } from './engine/types.ts';
import type { Logger } from './log.ts';
import { MediaTracker } from './metrics/tracker.ts';

export interface MediaNodeInfo {
  nodeId: string;
  region: string;
  engine: Engine['name'];
  announcedAddress: string;
  ports: number[];
}

export class MediaNode {
  private constructor(
    readonly engine: Engine,
    readonly workers: EngineWorker[],
    readonly info: MediaNodeInfo,
    /** The live engine objects per worker, for the metrics endpoint. */
    readonly tracker: MediaTracker,
    private readonly log: Logger,
  ) {}

  static async start(config: MediaNodeConfig, log: Logger): Promise<MediaNode> {
    const engine = await selectEngine(config.engine, log);
    const workers: EngineWorker[] = [];
    const tracker = new MediaTracker();
    try {
      for (let i = 0; i < config.workers; i++) {
        const worker = await engine.createWorker({
          listenIp: config.listenIp,
          announcedAddress: config.announcedAddress,
          port: config.rtcMinPort + i,
          // The rest of the range: plain transports (recorders) and pipes to other nodes.
          rtcPortRange: { min: config.rtcMinPort + config.workers, max: config.rtcMaxPort },
          maxIncomingBitrate: config.limits.maxIncomingBitrate,
          initialAvailableOutgoingBitrate: config.limits.initialAvailableOutgoingBitrate,
          maxRouters: config.limits.maxRoutersPerWorker,
          maxTransports: config.limits.maxTransportsPerWorker,
          appData: { index: i },
        });
        worker.on('died', (error) => log.error('engine worker died', { index: i, pid: worker.pid, error: String(error) }));
        workers.push(tracker.instrument(worker));
      }
    } catch (error) {
      for (const w of workers) w.close();
      throw error;
    }
    const info: MediaNodeInfo = {
      nodeId: config.nodeId,
      region: config.region,
      engine: engine.name,
      announcedAddress: config.announcedAddress,
      ports: workers.map((w) => w.port),
    };
    return new MediaNode(engine, workers, info, tracker, log);
  }

  close(): void {
    for (const w of this.workers) w.close();
    this.log.info('media node stopped', { nodeId: this.info.nodeId });
  }
}
