// Entry point: read the configuration, start the engine and the metrics endpoint, say so. SIGTERM
// drains (a fleet node keeps serving its rooms until they end or the drain deadline passes, then
// exits); SIGINT, or a second signal, stops at once.
import { loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { FleetClient } from './fleet/fleet-client.ts';
import { NodeMetrics } from './metrics/metrics.ts';
import { startMetricsServer } from './metrics/server.ts';
import { MediaNode } from './node.ts';
import { RtmpIngest } from './ingest/rtmp-ingest.ts';
import { startRtmpServer, type RtmpServer } from './ingest/rtmp-server.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const node = await MediaNode.start(config, log);
  // With a fleet URL the node dials FleetDO and serves the rooms it is assigned; without, it
  // runs standalone (engine only).
  const fleet = config.fleet ? new FleetClient(node, config, config.fleet, log.child('fleet')) : undefined;
  const fleetFacts = () => (fleet ? { connected: fleet.connected, draining: fleet.draining, rooms: fleet.rooms.size } : undefined);
  const metrics = new NodeMetrics(node, node.tracker, fleetFacts).start();
  const server = await startMetricsServer({
    host: config.metrics.host,
    port: config.metrics.port,
    metrics,
    health: () => ({
      nodeId: config.nodeId,
      engine: node.engine.name,
      workers: node.workers.length,
      workersAlive: node.workers.filter((w) => !w.closed).length,
      ...(fleet ? { fleet: fleetFacts()! } : {}),
    }),
  });
  // RTMP ingest needs the fleet: the Worker checks stream keys and owns the rooms' producers.
  let rtmp: { server: RtmpServer; ingest: RtmpIngest } | undefined;
  if (config.rtmp && fleet) {
    const ingestLog = log.child('rtmp');
    const ingest = new RtmpIngest(fleet.ingestLink, ingestLog, { app: 'live', graceMs: config.rtmp.graceSeconds * 1000, bindIp: config.listenIp, maxHeldTags: 300 });
    fleet.onRtmpClose = (connectionId, reason) => ingest.closeConnection(connectionId, reason);
    const rtmpServer = await startRtmpServer({
      host: config.rtmp.host,
      port: config.rtmp.port,
      maxConnections: config.rtmp.maxConnections,
      log: ingestLog,
      onPublish: (conn) => ingest.onPublish(conn),
    });
    rtmp = { server: rtmpServer, ingest };
  } else if (config.rtmp) {
    log.warn('MEDIA_RTMP_PORT is set but there is no fleet: RTMP ingest is off');
  }
  log.info('media node ready', { ...node.info, workers: node.workers.length, fleet: config.fleet?.url ?? 'standalone', metrics: `${server.url}/metrics`, health: `${server.url}/health`, ...(rtmp ? { rtmp: `rtmp://${config.announcedAddress}:${rtmp.server.port}/live` } : {}) });
  fleet?.start();

  let exiting = false;
  const stop = (why: string) => {
    if (exiting) return;
    exiting = true;
    log.info('shutting down', { why });
    metrics.stop();
    rtmp?.ingest.close();
    void rtmp?.server.close();
    fleet?.stop();
    node.close();
    void server.close();
    process.exit(0);
  };
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signal === 'SIGINT' || draining || !fleet) return stop(signal);
    draining = true;
    const started = Date.now();
    log.info('SIGTERM: draining before exit', { rooms: fleet.rooms.size, deadlineSeconds: config.drainTimeoutSeconds });
    void fleet.drain().then(() => {
      log.info('drained: no room left', { afterMs: Date.now() - started });
      stop('drained');
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', scope: 'media-node', msg: 'failed to start', error: String(error) })}\n`);
  process.exit(1);
});
