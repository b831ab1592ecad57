// Writes the duration into a WebM that ffmpeg streamed to a pipe. Streaming is what lets the node
// upload the file while it grows (ffmpeg never seeks back), but it also means ffmpeg cannot go back
// to write the Duration: players then show an endless (unseekable) file and ffprobe no duration.
// ffmpeg does reserve a Void right before the Segment Info; this moves Info into the Void's space,
// adds Duration to it, and points the SeekHead at Info's new place. Every byte after Info stays
// where it was and the header keeps its length, so only the first part needs uploading again.
// Chromium's MediaRecorder writes no Void but names itself in Info (MuxingApp, WritingApp "Chrome"):
// the WritingApp's bytes are taken for a 4-byte Duration and a Void, again keeping every length.
// Shared by the media node's recorder and the studio's local recording (web/src/room/ui/local-recording/).

const ID = { ebml: 0x1a45dfa3, segment: 0x18538067, seekHead: 0x114d9b74, seek: 0x4dbb, seekId: 0x53ab, seekPosition: 0x53ac, info: 0x1549a966, void: 0xec, duration: 0x4489, writingApp: 0x5741, muxingApp: 0x4d80 };
/** The Duration element: 2-byte id, 1-byte size, 8-byte float. */
const DURATION_BYTES = 11;

interface Element {
  id: number;
  /** Where the element starts (its id). */
  start: number;
  /** Where its data starts. */
  dataStart: number;
  /** Bytes of data; undefined for the unknown size of a streamed Segment. */
  size: number | undefined;
  /** Bytes the size field takes. */
  sizeWidth: number;
}

function readVint(buf: Uint8Array, at: number, keepMarker: boolean): { value: number; width: number; unknown: boolean } {
  const first = buf[at];
  if (first === undefined || first === 0) throw new Error('bad EBML variable-length integer');
  const width = Math.clz32(first) - 23;
  if (at + width > buf.length) throw new Error('EBML header cut short');
  let value = keepMarker ? first : first & (0xff >> width);
  let allOnes = (first & (0xff >> width)) === 0xff >> width;
  for (let i = 1; i < width; i++) {
    value = value * 256 + buf[at + i]!;
    if (buf[at + i] !== 0xff) allOnes = false;
  }
  return { value, width, unknown: allOnes };
}

function readElement(buf: Uint8Array, at: number): Element {
  const id = readVint(buf, at, true);
  const size = readVint(buf, at + id.width, false);
  return { id: id.value, start: at, dataStart: at + id.width + size.width, size: size.unknown ? undefined : size.value, sizeWidth: size.width };
}

function children(buf: Uint8Array, parent: Element): Element[] {
  const out: Element[] = [];
  const end = parent.dataStart + (parent.size ?? 0);
  for (let at = parent.dataStart; at < end; ) {
    const e = readElement(buf, at);
    out.push(e);
    at = e.dataStart + e.size!;
  }
  return out;
}

function uint(buf: Uint8Array, e: Element): number {
  let v = 0;
  for (let i = 0; i < e.size!; i++) v = v * 256 + buf[e.dataStart + i]!;
  return v;
}

/** A size field of exactly `width` bytes. */
function encodeSize(value: number, width: number): Uint8Array {
  if (value >= 2 ** (7 * width) - 1) throw new Error(`${value} does not fit a ${width}-byte EBML size`);
  const out = new Uint8Array(width);
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[0]! |= 0x80 >> (width - 1);
  return out;
}

function voidElement(total: number): Uint8Array {
  // One size byte up to 127 bytes of data, else eight (what ffmpeg writes).
  const width = total - 2 <= 126 ? 1 : 8;
  const out = new Uint8Array(total);
  out[0] = ID.void;
  out.set(encodeSize(total - 1 - width, width), 1);
  return out;
}

/**
 * Patches `header` (the file's first bytes: EBML header, SeekHead, Void, Info) in place with the
 * duration in milliseconds. Answers false, changing nothing, when the layout is not the one
 * expected (no Void before Info, a Duration already there).
 */
export function patchWebmDuration(header: Uint8Array, durationMs: number): boolean {
  try {
    const ebml = readElement(header, 0);
    if (ebml.id !== ID.ebml) return false;
    const segment = readElement(header, ebml.dataStart + ebml.size!);
    if (segment.id !== ID.segment) return false;
    const level1: Element[] = [];
    for (let at = segment.dataStart; at < header.length; ) {
      const e = readElement(header, at);
      if (e.size === undefined || e.dataStart + e.size > header.length) break;
      level1.push(e);
      if (e.id === ID.info) break;
      at = e.dataStart + e.size;
    }
    const infoIndex = level1.findIndex((e) => e.id === ID.info);
    const info = level1[infoIndex];
    const before = level1[infoIndex - 1];
    if (!info) return false;
    const infoChildren = children(header, info);
    if (infoChildren.some((c) => c.id === ID.duration)) return false;
    const scale = infoChildren.find((c) => c.id === 0x2ad7b1);
    const timecodeScaleNs = scale ? uint(header, scale) : 1_000_000;
    if (before?.id !== ID.void) return replaceAppName(header, infoChildren, (durationMs * 1_000_000) / timecodeScaleNs);
    const voidTotal = info.start - before.start;
    if (voidTotal < DURATION_BYTES + 2) return false;

    const infoEnd = info.dataStart + info.size!;
    const newInfoSize = info.size! + DURATION_BYTES;
    const newInfoStart = infoEnd - (info.dataStart - info.start + newInfoSize);
    const duration = new Uint8Array(DURATION_BYTES);
    duration.set([0x44, 0x89, 0x88]);
    new DataView(duration.buffer).setFloat64(3, (durationMs * 1_000_000) / timecodeScaleNs);

    // The SeekHead's entry for Info, rewritten first: a failure leaves the header untouched.
    const seekHead = level1.find((e) => e.id === ID.seekHead);
    let position: { e: Element; value: number } | undefined;
    if (seekHead) {
      for (const seek of children(header, seekHead).filter((c) => c.id === ID.seek)) {
        const fields = children(header, seek);
        const id = fields.find((f) => f.id === ID.seekId);
        const pos = fields.find((f) => f.id === ID.seekPosition);
        if (id && pos && uint(header, id) === ID.info) position = { e: pos, value: newInfoStart - segment.dataStart };
      }
      if (position && position.value >= 2 ** (8 * position.e.size!)) return false;
    }

    const infoSize = encodeSize(newInfoSize, info.sizeWidth);
    const infoHead = header.slice(info.start, info.dataStart - info.sizeWidth);
    const infoBody = header.slice(info.dataStart, infoEnd);
    header.set(voidElement(newInfoStart - before.start), before.start);
    let at = newInfoStart;
    header.set(infoHead, at);
    at += infoHead.length;
    header.set(infoSize, at);
    at += info.sizeWidth;
    header.set(infoBody, at);
    at += infoBody.length;
    header.set(duration, at);
    if (position) {
      let v = position.value;
      for (let i = position.e.size! - 1; i >= 0; i--) {
        header[position.e.dataStart + i] = v % 256;
        v = Math.floor(v / 256);
      }
    }
    return true;
  } catch {
    return false;
  }
}

/** Duration as a 4-byte float (id, size, float32): 7 bytes, exact to the millisecond for 4.6 hours. */
const SHORT_DURATION_BYTES = 7;

/**
 * Overwrites Info's WritingApp (or MuxingApp) with a float32 Duration and a Void filling the rest
 * of its bytes; false when neither is long enough (a Void takes at least 2 bytes).
 */
function replaceAppName(header: Uint8Array, infoChildren: Element[], duration: number): boolean {
  const total = (e: Element) => e.dataStart - e.start + e.size!;
  const fits = (e: Element) => total(e) === SHORT_DURATION_BYTES || total(e) >= SHORT_DURATION_BYTES + 2;
  const app = infoChildren.find((c) => c.id === ID.writingApp && fits(c)) ?? infoChildren.find((c) => c.id === ID.muxingApp && fits(c));
  if (!app) return false;
  const field = new Uint8Array(SHORT_DURATION_BYTES);
  field.set([0x44, 0x89, 0x84]);
  new DataView(field.buffer).setFloat32(3, duration);
  const rest = total(app) - SHORT_DURATION_BYTES;
  header.set(field, app.start);
  if (rest > 0) header.set(voidElement(rest), app.start + SHORT_DURATION_BYTES);
  return true;
}
