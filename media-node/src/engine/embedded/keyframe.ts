// Is this RTP payload the first packet of a keyframe? Decided once per packet at the producer.

/** VP8 (RFC 7741): start of partition 0 with the P bit of the payload header clear. */
export function isVp8KeyframeStart(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  const x = payload[0]! & 0x80;
  const s = payload[0]! & 0x10;
  const pid = payload[0]! & 0x07;
  if (!s || pid !== 0) return false;
  let offset = 1;
  if (x) {
    if (payload.length < 2) return false;
    const ext = payload[1]!;
    offset = 2;
    if (ext & 0x80) offset += payload.length > offset && payload[offset]! & 0x80 ? 2 : 1; // picture id
    if (ext & 0x40) offset += 1; // TL0PICIDX
    if (ext & 0x30) offset += 1; // TID / KEYIDX
  }
  return payload.length > offset && (payload[offset]! & 0x01) === 0;
}

/** H.264 (RFC 6184): an IDR or SPS NAL unit, alone, in a STAP-A, or starting a FU-A. */
export function isH264KeyframeStart(payload: Buffer): boolean {
  if (payload.length < 1) return false;
  const type = payload[0]! & 0x1f;
  if (type === 5 || type === 7) return true;
  if (type === 24) {
    let offset = 1;
    while (offset + 2 < payload.length) {
      const size = payload.readUInt16BE(offset);
      const nal = payload[offset + 2]! & 0x1f;
      if (nal === 5 || nal === 7) return true;
      offset += 2 + size;
    }
    return false;
  }
  if (type === 28 && payload.length >= 2) {
    const start = payload[1]! & 0x80;
    const nal = payload[1]! & 0x1f;
    return Boolean(start) && (nal === 5 || nal === 7);
  }
  return false;
}

export function keyframeDetector(mimeType: string): ((payload: Buffer) => boolean) | undefined {
  switch (mimeType.toLowerCase()) {
    case 'video/vp8':
      return isVp8KeyframeStart;
    case 'video/h264':
      return isH264KeyframeStart;
    default:
      return undefined;
  }
}
