// The RTMP server and FLV reading against Debian's ffmpeg as the publisher: the handshake, chunk
// stream and AMF0 commands of a real encoder; the tags it sends (H.264 sequence header, keyframes,
// AAC); a refused stream key; the typed errors for FLV1 video and for B-frames. Plus the
// chunk reader fed the same bytes split at every length, and AMF0 round trips.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeAmf0, encodeAmf0 } from '../src/ingest/amf0.ts';
import { ChunkReader, encodeMessage, MESSAGE_TYPES } from '../src/ingest/chunk-stream.ts';
import { EncoderCheck, readVideoTag, routerProfileFor, TAG_AUDIO, TAG_VIDEO, type EncoderError } from '../src/ingest/flv.ts';
import { startRtmpServer, type PublishDecision, type RtmpConnection, type RtmpServer } from '../src/ingest/rtmp-server.ts';

const quiet = { info: () => {}, warn: () => {} };
const servers: RtmpServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** ffmpeg pushing a test pattern for `seconds`; resolves with its exit code and stderr. */
function push(url: string, videoArgs: string[], seconds = 2) {
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=30:duration=${seconds}`, '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`, ...videoArgs, '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', url], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

const X264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-g', '30', '-pix_fmt', 'yuv420p'];

async function serve(decide: (conn: RtmpConnection) => PublishDecision) {
  const tags: { type: number; timestamp: number; data: Buffer }[] = [];
  const closes: string[] = [];
  const server = await startRtmpServer({
    host: '127.0.0.1',
    port: 0,
    maxConnections: 4,
    log: quiet,
    onPublish: async (conn) => decide(conn),
    onConnection: (conn) => {
      conn.on('media', (type, timestamp, data) => tags.push({ type, timestamp, data }));
      conn.on('close', (why) => closes.push(why));
    },
  });
  servers.push(server);
  return { url: `rtmp://127.0.0.1:${server.port}/live`, tags, closes };
}

describe('RTMP server with ffmpeg publishing', () => {
  it('takes an H.264/AAC publish: the key is the stream name, the tags arrive in order, the checks find nothing', async () => {
    const names: string[] = [];
    const { url, tags, closes } = await serve((conn) => {
      names.push(`${conn.app}/${conn.streamName}`);
      return { ok: true };
    });
    const { code, stderr } = await push(`${url}/rcs_test_key`, X264);
    expect(code, stderr).toBe(0);
    expect(names).toEqual(['live/rcs_test_key']);
    const video = tags.filter((t) => t.type === TAG_VIDEO).map((t) => ({ ...readVideoTag(t.data)!, timestamp: t.timestamp }));
    expect(video[0]).toMatchObject({ isH264: true, avcPacketType: 0 });
    expect(routerProfileFor(video[0]!.profileLevelId!)).toBe('42e01f');
    expect(video.filter((v) => v.keyframe && v.avcPacketType === 1).length).toBeGreaterThanOrEqual(2);
    expect(video.length).toBeGreaterThan(50);
    expect(tags.some((t) => t.type === TAG_AUDIO)).toBe(true);
    const check = new EncoderCheck();
    const errors = tags.flatMap((t) => check.tag(t.type, t.timestamp, t.data));
    expect(errors).toEqual([]);
    await expect.poll(() => closes).toHaveLength(1);
  }, 30_000);

  it('refuses a publish the ingest turns down: ffmpeg fails with the server’s reason', async () => {
    const { url, tags } = await serve(() => ({ ok: false, code: 'NetStream.Publish.BadName', description: 'invalid stream key' }));
    const { code, stderr } = await push(`${url}/wrong`, X264);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/invalid stream key|BadName|Server error/i);
    expect(tags).toEqual([]);
  }, 30_000);

  it('reports FLV1 video as a fatal typed error, and B-frames as a warning', async () => {
    const flv1 = await serve(() => ({ ok: true }));
    await push(`${flv1.url}/k`, ['-c:v', 'flv1'], 1);
    const check = new EncoderCheck();
    const errors: EncoderError[] = flv1.tags.flatMap((t) => check.tag(t.type, t.timestamp, t.data));
    expect(errors).toEqual([expect.objectContaining({ code: 'unsupported_video_codec', fatal: true })]);
    expect(errors[0]!.message).toContain('FLV1');

    const bframes = await serve(() => ({ ok: true }));
    await push(`${bframes.url}/k`, ['-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'main', '-bf', '2', '-g', '30', '-pix_fmt', 'yuv420p'], 2);
    const check2 = new EncoderCheck();
    const errors2 = bframes.tags.flatMap((t) => check2.tag(t.type, t.timestamp, t.data));
    expect(errors2.map((e) => e.code)).toEqual(['b_frames']);
  }, 30_000);
});

describe('FLV checks', () => {
  const avc = (keyframe: boolean, cts = 0) => Buffer.from([keyframe ? 0x17 : 0x27, 1, (cts >> 16) & 0xff, (cts >> 8) & 0xff, cts & 0xff, 0, 0, 0, 1]);
  it('measures the keyframe interval and the bitrate', () => {
    const check = new EncoderCheck({ maxKeyframeIntervalMs: 4000, maxBitrateKbps: 100, bitrateWindowMs: 1000 });
    expect(check.tag(TAG_VIDEO, 0, avc(true))).toEqual([]);
    expect(check.tag(TAG_VIDEO, 3000, avc(true))).toEqual([]);
    expect(check.tag(TAG_VIDEO, 8000, avc(true)).map((e) => e.code)).toEqual(['keyframe_interval_too_long']);
    // 100 KB in one second is 800 kbps, over the 100 kbps cap; reported once.
    const big = Buffer.concat([avc(false), Buffer.alloc(100_000)]);
    expect(check.tag(TAG_VIDEO, 8500, big)).toEqual([]);
    expect(check.tag(TAG_VIDEO, 9100, big).map((e) => e.code)).toEqual(['bitrate_too_high']);
    expect(check.tag(TAG_VIDEO, 10200, big)).toEqual([]);
  });

  it('refuses High 10 and HEVC (enhanced RTMP)', () => {
    expect(routerProfileFor('6e0028')).toBeUndefined();
    expect(routerProfileFor('4d401f')).toBe('4d0032');
    const hevc = Buffer.from([0x90, ...Buffer.from('hvc1')]);
    expect(new EncoderCheck().tag(TAG_VIDEO, 0, hevc)).toEqual([expect.objectContaining({ code: 'unsupported_video_codec', fatal: true })]);
  });
});

describe('chunk stream and AMF0', () => {
  it('reads the same messages whatever the bytes’ split, across a chunk size change', () => {
    const big = Buffer.alloc(10_000, 7);
    const bytes = Buffer.concat([
      encodeMessage({ chunkStreamId: 3, typeId: MESSAGE_TYPES.commandAmf0, streamId: 0, timestamp: 0, payload: encodeAmf0('connect', 1, { app: 'live' }) }, 128),
      encodeMessage({ chunkStreamId: 2, typeId: MESSAGE_TYPES.setChunkSize, streamId: 0, timestamp: 0, payload: Buffer.from([0, 0, 0x10, 0]) }, 128),
      encodeMessage({ chunkStreamId: 6, typeId: MESSAGE_TYPES.video, streamId: 1, timestamp: 0x1000000, payload: big }, 4096),
      encodeMessage({ chunkStreamId: 4, typeId: MESSAGE_TYPES.audio, streamId: 1, timestamp: 40, payload: Buffer.from([0xaf, 1, 2]) }, 4096),
    ]);
    for (const step of [1, 7, 128, 4097, bytes.length]) {
      const reader = new ChunkReader();
      const out = [];
      for (let i = 0; i < bytes.length; i += step) out.push(...reader.push(bytes.subarray(i, i + step)));
      expect(out.map((m) => [m.typeId, m.timestamp, m.payload.length])).toEqual([
        [MESSAGE_TYPES.commandAmf0, 0, encodeAmf0('connect', 1, { app: 'live' }).length],
        [MESSAGE_TYPES.video, 0x1000000, 10_000],
        [MESSAGE_TYPES.audio, 40, 3],
      ]);
      expect(decodeAmf0(out[0]!.payload)).toEqual(['connect', 1, { app: 'live' }]);
      expect(reader.chunkSize).toBe(4096);
    }
  });

  it('refuses a malformed stream rather than guessing', () => {
    expect(() => new ChunkReader().push(Buffer.from([0x43, 0, 0, 0, 0, 0, 1, 9]))).toThrow(/without a full header/);
    expect(() => decodeAmf0(Buffer.from([0x02, 0, 9, 0x41]))).toThrow(/truncated/);
    expect(() => decodeAmf0(Buffer.from([0x11]))).toThrow(/unsupported AMF0 marker/);
    const proto = decodeAmf0(encodeAmf0({ __proto__x: 1 }))[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
  });
});
