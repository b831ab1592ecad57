// RFC 7983: what a datagram on a WebRTC port is, from its first byte.
export type DatagramKind = 'stun' | 'dtls' | 'rtp' | 'rtcp' | 'unknown';

const STUN_MAGIC_COOKIE = 0x2112a442;

export function classifyDatagram(data: Buffer): DatagramKind {
  if (data.length === 0) return 'unknown';
  const b = data[0]!;
  if (b <= 3) {
    return data.length >= 20 && data.readUInt32BE(4) === STUN_MAGIC_COOKIE ? 'stun' : 'unknown';
  }
  if (b >= 20 && b <= 63) return data.length >= 13 ? 'dtls' : 'unknown';
  if (b >= 128 && b <= 191) {
    if (data.length < 12) return 'unknown';
    // RTCP packet types 192-223 sit where RTP has marker + payload type (RFC 5761).
    const pt = data[1]!;
    return pt >= 192 && pt <= 223 ? 'rtcp' : 'rtp';
  }
  return 'unknown';
}
