// The embedded consumer against a producer fed by hand: what a loopback call never provokes
// (loss reports, NACKs) and exactly what goes on the wire.
import { RtpHeader, RtpPacket } from 'werift';
import { describe, expect, it } from 'vitest';
import { EmbeddedConsumer } from '../src/engine/embedded/consumer.ts';
import { Fanout } from '../src/engine/embedded/fanout.ts';
import type { ProducerMapping } from '../src/engine/embedded/ortc.ts';
import { EmbeddedProducer } from '../src/engine/embedded/producer.ts';
import { parseRtcp } from '../src/engine/embedded/rtcp.ts';
import { waitFor } from '../../schema/test/support/wait.ts';

const KEY = Buffer.from([0x10, 0x00, 0x9d, 0x01, 0x2a]);
const DELTA = Buffer.from([0x10, 0x01, 0x00]);
const flush = () => new Promise((r) => setImmediate(r));

function setup(layers: number, { ready = true, paused = false } = {}) {
  const ssrcs = Array.from({ length: layers }, (_, i) => 1000 + i);
  const mapping: ProducerMapping = {
    payloadTypes: new Map([[96, 101]]),
    routerCodec: { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 101 },
    extensionUris: new Map([[3, 'urn:3gpp:video-orientation']]),
    encodings: ssrcs.map((ssrc, i) => ({ ssrc, ...(layers > 1 ? { rid: `r${i}` } : {}) })),
  };
  const toPublisher: Buffer[] = [];
  const producer = new EmbeddedProducer(
    'video',
    { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: mapping.encodings },
    mapping,
    { sendRtcp: (b) => void toPublisher.push(b), rtcpSsrc: 9, supportsFir: false },
    new Fanout(),
    false,
    {},
    () => {},
  );
  const wire: { header: RtpHeader; payload: Buffer }[] = [];
  const link = { ready, sendRtp: (header: RtpHeader, payload: Buffer) => (wire.push({ header, payload }), 12 + payload.length), sendRtcp: () => {} };
  const consumer = new EmbeddedConsumer(
    producer,
    {
      codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }],
      headerExtensions: [{ uri: 'urn:3gpp:video-orientation', id: 11 }],
      encodings: [{ ssrc: 2222 }],
    },
    link,
    { paused, appData: {} },
    () => {},
  );
  const seq = ssrcs.map(() => 100);
  const send = (layer: number, payload: Buffer, ts: number, sequenceNumber = seq[layer]!++) => {
    const header = new RtpHeader({ payloadType: 96, ssrc: ssrcs[layer]!, sequenceNumber, timestamp: ts, extension: true, extensions: [{ id: 3, payload: Buffer.from([1]) }] });
    producer.receive(new RtpPacket(header, payload), producer.streams[layer]!, performance.now());
  };
  const plisFor = (layer: number) =>
    toPublisher.flatMap((b) => parseRtcp(b)).filter((m) => m.type === 'pli' && m.mediaSsrc === ssrcs[layer]).length;
  const nacksFor = (layer: number) =>
    toPublisher.flatMap((b) => parseRtcp(b)).flatMap((m) => (m.type === 'nack' && m.mediaSsrc === ssrcs[layer] ? m.lost : []));
  return { producer, consumer, wire, send, plisFor, nacksFor, seq, link };
}

describe('embedded consumer', () => {
  it('waits for a keyframe, then forwards with its own SSRC, payload type and extension ids', async () => {
    const { consumer, wire, send } = setup(1);
    send(0, DELTA, 0);
    await flush();
    expect(wire).toHaveLength(0); // nothing decodable before a keyframe
    send(0, KEY, 3000);
    send(0, DELTA, 6000);
    await flush();
    expect(wire.map((w) => w.header.ssrc)).toEqual([2222, 2222]);
    expect(wire.map((w) => w.header.payloadType)).toEqual([101, 101]);
    expect(wire[0]!.header.extensions).toEqual([{ id: 11, payload: Buffer.from([1]) }]);
    expect((wire[1]!.header.sequenceNumber - wire[0]!.header.sequenceNumber) & 0xffff).toBe(1);
    expect(consumer.kind).toBe('video');
  });

  it('answers a NACK by resending the packet from its buffer', async () => {
    const { consumer, wire, send } = setup(1);
    send(0, KEY, 0);
    send(0, DELTA, 3000);
    send(0, DELTA, 6000);
    await flush();
    const lost = wire[1]!;
    consumer.onNack([lost.header.sequenceNumber], performance.now());
    expect(wire).toHaveLength(4);
    expect(wire[3]!.header.sequenceNumber).toBe(lost.header.sequenceNumber);
    expect(wire[3]!.payload).toBe(lost.payload);
    expect((await consumer.getStats())[0]).toMatchObject({ nackCount: 1, nackPacketCount: 1, packetsRetransmitted: 1 });
  });

  it('NACKs what the publisher lost and forwards the repair in its original slot', async () => {
    const { producer, wire, send, nacksFor, seq } = setup(1);
    send(0, KEY, 0); // 100
    seq[0] = 103;
    send(0, DELTA, 9000); // 103: 101 and 102 are missing
    await flush();
    producer.sendNacks(performance.now());
    expect(nacksFor(0)).toEqual([101, 102]);
    send(0, DELTA, 3000, 101);
    await flush();
    const out = wire.map((w) => w.header.sequenceNumber);
    expect((out[2]! - out[0]!) & 0xffff).toBe(1); // 101 lands right after 100
    expect((out[1]! - out[0]!) & 0xffff).toBe(3); // 103 three after
    expect((await producer.getStats())[0]).toMatchObject({ nackCount: 1, nackPacketCount: 2, packetsRepaired: 1 });
  });

  it('steps down a simulcast layer when its receiver keeps reporting loss, on a keyframe', async () => {
    const { consumer, wire, send, plisFor } = setup(3);
    for (let layer = 0; layer < 3; layer++) send(layer, KEY, 0);
    await flush();
    expect(consumer.currentLayers?.spatialLayer).toBe(2);
    const report = { ssrc: 2222, fractionLost: 64, totalLost: 10, highestSeq: 0, jitter: 0, lsr: 0, dlsr: 0 };
    consumer.onReceiverReport(report, performance.now());
    consumer.onReceiverReport(report, performance.now());
    // Keyframe asked on the layer below, once the publisher's window opened by the request for
    // layer 2 has passed (libwebrtc throttles all layers of a track together).
    expect(plisFor(2)).toBe(1);
    expect(plisFor(1)).toBe(0);
    await waitFor('a keyframe request on layer 1', () => plisFor(1) === 1, { timeoutMs: 1000, intervalMs: 10 });
    send(2, DELTA, 3000);
    send(1, KEY, 3000);
    send(1, DELTA, 6000);
    await flush();
    expect(consumer.currentLayers?.spatialLayer).toBe(1);
    const seqs = wire.map((w) => w.header.sequenceNumber);
    for (let i = 1; i < seqs.length; i++) expect((seqs[i]! - seqs[i - 1]!) & 0xffff).toBe(1);
  });

  it('resumed before its transport connects: sends, counts and asks nothing until connected, then starts on a keyframe', async () => {
    const { consumer, wire, send, plisFor, link } = setup(1, { ready: false, paused: true });
    await consumer.setPreferredLayers({ spatialLayer: 0 });
    await consumer.resume();
    send(0, KEY, 0);
    send(0, DELTA, 3000);
    await flush();
    consumer.tick(performance.now() + 5000); // switch retries wait for the transport too
    expect(wire).toHaveLength(0);
    expect((await consumer.getStats())[0]).toMatchObject({ packetCount: 0, byteCount: 0 });
    expect(plisFor(0)).toBe(0); // a request now would be answered with a keyframe nobody receives
    link.ready = true;
    consumer.onTransportReady();
    expect(plisFor(0)).toBe(1); // asked at connect, not swallowed by an earlier window
    send(0, DELTA, 6000);
    await flush();
    expect(wire).toHaveLength(0); // sync required: nothing before the keyframe
    send(0, KEY, 9000);
    send(0, DELTA, 12000);
    send(0, DELTA, 15000);
    await flush();
    expect(wire).toHaveLength(3);
    const seqs = wire.map((w) => w.header.sequenceNumber);
    for (let i = 1; i < seqs.length; i++) expect((seqs[i]! - seqs[i - 1]!) & 0xffff).toBe(1);
    expect((await consumer.getStats())[0]).toMatchObject({ packetCount: 3 });
  });

  it('stops on pause and restarts on resume with a fresh keyframe request', async () => {
    const { consumer, wire, send, plisFor } = setup(1);
    send(0, KEY, 0);
    await flush();
    await consumer.pause();
    send(0, DELTA, 3000);
    await flush();
    expect(wire).toHaveLength(1);
    const before = plisFor(0);
    await consumer.resume();
    // Asked at once, or deferred until libwebrtc's 300 ms window since the last request has passed.
    await waitFor('a keyframe request', () => plisFor(0) > before, { timeoutMs: 1000, intervalMs: 10 });
    send(0, DELTA, 6000);
    send(0, KEY, 9000);
    await flush();
    expect(wire).toHaveLength(2); // the delta after resume is held back, the keyframe goes
  });
});
