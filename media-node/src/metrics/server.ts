// The node's one HTTP listener: GET /metrics (Prometheus text format) and GET /health (for a load
// balancer or systemd watchdog: 200 while serving, 503 while draining or with no engine worker
// left). Nothing else is served; media never goes through here.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeMetrics } from './metrics.ts';

export interface HealthFacts {
  nodeId: string;
  engine: string;
  workers: number;
  workersAlive: number;
  /** Absent on a standalone node. */
  fleet?: { connected: boolean; draining: boolean; rooms: number };
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(options: { host: string; port: number; metrics: NodeMetrics; health: () => HealthFacts }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      options.metrics
        .text()
        .then((text) => res.writeHead(200, { 'content-type': options.metrics.contentType }).end(req.method === 'HEAD' ? undefined : text))
        .catch((error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(error)}\n`));
      return;
    }
    if (path === '/health') {
      const facts = options.health();
      const status = facts.workersAlive === 0 ? 'down' : facts.fleet?.draining ? 'draining' : 'ok';
      res.writeHead(status === 'ok' ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ status, ...facts }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics or /health\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
