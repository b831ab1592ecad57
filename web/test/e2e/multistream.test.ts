// Multistream end to end, through the whole local stack: a host goes live from the studio in
// Chromium (fake camera and microphone; the room's output is the studio's program), two
// destinations are added through the API pointing at two local RTMP receivers (`ffmpeg -listen 1`,
// real RTMP servers standing in for YouTube and Twitch) and a third at a host that does not exist.
// The Worker opens each sealed key and the RoomDO hands the URL to the real media node, which
// pushes the room from ONE encoder: both receivers get decodable H.264, the bad one is `failed`
// with the reason in GET .../egress. HLS started and stopped meanwhile shares that encoder and
// leaves the destinations running. Receiver A is killed and restarted: A retries and comes back
// while B never leaves `live`.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { callApi, hostGoesLive, webUrl } from './helpers.ts';
import { freeTcpPort } from '../../../schema/test/support/free-port.ts';

const run = promisify(execFile);

let chromium: TestBrowser;
let workdir: string;
const receivers: ChildProcess[] = [];
beforeAll(async () => {
  chromium = await launchBrowser();
  workdir = await mkdtemp(join(tmpdir(), 'multistream-e2e-'));
});
afterAll(async () => {
  for (const r of receivers) if (r.exitCode === null && r.signalCode === null) r.kill('SIGKILL');
  await chromium?.close();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, diagnose?: () => Promise<unknown>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${diagnose ? `: ${JSON.stringify(await diagnose())}` : ''}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}


/**
 * A local RTMP server standing in for a platform: takes one stream and writes it to a file. It
 * probes up to 10 s, as a platform waits for the video: a stream joined between two keyframes of
 * a busy encoder starts with audio only, and a 1 s probe would then write an audio-only file.
 */
function receiver(port: number, key: string, file: string): ChildProcess {
  const r = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-listen', '1', '-analyzeduration', '10000000', '-i', `rtmp://127.0.0.1:${port}/live/${key}`, '-c', 'copy', '-f', 'flv', '-y', join(workdir, file)], { stdio: 'ignore' });
  receivers.push(r);
  return r;
}

/** The receiver listens (read from /proc: a test connection would use up its one `-listen 1` accept). */
async function listening(port: number): Promise<void> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  await until(`an RTMP server on ${port}`, async () => ((await readFile('/proc/net/tcp', 'utf8')).split('\n').some((l) => l.includes(`:${hex} `) && l.split(/\s+/)[4] === '0A') ? true : undefined), 10_000);
}

const written = async (file: string) => (await stat(join(workdir, file)).catch(() => ({ size: 0 }))).size;

async function videoFrames(file: string): Promise<{ codec: string; frames: number }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'json', join(workdir, file)], { timeout: 60_000 });
  const stream = (JSON.parse(stdout) as { streams: { codec_name: string; nb_read_frames: string }[] }).streams[0];
  return { codec: stream?.codec_name ?? '', frames: Number(stream?.nb_read_frames ?? 0) };
}

interface Output {
  destinationId: string;
  state: string;
  reason: string | null;
  bitrateKbps: number;
  uptimeMs: number | null;
}

describe('multistream over RTMP through the whole stack', () => {
  it('pushes the live studio to two local RTMP receivers from one encoder; one is restarted and comes back while the other never stops; a bad host fails with the reason', async () => {
    const { host, orgId, orgSlug, token, roomId } = await hostGoesLive(chromium, 'multistream', { plan: 'professional' });
    const [portA, portB] = [await freeTcpPort(), await freeTcpPort()];
    let receiverA = receiver(portA, 'key-youtube-A', 'a1.flv');
    const receiverB = receiver(portB, 'key-twitch-B', 'b.flv');
    await Promise.all([listening(portA), listening(portB)]);

    const add = async (name: string, ingestUrl: string, streamKey: string) => {
      const res = await callApi(`/organizations/${orgId}/egress/destinations`, { method: 'POST', token, body: { kind: 'custom', name, ingestUrl, streamKey, roomId } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.destination.keyLast4).toBe(streamKey.slice(-4));
      return res.body.destination.id as string;
    };
    const a = await add('YouTube stand-in', `rtmp://127.0.0.1:${portA}/live`, 'key-youtube-A');
    const b = await add('Twitch stand-in', `rtmp://127.0.0.1:${portB}/live`, 'key-twitch-B');
    // The third through the room page's Multistream card: the key goes up once, its last 4 come back.
    const dashboard = await host.context().newPage();
    dashboard.on('pageerror', (error) => console.error('dashboard page error:', error.message));
    await dashboard.goto(`${webUrl()}/app/${orgSlug}/rooms/${roomId}`);
    const form = dashboard.getByTestId('add-destination');
    await form.getByLabel('Platform').selectOption('custom');
    await form.getByLabel('Name').fill('Nowhere');
    await form.getByLabel('Ingest URL').fill('rtmp://no-such-host.invalid/live');
    await form.getByLabel('Stream key').fill('key-nowhere');
    await form.getByRole('button', { name: 'Add destination' }).click();
    const listed = dashboard.getByTestId('destination').filter({ hasText: 'Nowhere' });
    await listed.waitFor({ timeout: 20_000 }).catch(async (error: unknown) => {
      throw new Error(`${String(error)}; the card says: ${await dashboard.getByTestId('destinations-card').innerText().catch(() => '(no card)')}`);
    });
    expect(await listed.textContent()).toContain('••••here');
    expect(await dashboard.content()).not.toContain('key-nowhere');
    const bad = (await listed.getAttribute('data-destination-id'))!;
    await dashboard.close();

    const outputs = async () => (await callApi(`/organizations/${orgId}/rooms/${roomId}/egress`, { token })).body.outputs as Output[];
    const stateOf = async (id: string) => (await outputs()).find((o) => o.destinationId === id);
    for (const id of [a, b, bad]) {
      const started = await callApi(`/organizations/${orgId}/rooms/${roomId}/egress/rtmp/${id}/start`, { method: 'POST', token });
      expect(started.status, JSON.stringify(started.body)).toBe(202);
    }
    const startedAt = Date.now();
    await until('both destinations live', async () => ((await stateOf(a))?.state === 'live' && (await stateOf(b))?.state === 'live' ? true : undefined), 60_000, outputs);
    const liveAfterMs = Date.now() - startedAt;
    // The studio's Multistream panel shows the same states (polled from the API).
    for (const id of [a, b]) await host.locator(`[data-testid="multistream-destination"][data-destination-id="${id}"][data-state="live"]`).waitFor({ timeout: 20_000 });
    // The studio also holds the room's stream key for OBS and encoders (the room page's ingest card).
    const ingest = host.getByTestId('studio-ingest');
    await ingest.locator('summary').click();
    await ingest.getByRole('button', { name: 'Create stream key' }).click();
    await ingest.getByTestId('ingest-stream-key').waitFor({ timeout: 15_000 });
    expect((await ingest.getByTestId('ingest-stream-key').textContent())!.trim()).toMatch(/^rcs_[0-9a-f]{32}_/);
    expect((await ingest.getByTestId('ingest-rtmp-url').textContent())!.trim()).toMatch(/^rtmp:\/\/.+\/live$/);
    const failed = await until('the bad host failed', async () => {
      const o = await stateOf(bad);
      return o?.state === 'failed' ? o : undefined;
    }, 30_000, outputs);
    expect(failed.reason).toMatch(/resolve/i);
    expect(failed.reason).not.toContain('key-nowhere');

    // From here B's state is sampled all along: it must never leave `live`.
    const bStates = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        bStates.add((await stateOf(b))?.state ?? 'gone');
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    await until('receiver A writing', async () => ((await written('a1.flv')) > 100_000 ? true : undefined), 30_000);
    // HLS joins the same encoder, and stopping it leaves the destinations running.
    expect((await callApi(`/organizations/${orgId}/rooms/${roomId}/hls`, { method: 'POST', token })).status).toBe(201);
    await until('HLS live', async () => ((await callApi(`/organizations/${orgId}/rooms/${roomId}/hls`, { token })).body.hls.state === 'live' ? true : undefined), 45_000);
    expect((await callApi(`/organizations/${orgId}/rooms/${roomId}/hls`, { method: 'DELETE', token })).status).toBe(200);
    const bAfterHls = await written('b.flv');
    await until('B still receiving after HLS stopped', async () => ((await written('b.flv')) > bAfterHls + 50_000 ? true : undefined), 20_000);

    // Receiver A goes away (SIGTERM: it closes the connection and finishes its file).
    receiverA.kill('SIGTERM');
    await until('A retrying', async () => ((await stateOf(a))?.state === 'retrying' ? true : undefined), 20_000, outputs);
    receiverA = receiver(portA, 'key-youtube-A', 'a2.flv');
    await listening(portA);
    await until('A live again', async () => ((await stateOf(a))?.state === 'live' ? true : undefined), 45_000, outputs);
    await until('receiver A writing again', async () => ((await written('a2.flv')) > 100_000 ? true : undefined), 30_000);
    sampling = false;
    await sampler;
    expect([...bStates]).toEqual(['live']);
    const bNow = (await stateOf(b))!;
    expect(bNow.uptimeMs).toBeGreaterThan(10_000);
    expect(bNow.bitrateKbps).toBeGreaterThan(0);

    // Stop A through the API and B from the studio's panel; the receivers finish their files.
    expect((await callApi(`/organizations/${orgId}/rooms/${roomId}/egress/rtmp/${a}/stop`, { method: 'POST', token })).status).toBe(200);
    const bRow = host.locator(`[data-testid="multistream-destination"][data-destination-id="${b}"]`);
    await bRow.getByTestId('multistream-toggle').click();
    await host.locator(`[data-testid="multistream-destination"][data-destination-id="${b}"][data-state="off"]`).waitFor({ timeout: 20_000 });
    await until('the receivers finished', async () => ([receiverA, receiverB].every((r) => r.exitCode !== null || r.signalCode !== null) ? true : undefined), 15_000);
    for (const file of ['a1.flv', 'a2.flv', 'b.flv']) {
      const got = await videoFrames(file);
      expect(got.codec, file).toBe('h264');
      expect(got.frames, file).toBeGreaterThan(20);
    }
    expect((await outputs()).map((o) => o.destinationId)).toEqual([bad]);
    console.info(`multistream: both live ${liveAfterMs} ms after the start requests; bad host: ${failed.reason}; B sampled as ${[...bStates].join(',')} (under shared load)`);
    await host.context().close();
    // 240 s: it took 111-116 s in CI runs where it passed, and ran past the project's 120 s once
    // while the other lane's browser tests ran beside it (2026-12-02).
  }, 240_000);
});
