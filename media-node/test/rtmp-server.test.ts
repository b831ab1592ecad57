// The RTMP server and FLV reading against Debian's ffmpeg as the publisher: the handshake, chunk
// stream and AMF0 commands of a real encoder; the tags it sends (H.264 sequence header, keyframes,
// AAC); a refused stream key; the typed errors for FLV1 video and for B-frames. Plus the
// chunk reader fed the same bytes split at every length, AMF0 round trips, and the RTP relay's
// splice of a republished stream.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeAmf0, encodeAmf0 } from '../src/ingest/amf0.ts';
import { ChunkReader, encodeMessage, MESSAGE_TYPES } from '../src/ingest/chunk-stream.ts';
import { EncoderCheck, readVideoTag, routerProfileFor, TAG_AUDIO, TAG_VIDEO, type EncoderError } from '../src/ingest/flv.ts';
import { startRtmpServer, type PublishDecision, type RtmpConnection, type RtmpServer } from '../src/ingest/rtmp-server.ts';
import { RtpRelay } from '../src/ingest/rtp-relay.ts';

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

describe('RTP relay', () => {
  const rtp = (ssrc: number, seq: number, ts: number, pt = 96) => {
    const b = Buffer.alloc(20);
    b[0] = 0x80;
    b[1] = pt;
    b.writeUInt16BE(seq, 2);
    b.writeUInt32BE(ts >>> 0, 4);
    b.writeUInt32BE(ssrc >>> 0, 8);
    return b;
  };

  it('sends on from one address and splices a new ffmpeg’s numbering onto the old stream', async () => {
    const origin = dgram.createSocket('udp4');
    await new Promise<void>((r) => origin.bind(0, '127.0.0.1', () => r()));
    const received: { seq: number; ts: number; ssrc: number; from: number }[] = [];
    origin.on('message', (m, from) => received.push({ seq: m.readUInt16BE(2), ts: m.readUInt32BE(4), ssrc: m.readUInt32BE(8), from: from.port }));
    const relay = await RtpRelay.open({ ip: '127.0.0.1', port: origin.address().port }, '127.0.0.1', [{ ssrc: 0xdeadbeef, clockRate: 90000 }]);
    const ffmpeg = dgram.createSocket('udp4');
    const send = (b: Buffer) => new Promise<void>((r) => ffmpeg.send(b, relay.port, '127.0.0.1', () => r()));
    try {
      await send(rtp(0xdeadbeef, 65534, 1000));
      await send(rtp(0xdeadbeef, 65535, 4000));
      await send(rtp(0xdeadbeef, 0, 7000));
      await send(rtp(0x1234, 1, 1)); // a stranger's SSRC: dropped
      await send(rtp(0xdeadbeef, 1, 1, 200)); // RTCP: dropped
      await expect.poll(() => received.length).toBe(3);
      // The encoder reconnects: a new ffmpeg starts from other numbers.
      relay.newSegment();
      await sleep(100);
      await send(rtp(0xdeadbeef, 500, 123456));
      await send(rtp(0xdeadbeef, 501, 126456));
      await expect.poll(() => received.length).toBe(5);
      expect(received.map((r) => r.seq)).toEqual([65534, 65535, 0, 1, 2]);
      expect(new Set(received.map((r) => r.from)).size).toBe(1);
      // Timestamps go on from the last one by about the wall time between (90 kHz), then as sent.
      const gap = received[3]!.ts - received[2]!.ts;
      expect(gap).toBeGreaterThanOrEqual(0.09 * 90000);
      expect(gap).toBeLessThan(5 * 90000);
      expect(received[4]!.ts - received[3]!.ts).toBe(3000);
    } finally {
      relay.close();
      ffmpeg.close();
      origin.close();
    }
  });
});
