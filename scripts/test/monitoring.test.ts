// The monitoring files in ops/monitoring against Prometheus' own checker (promtool, Debian's
// prometheus package; .ci/run installs it): the alert rules load and their unit tests pass, the
// example scrape config parses, the Worker's operator metrics are valid exposition text, and
// every metric the dashboard and the rules query is one the media node or the Worker exports.
// (The media node's live /metrics output is checked in media-node/test/metrics.test.ts.)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { operatorMetrics } from '../../workers/src/platform/operator-metrics.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = `${ROOT}ops/monitoring`;
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

function promtool(args: string[], input?: string) {
  const r = spawnSync('promtool', args, { cwd: DIR, input, encoding: 'utf8' });
  expect(r.error, 'promtool is missing: apt-get install prometheus (.ci/run does)').toBeUndefined();
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Metric names the code declares: the media node's (prefix roomcast_media_) and the Worker's. */
function declaredMetrics(): Set<string> {
  const names = new Set<string>();
  for (const m of read('media-node/src/metrics/metrics.ts').matchAll(/name: `\$\{P\}([a-z0-9_]+)`/g)) names.add(`roomcast_media_${m[1]}`);
  for (const m of read('workers/src/platform/operator-metrics.ts').matchAll(/name: '(roomcast_[a-z0-9_]+)'/g)) names.add(m[1]!);
  return names;
}

/** prom-client's default process and Node.js metrics, which the node registers with its prefix. */
const isDefaultMetric = (name: string) => /^roomcast_media_(process_|nodejs_)/.test(name);

describe('ops/monitoring', () => {
  it('alert rules pass `promtool check rules` and their unit tests (`promtool test rules`)', () => {
    expect(promtool(['check', 'rules', 'alerts.yml'])).toMatchObject({ status: 0 });
    expect(promtool(['test', 'rules', 'alerts.test.yml'])).toMatchObject({ status: 0 });
  });

  it('the example scrape configuration parses', () => {
    expect(promtool(['check', 'config', '--syntax-only', 'prometheus.example.yml'])).toMatchObject({ status: 0 });
  });

  it("the Worker's operator metrics pass `promtool check metrics`", () => {
    const now = Date.now();
    const text = operatorMetrics({
      now,
      nodes: [
        {
          nodeId: 'media-eu-1', region: 'eu',
          capacity: { maxConsumers: 800, maxRouters: 1000 },
          load: { routers: 3, transports: 9, producers: 4, consumers: 120, cpu: 0.3, bitrateKbps: 4200, state: 'serving' },
          drained: false, connected: true, healthy: true, lastSeen: new Date(now - 1000).toISOString(), rooms: 3,
        },
      ],
      live: { total: 1, rooms: [{ roomId: 'r', nodeId: 'media-eu-1', assignedAt: now - 60_000 }] },
      roomStats: [{ participants: 12, viewers: 10 }],
    });
    expect(promtool(['check', 'metrics'], text)).toEqual({ status: 0, output: '' });
  });

  it('the dashboard is Grafana JSON whose every query names exported metrics', () => {
    const dashboard = JSON.parse(read('ops/monitoring/grafana-dashboard.json')) as { uid: string; panels: { type: string; title: string; targets?: { expr: string }[] }[] };
    expect(dashboard.uid).toBe('roomcast-fleet');
    const declared = declaredMetrics();
    expect(declared.size).toBeGreaterThan(25);
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(20);
    const rules = read('ops/monitoring/alerts.yml');
    const used = new Set([...`${exprs.join('\n')}\n${rules}`.matchAll(/\broomcast_[a-z0-9_]+/g)].map((m) => m[0]));
    const unknown = [...used].filter((name) => {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      return !declared.has(name) && !declared.has(base) && !isDefaultMetric(name);
    });
    expect(unknown).toEqual([]);
    // Every figure the issue names has a panel.
    const titles = dashboard.panels.map((p) => p.title).join('\n');
    for (const t of ['Rooms live', 'Viewers', 'RTT', 'Jitter', 'Packet loss', 'Consumer score', 'NACK', 'CPU', 'event-loop lag', 'jobs', 'Stream hours']) expect(titles).toContain(t);
  });
});
