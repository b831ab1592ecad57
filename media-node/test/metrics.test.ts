// The node's Prometheus endpoint and health check on a real embedded engine with media flowing (a
// mediasoup-client publisher and viewer over libwebrtc): the counters move, no label carries an
// id, and Prometheus' own checker (`promtool check metrics`, Debian's prometheus package) accepts
// the exposition text the node serves.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { NodeMetrics, type FleetFacts } from '../src/metrics/metrics.ts';
import { startMetricsServer, type MetricsServer } from '../src/metrics/server.ts';
import { MediaNode } from '../src/node.ts';
import { ConsumerBot, mediaCodecs, PublisherBot } from './support/bots.ts';

let node: MediaNode;
let server: MetricsServer;
let publisher: PublisherBot;
let viewer: ConsumerBot;
let fleet: FleetFacts = { rooms: 1, connected: true, draining: false };
const ids: string[] = [];

beforeAll(async () => {
  const config = loadConfig({ MEDIA_ENGINE: 'embedded', MEDIA_WORKERS: '2', MEDIA_LISTEN_IP: '127.0.0.1', MEDIA_RTC_MIN_PORT: '41480', MEDIA_RTC_MAX_PORT: '41489' });
  node = await MediaNode.start(config, silentLogger);
  const router = await node.workers[1]!.createRouter({ mediaCodecs, appData: { roomId: 'room-secret-id' } });
  publisher = await PublisherBot.start(router, { width: 320, height: 180, fps: 15, layers: [300_000], audio: true });
  viewer = await ConsumerBot.start(router);
  const consumer = await viewer.consume(publisher.videoProducer);
  ids.push(router.id, publisher.videoProducer.id, publisher.serverTransport.id, viewer.serverTransport.id, consumer.server.id, 'room-secret-id');
  const metrics = new NodeMetrics(node, node.tracker, () => fleet);
  server = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    metrics,
    health: () => ({ nodeId: 'n1', engine: 'embedded', workers: 2, workersAlive: node.workers.filter((w) => !w.closed).length, fleet }),
  });
  await vi.waitFor(async () => expect((await viewer.inboundVideo())?.framesDecoded ?? 0).toBeGreaterThan(10), { timeout: 20_000, interval: 200 });
}, 60_000);

afterAll(async () => {
  viewer?.close();
  publisher?.close();
  await server?.close();
  node?.close();
});

/** `name{labels} value` lines as [series, value]. */
const series = (text: string) =>
  text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const cut = l.lastIndexOf(' ');
      return [l.slice(0, cut), Number(l.slice(cut + 1))] as const;
    });
const value = (text: string, s: string) => series(text).find(([k]) => k === s)?.[1];

describe('media node metrics', () => {
  it('counts the live objects and the media through them, per worker, kind and direction', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(value(text, 'roomcast_media_workers')).toBe(2);
    expect(value(text, 'roomcast_media_rooms')).toBe(1);
    expect(value(text, 'roomcast_media_routers{worker="1"}')).toBe(1);
    expect(value(text, 'roomcast_media_routers{worker="0"}')).toBe(0);
    expect(value(text, 'roomcast_media_transports{worker="1",type="webrtc"}')).toBe(2);
    expect(value(text, 'roomcast_media_producers{worker="1",kind="video"}')).toBe(1);
    expect(value(text, 'roomcast_media_producers{worker="1",kind="audio"}')).toBe(1);
    expect(value(text, 'roomcast_media_consumers{worker="1",kind="video"}')).toBe(1);
    expect(value(text, 'roomcast_media_rtp_packets_total{worker="1",direction="in",kind="video"}')).toBeGreaterThan(10);
    expect(value(text, 'roomcast_media_rtp_packets_total{worker="1",direction="out",kind="video"}')).toBeGreaterThan(10);
    expect(value(text, 'roomcast_media_rtp_bytes_total{worker="1",direction="out",kind="video"}')).toBeGreaterThan(1000);
    expect(value(text, 'roomcast_media_transport_bytes_total{worker="1",direction="in"}')).toBeGreaterThan(1000);
    expect(value(text, 'roomcast_media_consumer_score_count{worker="1",kind="video"}')).toBeGreaterThan(0);
    expect(value(text, 'roomcast_media_worker_cpu_seconds_total{worker="process"}')).toBeGreaterThan(0);
    expect(value(text, 'roomcast_media_worker_request_latency_seconds{worker="0"}')).toBeGreaterThanOrEqual(0);
    expect(value(text, 'roomcast_media_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    // Bounded labels: no id of any room, router, transport, producer or consumer appears anywhere.
    for (const id of ids) expect(text).not.toContain(id);
    const labelNames = new Set([...text.matchAll(/[{,]([a-z_]+)="/g)].map((m) => m[1]));
    expect([...labelNames].filter((l) => !['worker', 'kind', 'direction', 'type', 'engine', 'region', 'le', 'version', 'major', 'minor', 'patch', 'space'].includes(l!))).toEqual([]);
  });

  it('counters only grow between scrapes', async () => {
    const first = await (await fetch(`${server.url}/metrics`)).text();
    await new Promise((r) => setTimeout(r, 1500));
    const second = await (await fetch(`${server.url}/metrics`)).text();
    const key = 'roomcast_media_rtp_packets_total{worker="1",direction="out",kind="video"}';
    expect(value(second, key)!).toBeGreaterThan(value(first, key)!);
    for (const [k, v] of series(first)) if (k.includes('_total')) expect(value(second, k) ?? v).toBeGreaterThanOrEqual(v);
  });

  it('passes `promtool check metrics`', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error, 'promtool is missing: apt-get install prometheus (.ci/run does)').toBeUndefined();
    expect({ status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, output: '' });
  });

  it('answers /health: 200 while serving, 503 while draining', async () => {
    const ok = await fetch(`${server.url}/health`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ok', workersAlive: 2, fleet: { connected: true, draining: false } });
    fleet = { ...fleet, draining: true };
    const draining = await fetch(`${server.url}/health`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ status: 'draining' });
    fleet = { ...fleet, draining: false };
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });
});
