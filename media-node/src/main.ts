// Entry point: read the configuration, start the engine, say so, stop cleanly on a signal.
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { MediaNode } from './node.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const node = await MediaNode.start(config, log);
  log.info('media node ready', { ...node.info, workers: node.workers.length });
  const stop = (signal: string) => {
    log.info('shutting down', { signal });
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
