// Outputs of a room whose media node is killed mid-run, with every part real: the Worker under
// wrangler dev (RoomDO, FleetDO), Postgres, Redis, the local S3 server, media node processes on
// the embedded engine (ffmpeg recording and muxing HLS), and WebRTC bots publishing.
// - Recording: a camera and a screen share record a few seconds (parts go up while live), the node
//   is SIGKILLed, and the recording must become `partial`: its main file and its screen track each
//   completed from the parts already uploaded, and each still plays (ffprobe reads seconds of video).
// - HLS: the run goes on when the room is placed on the next node, as its next leg: the playlist at
//   the same URL gains a discontinuity and the new node's segments, and the stopped run is one VOD
//   that ffmpeg decodes from end to end, across the discontinuity.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeFile } from '../media-node/src/recording/recorder.ts';
import { waitFor } from '../schema/test/support/wait.ts';
import { decodeErrors } from '../media-node/test/support/ffmpeg.ts';
import { Publisher, RoomSignal } from './support/media-peer.ts';
import { liveRoom, rest, setPlan, startFleetStack, waitUntil, type FleetStack } from './support/stack.ts';

const verbose = process.env.FLEET_IT_VERBOSE === '1';
const run = promisify(execFile);
/** Small parts, so a few seconds of the bots' video make several while live (R2 would need 5 MiB). */
const PART_BYTES = 64 * 1024;

let stack: FleetStack;
let workdir: string;
beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), 'fleet-rec-'));
  stack = await startFleetStack(verbose ? (l) => console.log(l) : undefined);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe('fleet: outputs through a media node killed mid-run', () => {
  it('leaves a partial recording (camera file and screen track) that plays what was uploaded', async () => {
    const node = await stack.startNode('it-rec-node', 0, { RECORDING_PART_BYTES: String(PART_BYTES), MEDIA_RECORDING_DIR: join(workdir, 'node') });
    const room = await liveRoom(stack.url, 'Recorded');
    await setPlan(room.organizationId, 'professional');
    const host = await RoomSignal.join(room.hostJoin.signalingUrl, room.hostJoin.token);
    const camera = new Publisher(host.signal);
    await camera.start();
    const recordingsPath = `/organizations/${room.organizationId}/recordings`;
    const { recording } = await rest(stack.url, 'POST', `/organizations/${room.organizationId}/rooms/${room.roomId}/recordings`, undefined, room.ownerToken);
    await waitUntil('the node recording the camera', 20_000, async () => node.lines.some((l) => l.includes('recording started')));
    // The host shares a screen once the recording runs: it is recorded as a track of its own.
    const screen = new Publisher(host.signal, 'screen');
    await screen.start();
    await waitUntil('the node recording the screen too', 20_000, async () => node.lines.filter((l) => l.includes('recording started')).length >= 2);

    // Parts land while live: each file (the node's local copy, one folder per recording id) grows
    // past one and a half parts, so its first part has gone up (and been reported) with room to
    // spare; then the node dies without a word.
    const nodeDir = join(workdir, 'node');
    const sizes = async () => Promise.all((await readdir(nodeDir)).map(async (d) => (await stat(join(nodeDir, d, 'recording')).catch(() => ({ size: 0 }))).size));
    await waitUntil('both files past one and a half parts on the node', 60_000, async () => {
      const now = await sizes();
      return now.length === 2 && now.every((n) => n >= PART_BYTES * 1.5);
    });
    await node.kill();

    const after = await waitUntil('the recording to be completed after the node loss', 30_000, async () => {
      const got = await rest(stack.url, 'GET', `${recordingsPath}/${recording.id}`, undefined, room.ownerToken);
      return got.recording.status === 'recording' || got.tracks.some((t: { status: string }) => t.status === 'recording') ? undefined : got;
    });
    expect(after.recording).toMatchObject({ status: 'partial', sizeBytes: expect.any(Number) });
    expect(after.recording.sizeBytes).toBeGreaterThanOrEqual(PART_BYTES);
    expect(after.tracks).toEqual([expect.objectContaining({ kind: 'screen', status: 'partial', playbackUrl: expect.any(String) })]);
    expect(after.tracks[0].sizeBytes).toBeGreaterThanOrEqual(PART_BYTES);

    for (const [name, url, size] of [
      ['recording', after.playbackUrl as string, after.recording.sizeBytes as number],
      ['screen', after.tracks[0].playbackUrl as string, after.tracks[0].sizeBytes as number],
    ] as const) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(bytes.byteLength).toBe(size);
      const file = join(workdir, `${name}.webm`);
      await writeFile(file, bytes);
      const probe = await probeFile(file);
      expect(probe.videoCodec, `${name}: a video stream`).toBe('vp8');
      expect(probe.durationMs, `${name}: seconds of video`).toBeGreaterThan(1000);
      console.log(`fleet recording, node killed: ${name} partial, ${bytes.byteLength} bytes, ${probe.durationMs} ms of media`);
    }
    expect(host.signal.refused).toEqual([]);
    camera.close();
    screen.close();
  }, 120_000);

  it('carries an HLS run on across the loss of its node: one playlist with a discontinuity, and the whole run decodes', async () => {
    const first = await stack.startNode('it-hls-first', 1);
    const room = await liveRoom(stack.url, 'HLS legs');
    await setPlan(room.organizationId, 'professional');
    const host = await RoomSignal.join(room.hostJoin.signalingUrl, room.hostJoin.token);
    const publisher = new Publisher(host.signal);
    await publisher.start();
    const hlsPath = `/organizations/${room.organizationId}/rooms/${room.roomId}/hls`;
    const started = await rest(stack.url, 'POST', hlsPath, undefined, room.ownerToken);
    const hlsId = started.hls.id as string;
    const playlistUrl = started.playlistUrl as string;
    const playlist = async () => {
      const res = await fetch(playlistUrl);
      return res.ok ? (await res.text()).split('\n') : [];
    };
    const segments = (lines: string[], leg: string) => lines.filter((l) => new RegExp(`^${hlsId}/${leg}seg\\d+\\.m4s$`).test(l)).length;
    // A CI run under load once had no three segments in 45 s: a timeout says where the run stood.
    await waitFor('three segments of the first node in the playlist', async () => segments(await playlist(), '') >= 3 || undefined, {
      timeoutMs: 90_000,
      intervalMs: 100,
      diagnose: async () => ({
        hls: (await rest(stack.url, 'GET', hlsPath, undefined, room.ownerToken)).hls,
        playlistTail: (await playlist()).slice(-6),
        node: first.lines.filter((l) => /hls|egress|ffmpeg|error/i.test(l)).slice(-12),
      }),
    });

    const second = await stack.startNode('it-hls-second', 2);
    const killedAt = performance.now();
    await first.kill();
    const resumed = await waitUntil('the run going on from the second node', 60_000, async () => {
      const lines = await playlist();
      return lines.includes('#EXT-X-DISCONTINUITY') && segments(lines, 'l2-') >= 2 ? lines : undefined;
    });
    const resumedMs = Math.round(performance.now() - killedAt);
    expect(second.lines.some((l) => l.includes('room opened'))).toBe(true);
    expect(resumed).not.toContain('#EXT-X-ENDLIST');
    expect(resumed.indexOf(`#EXT-X-MAP:URI="${hlsId}/l2-init.mp4"`)).toBeGreaterThan(resumed.indexOf('#EXT-X-DISCONTINUITY'));
    expect((await rest(stack.url, 'GET', hlsPath, undefined, room.ownerToken)).hls).toMatchObject({ id: hlsId, state: 'live', error: null });

    const stopped = await rest(stack.url, 'DELETE', hlsPath, undefined, room.ownerToken);
    expect(stopped.hls).toMatchObject({ id: hlsId, state: 'ended' });
    const { recording, playbackUrl } = await rest(stack.url, 'GET', `/organizations/${room.organizationId}/recordings/${hlsId}`, undefined, room.ownerToken);
    expect(recording).toMatchObject({ source: 'hls', status: 'ready' });
    const final = (await (await fetch(playbackUrl)).text()).split('\n');
    expect(final.at(-2)).toBe('#EXT-X-ENDLIST');
    // ffmpeg reads the whole run, both legs, through the Worker: every segment decodes.
    expect(await decodeErrors(playbackUrl, ['-map', '0:v'])).toBe('');
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', playbackUrl]);
    console.log(`fleet HLS, node killed: the run went on from the second node ${resumedMs} ms after the kill; ${segments(final, '')} + ${segments(final, 'l2-')} segments, ${recording.durationMs} ms in the library, ffprobe ${stdout.trim()} s`);
    expect(recording.durationMs).toBeGreaterThan(4000);
    expect(host.signal.refused).toEqual([]);
    publisher.close();
  }, 180_000);
});
