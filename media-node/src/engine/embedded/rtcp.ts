// The RTCP the engine reads and writes (RFC 3550, 4585, 5104, REMB, transport-wide CC), parsed
// by hand: compact, allocation-light, and a malformed packet only ends the compound early.

export type RtcpMessage =
  | { type: 'sr'; ssrc: number; ntp: bigint; rtpTimestamp: number; packetCount: number; octetCount: number }
  | { type: 'rr'; ssrc: number; reports: ReceiverReport[] }
  | { type: 'nack'; senderSsrc: number; mediaSsrc: number; lost: number[] }
  | { type: 'pli'; senderSsrc: number; mediaSsrc: number }
  | { type: 'fir'; senderSsrc: number; mediaSsrcs: number[] }
  | { type: 'remb'; senderSsrc: number; bitrate: number; ssrcs: number[] };

export interface ReceiverReport {
  ssrc: number;
  fractionLost: number;
  totalLost: number;
  highestSeq: number;
  jitter: number;
  lsr: number;
  dlsr: number;
}

export function parseRtcp(buf: Buffer): RtcpMessage[] {
  const out: RtcpMessage[] = [];
  let offset = 0;
  while (offset + 4 <= buf.length) {
    const first = buf[offset]!;
    if (first >> 6 !== 2) break;
    const count = first & 0x1f;
    const pt = buf[offset + 1]!;
    const length = (buf.readUInt16BE(offset + 2) + 1) * 4;
    if (offset + length > buf.length) break;
    const body = buf.subarray(offset + 4, offset + length);
    const message = parseOne(pt, count, body);
    if (message) out.push(message);
    offset += length;
  }
  return out;
}

function parseOne(pt: number, count: number, b: Buffer): RtcpMessage | undefined {
  switch (pt) {
    case 200: {
      if (b.length < 24) return undefined;
      return {
        type: 'sr',
        ssrc: b.readUInt32BE(0),
        ntp: b.readBigUInt64BE(4),
        rtpTimestamp: b.readUInt32BE(12),
        packetCount: b.readUInt32BE(16),
        octetCount: b.readUInt32BE(20),
      };
    }
    case 201: {
      if (b.length < 4) return undefined;
      return { type: 'rr', ssrc: b.readUInt32BE(0), reports: readReports(b.subarray(4), count) };
    }
    case 205: {
      if (count !== 1 || b.length < 8) return undefined;
      const lost: number[] = [];
      for (let i = 8; i + 4 <= b.length; i += 4) {
        const pid = b.readUInt16BE(i);
        const blp = b.readUInt16BE(i + 2);
        lost.push(pid);
        for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) lost.push((pid + bit + 1) & 0xffff);
      }
      return { type: 'nack', senderSsrc: b.readUInt32BE(0), mediaSsrc: b.readUInt32BE(4), lost };
    }
    case 206: {
      if (b.length < 8) return undefined;
      const senderSsrc = b.readUInt32BE(0);
      if (count === 1) return { type: 'pli', senderSsrc, mediaSsrc: b.readUInt32BE(4) };
      if (count === 4) {
        const mediaSsrcs: number[] = [];
        for (let i = 8; i + 8 <= b.length; i += 8) mediaSsrcs.push(b.readUInt32BE(i));
        return { type: 'fir', senderSsrc, mediaSsrcs };
      }
      if (count === 15 && b.length >= 16 && b.toString('latin1', 8, 12) === 'REMB') {
        const n = b[12]!;
        const exp = b[13]! >> 2;
        const mantissa = ((b[13]! & 0x03) << 16) | b.readUInt16BE(14);
        const ssrcs: number[] = [];
        for (let i = 0; i < n && 16 + i * 4 + 4 <= b.length; i++) ssrcs.push(b.readUInt32BE(16 + i * 4));
        return { type: 'remb', senderSsrc, bitrate: mantissa * 2 ** exp, ssrcs };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function readReports(b: Buffer, count: number): ReceiverReport[] {
  const reports: ReceiverReport[] = [];
  for (let i = 0; i < count && (i + 1) * 24 <= b.length; i++) {
    const o = i * 24;
    const lost = b.readUIntBE(o + 5, 3);
    reports.push({
      ssrc: b.readUInt32BE(o),
      fractionLost: b[o + 4]!,
      totalLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      highestSeq: b.readUInt32BE(o + 8),
      jitter: b.readUInt32BE(o + 12),
      lsr: b.readUInt32BE(o + 16),
      dlsr: b.readUInt32BE(o + 20),
    });
  }
  return reports;
}

function header(fmtOrCount: number, pt: number, bodyLength: number): Buffer {
  const buf = Buffer.alloc(4 + bodyLength);
  buf[0] = 0x80 | fmtOrCount;
  buf[1] = pt;
  buf.writeUInt16BE((4 + bodyLength) / 4 - 1, 2);
  return buf;
}

export function buildPli(senderSsrc: number, mediaSsrc: number): Buffer {
  const buf = header(1, 206, 8);
  buf.writeUInt32BE(senderSsrc, 4);
  buf.writeUInt32BE(mediaSsrc, 8);
  return buf;
}

export function buildFir(senderSsrc: number, mediaSsrc: number, seqNr: number): Buffer {
  const buf = header(4, 206, 16);
  buf.writeUInt32BE(senderSsrc, 4);
  buf.writeUInt32BE(mediaSsrc, 12);
  buf[16] = seqNr & 0xff;
  return buf;
}

export function buildRemb(senderSsrc: number, bitrate: number, ssrcs: number[]): Buffer {
  const buf = header(15, 206, 16 + 4 * ssrcs.length);
  buf.writeUInt32BE(senderSsrc, 4);
  buf.write('REMB', 12, 'latin1');
  let exp = 0;
  let mantissa = Math.max(0, Math.floor(bitrate));
  while (mantissa > 0x3ffff) {
    mantissa = Math.floor(mantissa / 2);
    exp++;
  }
  buf[16] = ssrcs.length;
  buf[17] = (exp << 2) | (mantissa >> 16);
  buf.writeUInt16BE(mantissa & 0xffff, 18);
  ssrcs.forEach((s, i) => buf.writeUInt32BE(s, 20 + i * 4));
  return buf;
}

export function buildRr(senderSsrc: number, reports: ReceiverReport[]): Buffer {
  const buf = header(reports.length, 201, 4 + 24 * reports.length);
  buf.writeUInt32BE(senderSsrc, 4);
  reports.forEach((r, i) => writeReport(buf, 8 + i * 24, r));
  return buf;
}

export function buildSr(
  ssrc: number,
  info: { ntp: bigint; rtpTimestamp: number; packetCount: number; octetCount: number },
): Buffer {
  const buf = header(0, 200, 24);
  buf.writeUInt32BE(ssrc, 4);
  buf.writeBigUInt64BE(info.ntp, 8);
  buf.writeUInt32BE(info.rtpTimestamp >>> 0, 16);
  buf.writeUInt32BE(info.packetCount >>> 0, 20);
  buf.writeUInt32BE(info.octetCount >>> 0, 24);
  return buf;
}

export function buildNack(senderSsrc: number, mediaSsrc: number, lost: number[]): Buffer {
  const pairs: [number, number][] = [];
  for (const seq of lost) {
    const last = pairs[pairs.length - 1];
    const diff = last ? (seq - last[0]) & 0xffff : 0;
    if (last && diff >= 1 && diff <= 16) last[1] |= 1 << (diff - 1);
    else pairs.push([seq, 0]);
  }
  const buf = header(1, 205, 8 + 4 * pairs.length);
  buf.writeUInt32BE(senderSsrc, 4);
  buf.writeUInt32BE(mediaSsrc, 8);
  pairs.forEach(([pid, blp], i) => {
    buf.writeUInt16BE(pid, 12 + i * 4);
    buf.writeUInt16BE(blp, 14 + i * 4);
  });
  return buf;
}

function writeReport(buf: Buffer, o: number, r: ReceiverReport): void {
  buf.writeUInt32BE(r.ssrc >>> 0, o);
  buf[o + 4] = r.fractionLost & 0xff;
  buf.writeUIntBE(r.totalLost < 0 ? r.totalLost + 0x1000000 : Math.min(r.totalLost, 0x7fffff), o + 5, 3);
  buf.writeUInt32BE(r.highestSeq >>> 0, o + 8);
  buf.writeUInt32BE(r.jitter >>> 0, o + 12);
  buf.writeUInt32BE(r.lsr >>> 0, o + 16);
  buf.writeUInt32BE(r.dlsr >>> 0, o + 20);
}

/** Wall clock as a 64-bit NTP timestamp. */
export function ntpNow(nowMs = Date.now()): bigint {
  const seconds = BigInt(Math.floor(nowMs / 1000) + 2208988800);
  const fraction = BigInt(Math.round(((nowMs % 1000) / 1000) * 2 ** 32)) & 0xffffffffn;
  return (seconds << 32n) | fraction;
}

/** The middle 32 bits of an NTP timestamp, as LSR/DLSR use it. */
export const ntpMiddle = (ntp: bigint) => Number((ntp >> 16n) & 0xffffffffn);
