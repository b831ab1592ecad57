// The embedded engine's pure parts, each against an independent reading of its RFC (werift's
// parsers where they exist), and the behaviours the loopback suite cannot provoke: loss, NACKs,
// consent expiry.
import { RtcpPacketConverter, RtcpTransportLayerFeedback, RtpHeader, TransportWideCC } from 'werift';
import { describe, expect, it } from 'vitest';
import { IceLite } from '../src/engine/embedded/ice-lite.ts';
import { isH264KeyframeStart, isVp8KeyframeStart } from '../src/engine/embedded/keyframe.ts';
import { RetransmissionBuffer } from '../src/engine/embedded/retransmission-buffer.ts';
import { buildFir, buildNack, buildPli, buildRemb, buildRr, buildSr, ntpNow, parseRtcp } from '../src/engine/embedded/rtcp.ts';
import { SeqRewriter } from '../src/engine/embedded/seq-rewriter.ts';
import { TwccFeedback } from '../src/engine/embedded/twcc-feedback.ts';
import { Vp8Rewriter } from '../src/engine/embedded/vp8-rewriter.ts';
import { EmbeddedWorker } from '../src/engine/embedded/worker.ts';
import { ROOM_MEDIA_CODECS } from '../src/fleet/room-session.ts';
import { RawPeer } from './support/raw-peer.ts';
import { waitFor } from '../../schema/test/support/wait.ts';

describe('sequence and timestamp rewriting', () => {
  it('continues across a source switch without a gap or a jump back', () => {
    const r = new SeqRewriter(90000);
    const a = [100, 101, 102].map((seq, i) => r.rewrite(1, seq, 5000 + i * 3000, 1000 + i * 33));
    r.resync();
    const b = [40000, 40001].map((seq, i) => r.rewrite(2, seq, 777 + i * 3000, 1200 + i * 33));
    const seqs = [...a, ...b].map((x) => x.seq);
    for (let i = 1; i < seqs.length; i++) expect((seqs[i]! - seqs[i - 1]!) & 0xffff).toBe(1);
    // 134 ms between the last packet of A (1066) and the first of B (1200): the timestamp advances by as much.
    expect((b[0]!.ts - a[2]!.ts) >>> 0).toBe(Math.round((134 * 90000) / 1000));
  });

  it('closes the gap a dropped padding packet would leave, and wraps at 16 bits', () => {
    const r = new SeqRewriter(90000);
    const first = r.rewrite(7, 0xfffe, 0, 0).seq;
    r.drop(7, 0xffff);
    const next = r.rewrite(7, 0x0000, 3000, 33).seq;
    expect((next - first) & 0xffff).toBe(1);
  });
});

describe('VP8 descriptor rewriting', () => {
  // X=1, S=1; I=1, L=1; 15-bit picture id; TL0PICIDX; then a payload byte.
  const vp8 = (pictureId: number, tl0: number) => Buffer.from([0x90, 0xc0, 0x80 | (pictureId >> 8), pictureId & 0xff, tl0, 0x00]);
  const read = (b: Buffer) => ({ pictureId: b.readUInt16BE(2) & 0x7fff, tl0: b[4] });

  it('passes payloads untouched until a switch, then keeps picture id and TL0PICIDX continuous', () => {
    const r = new Vp8Rewriter();
    const first = vp8(30000, 7);
    expect(r.rewrite(first)).toBe(first);
    r.rewrite(vp8(30001, 8));
    r.resync();
    const switched = vp8(500, 200);
    const out = r.rewrite(switched);
    expect(read(out)).toEqual({ pictureId: 30002, tl0: 9 });
    expect(read(switched)).toEqual({ pictureId: 500, tl0: 200 }); // the shared payload is not changed
    expect(read(r.rewrite(vp8(501, 201)))).toEqual({ pictureId: 30003, tl0: 10 });
    expect(read(r.rewrite(vp8(0x8000 - (30002 - 500), 202))).pictureId).toBe(0); // wraps at 15 bits
  });

  it('ignores payloads without the extension byte', () => {
    const r = new Vp8Rewriter();
    const plain = Buffer.from([0x10, 0x00, 0x9d]);
    r.resync();
    expect(r.rewrite(plain)).toBe(plain);
  });
});

describe('transport-wide CC feedback', () => {
  it('reports received and lost packets with their arrival deltas, as werift parses them', () => {
    let now = 1_000_000; // µs
    const fb = new TwccFeedback(0x1234, () => now);
    for (const seq of [65534, 65535, 0, 2, 3]) {
      fb.onPacket(seq);
      now += 5_000;
    }
    const buf = fb.build(0xabcd)!;
    const [packet] = RtcpPacketConverter.deSerialize(buf);
    expect(packet).toBeInstanceOf(RtcpTransportLayerFeedback);
    const twcc = (packet as RtcpTransportLayerFeedback).feedback as TransportWideCC;
    expect(twcc).toBeInstanceOf(TransportWideCC);
    expect(twcc.baseSequenceNumber).toBe(65534);
    expect(twcc.packetStatusCount).toBe(6);
    expect(twcc.mediaSourceSsrc).toBe(0xabcd);
    // One two-bit status vector: received (small delta) x3, lost, received x2.
    expect(twcc.packetChunks.map((c) => ('symbolList' in c ? c.symbolList : []))).toEqual([[1, 1, 1, 0, 1, 1, 0]]);
    // Arrival deltas in µs: the first from the 64 ms reference time, then 5 ms apart.
    expect(twcc.recvDeltas.map((d) => d.delta)).toEqual([40_000, 5_000, 5_000, 5_000, 5_000]);
    expect(buf.length % 4).toBe(0);
    // Nothing new: no feedback.
    expect(fb.build(0xabcd)).toBeUndefined();
  });
});

describe('RTCP', () => {
  it('parses what it builds: PLI, FIR, NACK, REMB, RR, SR in one compound packet', () => {
    const ntp = ntpNow();
    const compound = Buffer.concat([
      buildSr(11, { ntp, rtpTimestamp: 90000, packetCount: 5, octetCount: 500 }),
      buildRr(11, [{ ssrc: 22, fractionLost: 26, totalLost: 3, highestSeq: 70000, jitter: 9, lsr: 1, dlsr: 2 }]),
      buildPli(1, 22),
      buildFir(1, 22, 3),
      buildNack(1, 22, [100, 101, 116, 200]),
      buildRemb(1, 1_500_000, [22, 23]),
    ]);
    const m = parseRtcp(compound);
    expect(m.map((x) => x.type)).toEqual(['sr', 'rr', 'pli', 'fir', 'nack', 'remb']);
    expect(m[0]).toMatchObject({ ssrc: 11, ntp, rtpTimestamp: 90000 });
    expect(m[1]).toMatchObject({ reports: [{ ssrc: 22, fractionLost: 26, totalLost: 3, highestSeq: 70000 }] });
    expect(m[3]).toMatchObject({ mediaSsrcs: [22] });
    expect(m[4]).toMatchObject({ mediaSsrc: 22, lost: [100, 101, 116, 200] });
    expect(m[5]).toMatchObject({ ssrcs: [22, 23] });
    expect(Math.abs((m[5] as { bitrate: number }).bitrate - 1_500_000)).toBeLessThan(1_500_000 / 1000);
    // werift reads our packets the same way.
    expect(RtcpPacketConverter.deSerialize(compound).length).toBeGreaterThanOrEqual(5);
  });

  it('stops at a malformed packet instead of throwing', () => {
    const good = buildPli(1, 2);
    const truncated = Buffer.from([0x81, 206, 0x00, 0x09, 1, 2, 3]);
    expect(parseRtcp(Buffer.concat([good, truncated])).map((x) => x.type)).toEqual(['pli']);
    expect(parseRtcp(Buffer.from([0xff, 0xff, 0xff]))).toEqual([]);
  });
});

describe('keyframe detection', () => {
  it('VP8: partition start with the P bit clear, with and without a picture id', () => {
    expect(isVp8KeyframeStart(Buffer.from([0x10, 0x00, 0x9d, 0x01, 0x2a]))).toBe(true);
    expect(isVp8KeyframeStart(Buffer.from([0x10, 0x01]))).toBe(false); // inter frame
    expect(isVp8KeyframeStart(Buffer.from([0x00, 0x00]))).toBe(false); // not a partition start
    expect(isVp8KeyframeStart(Buffer.from([0x90, 0x80, 0x81, 0x23, 0x00]))).toBe(true); // X, I, 15-bit picture id
  });

  it('H.264: IDR, SPS in a STAP-A, FU-A start of an IDR', () => {
    expect(isH264KeyframeStart(Buffer.from([0x65, 0x88]))).toBe(true);
    expect(isH264KeyframeStart(Buffer.from([0x41, 0x9a]))).toBe(false);
    expect(isH264KeyframeStart(Buffer.from([0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce]))).toBe(true);
    expect(isH264KeyframeStart(Buffer.from([0x7c, 0x85, 0x88]))).toBe(true);
    expect(isH264KeyframeStart(Buffer.from([0x7c, 0x05, 0x88]))).toBe(false); // FU-A continuation
  });
});

describe('retransmission buffer', () => {
  it('returns a sent packet by sequence number, a few times, while it is fresh', () => {
    const buf = new RetransmissionBuffer();
    const header = new RtpHeader({ sequenceNumber: 65535, ssrc: 5, payloadType: 101 });
    buf.store(header, Buffer.from('x'), 0);
    expect(buf.take(65535, 10)?.header).toBe(header);
    expect(buf.take(65534, 10)).toBeUndefined();
    expect(buf.take(65535, 5000)).toBeUndefined(); // too old
  });
});

describe('ICE-lite consent freshness', () => {
  it('goes disconnected when the peer stops sending checks, and connected again when it resumes', async () => {
    const states: string[] = [];
    let responses = 0;
    const ice = new IceLite({ send: () => void responses++, selectedTuple: () => {}, stateChange: (s) => void states.push(s) }, 300);
    const from = { address: '127.0.0.1', port: 5000 };
    const check = (password?: string) => ice.handleStun(RawPeer.bindingRequest(ice.parameters, { password }).bytes, from);
    try {
      check('wrong-password');
      expect(responses).toBe(0);
      expect(ice.rejectedRequests).toBe(1);
      check();
      expect(responses).toBe(1);
      expect(ice.state).toBe('connected');
      await waitFor('consent to expire', () => ice.state === 'disconnected', { timeoutMs: 3000 });
      check();
      expect(ice.state).toBe('connected');
      expect(states).toEqual(['connected', 'disconnected', 'connected']);
    } finally {
      ice.close();
    }
  });
});

describe('H.264 in a room router', () => {
  it('offers constrained baseline, main and high, and keeps a stream to its own profile', async () => {
    const worker = await EmbeddedWorker.create({ listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', port: 0 });
    try {
      const router = await worker.createRouter({ mediaCodecs: ROOM_MEDIA_CODECS });
      const h264 = router.rtpCapabilities.codecs!.filter((c) => c.mimeType === 'video/H264');
      expect(h264.map((c) => c.parameters?.['profile-level-id'])).toEqual(['42e01f', '4d0032', '640032']);
      expect(h264.every((c) => c.parameters?.['packetization-mode'] === 1)).toBe(true);
      const transport = await router.createPlainTransport({ listenIp: '127.0.0.1', comedia: true });
      // OBS sends high profile.
      const high = { mimeType: 'video/H264', payloadType: 102, clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '640028' } };
      const producer = await transport.produce({ kind: 'video', rtpParameters: { codecs: [high], encodings: [{ ssrc: 42 }] } });
      const baselineOnly = { codecs: [...router.rtpCapabilities.codecs!.filter((c) => c.parameters?.['profile-level-id'] !== '640032')], headerExtensions: [] };
      await expect(transport.consume({ producerId: producer.id, rtpCapabilities: baselineOnly })).rejects.toMatchObject({ code: 'cannot_consume' });
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
      expect(consumer.rtpParameters.codecs[0]).toMatchObject({ mimeType: 'video/H264', parameters: { 'profile-level-id': '640032', 'packetization-mode': 1 } });
      // Packetization mode 0 is not offered: such a producer is refused, not mangled.
      const mode0 = { ...high, parameters: { 'packetization-mode': 0, 'profile-level-id': '42e01f' } };
      await expect(transport.produce({ kind: 'video', rtpParameters: { codecs: [mode0], encodings: [{ ssrc: 43 }] } })).rejects.toMatchObject({ code: 'unsupported' });
    } finally {
      worker.close();
    }
  });
});
