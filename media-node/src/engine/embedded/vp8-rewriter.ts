// VP8 payload descriptor rewriting (RFC 7741 §4.2): keeps PictureID and TL0PICIDX continuous
// when a consumer's source changes, as mediasoup does, so the receiver's frame references never
// see a jump back. Until the first switch the offsets are zero and payloads pass untouched.

interface Descriptor {
  pictureIdAt: number;
  pictureIdBits: 7 | 15;
  pictureId: number;
  tl0At: number;
}

function parse(payload: Buffer): Descriptor | undefined {
  if (payload.length < 2 || !(payload[0]! & 0x80)) return undefined;
  const ext = payload[1]!;
  let offset = 2;
  let pictureIdAt = -1;
  let pictureIdBits: 7 | 15 = 7;
  let pictureId = 0;
  if (ext & 0x80) {
    if (payload.length < offset + 1) return undefined;
    pictureIdAt = offset;
    if (payload[offset]! & 0x80) {
      if (payload.length < offset + 2) return undefined;
      pictureIdBits = 15;
      pictureId = payload.readUInt16BE(offset) & 0x7fff;
      offset += 2;
    } else {
      pictureId = payload[offset]! & 0x7f;
      offset += 1;
    }
  }
  let tl0At = -1;
  if (ext & 0x40) {
    if (payload.length < offset + 1) return undefined;
    tl0At = offset;
  }
  return { pictureIdAt, pictureIdBits, pictureId, tl0At };
}

export class Vp8Rewriter {
  #pictureIdOffset = 0;
  #tl0Offset = 0;
  #lastPictureId: number | undefined;
  #lastTl0: number | undefined;
  #resync = false;

  /** The next packet starts a new source. */
  resync(): void {
    this.#resync = true;
  }

  rewrite(payload: Buffer): Buffer {
    const d = parse(payload);
    if (!d) return payload;
    const tl0 = d.tl0At >= 0 ? payload[d.tl0At]! : undefined;
    if (this.#resync) {
      this.#resync = false;
      if (d.pictureIdAt >= 0 && this.#lastPictureId !== undefined) this.#pictureIdOffset = this.#lastPictureId + 1 - d.pictureId;
      if (tl0 !== undefined && this.#lastTl0 !== undefined) this.#tl0Offset = this.#lastTl0 + 1 - tl0;
    }
    const mask = d.pictureIdBits === 15 ? 0x7fff : 0x7f;
    const pictureId = (d.pictureId + this.#pictureIdOffset) & mask;
    const newTl0 = tl0 !== undefined ? (tl0 + this.#tl0Offset) & 0xff : undefined;
    if (d.pictureIdAt >= 0) this.#lastPictureId = pictureId;
    if (newTl0 !== undefined) this.#lastTl0 = newTl0;
    if (pictureId === d.pictureId && newTl0 === tl0) return payload;
    // The payload is shared by every consumer of the producer: change a copy.
    const out = Buffer.from(payload);
    if (d.pictureIdAt >= 0) {
      if (d.pictureIdBits === 15) out.writeUInt16BE(0x8000 | pictureId, d.pictureIdAt);
      else out[d.pictureIdAt] = pictureId;
    }
    if (newTl0 !== undefined) out[d.tl0At] = newTl0;
    return out;
  }
}
