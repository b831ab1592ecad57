// A media node killed mid-recording, with every part real: the Worker under wrangler dev (RoomDO,
// FleetDO), Postgres, Redis, the local S3 server, a media node process on the embedded engine
// recording with ffmpeg, and WebRTC bots publishing a camera and a screen share. The recording
// runs a few seconds (parts go up while live), the node is SIGKILLed, and the recording must
// become `partial`: its main file and its screen track each completed from the parts already
// uploaded, and each still plays (ffprobe reads video packets spanning seconds).
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeFile } from '../media-node/src/recording/recorder.ts';
import { Publisher, RoomSignal } from './support/media-peer.ts';
import { liveRoom, rest, setPlan, startFleetStack, waitUntil, type FleetStack } from './support/stack.ts';

const verbose = process.env.FLEET_IT_VERBOSE === '1';
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

describe('fleet: recording through a media node killed mid-recording', () => {
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
});
