// Entry point: read the configuration, start the engine, say so, stop cleanly on a signal.
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { FleetClient } from './fleet/fleet-client.ts';
import { MediaNode } from './node.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const node = await MediaNode.start(config, log);
  log.info('media node ready', { ...node.info, workers: node.workers.length, fleet: config.fleet?.url ?? 'standalone' });
  // With a fleet URL the node dials FleetDO and serves the rooms it is assigned; without, it
  // runs standalone (engine only).
  const fleet = config.fleet ? new FleetClient(node, config, config.fleet, log.child('fleet')) : undefined;
  fleet?.start();
  const stop = (signal: string) => {
    log.info('shutting down', { signal });
    fleet?.stop();
    node.close();
    process.exit(0);
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', scope: 'media-node', msg: 'failed to start', error: String(error) })}\n`);
  process.exit(1);
});
