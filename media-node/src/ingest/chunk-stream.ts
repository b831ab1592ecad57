// The RTMP chunk stream (RTMP 1.0 spec, section 5.3): messages cut into chunks of at most the
// peer's chunk size, interleaved by chunk stream id, headers compressed against the previous
// chunk of the same stream. ChunkReader is incremental (bytes arrive in any split); it applies
// Set Chunk Size and Abort itself, because they change how the very next bytes are read.
// encodeMessage writes one message as a type-0 chunk and type-3 continuations.

export interface RtmpMessage {
  chunkStreamId: number;
  typeId: number;
  streamId: number;
  /** Absolute timestamp, ms (wraps at 2^32). */
  timestamp: number;
  payload: Buffer;
}

export const MESSAGE_TYPES = {
  setChunkSize: 1,
  abort: 2,
  acknowledgement: 3,
  userControl: 4,
  windowAckSize: 5,
  setPeerBandwidth: 6,
  audio: 8,
  video: 9,
  dataAmf3: 15,
  commandAmf3: 17,
  dataAmf0: 18,
  commandAmf0: 20,
} as const;

export class ChunkStreamError extends Error {}

interface StreamState {
  timestamp: number;
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
  extended: boolean;
  parts: Buffer[];
  received: number;
  /** Whether a header of this stream was ever seen (type 1-3 chunks need one). */
  known: boolean;
}

const DEFAULT_CHUNK_SIZE = 128;
/** Encoders send video frames of a few hundred KB at most; a bigger message is an attack or a bug. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
const MAX_CHUNK_STREAMS = 64;

export class ChunkReader {
  #buffer: Buffer = Buffer.alloc(0);
  #chunkSize = DEFAULT_CHUNK_SIZE;
  readonly #streams = new Map<number, StreamState>();

  get chunkSize(): number {
    return this.#chunkSize;
  }

  /** Adds bytes; returns every message they complete, in order. Throws ChunkStreamError on a malformed stream. */
  push(bytes: Buffer): RtmpMessage[] {
    this.#buffer = this.#buffer.length === 0 ? bytes : Buffer.concat([this.#buffer, bytes]);
    const out: RtmpMessage[] = [];
    let offset = 0;
    for (;;) {
      const consumed = this.#readChunk(offset, out);
      if (consumed === 0) break;
      offset += consumed;
    }
    this.#buffer = this.#buffer.subarray(offset);
    if (this.#buffer.length > this.#chunkSize + 32) throw new ChunkStreamError('a chunk larger than the chunk size');
    return out;
  }

  /** Reads one chunk at `offset`; 0 when the buffer does not hold all of it yet. */
  #readChunk(offset: number, out: RtmpMessage[]): number {
    const buf = this.#buffer;
    let at = offset;
    if (at >= buf.length) return 0;
    const b0 = buf[at++]!;
    const fmt = b0 >> 6;
    let csid = b0 & 0x3f;
    if (csid === 0) {
      if (at + 1 > buf.length) return 0;
      csid = 64 + buf[at++]!;
    } else if (csid === 1) {
      if (at + 2 > buf.length) return 0;
      csid = 64 + buf[at]! + buf[at + 1]! * 256;
      at += 2;
    }
    const headerBytes = [11, 7, 3, 0][fmt]!;
    if (at + headerBytes > buf.length) return 0;
    let state = this.#streams.get(csid);
    if (!state) {
      if (this.#streams.size >= MAX_CHUNK_STREAMS) throw new ChunkStreamError('too many chunk streams');
      state = { timestamp: 0, delta: 0, length: 0, typeId: 0, streamId: 0, extended: false, parts: [], received: 0, known: false };
      this.#streams.set(csid, state);
    }
    if (fmt !== 0 && !state.known) throw new ChunkStreamError(`chunk stream ${csid} starts without a full header`);
    const starting = state.received === 0;
    let tsField = 0;
    let length = state.length;
    let typeId = state.typeId;
    let streamId = state.streamId;
    if (fmt <= 2) tsField = buf.readUIntBE(at, 3);
    if (fmt <= 1) {
      length = buf.readUIntBE(at + 3, 3);
      typeId = buf[at + 6]!;
    }
    if (fmt === 0) streamId = buf.readUInt32LE(at + 7);
    at += headerBytes;
    const extended = fmt <= 2 ? tsField === 0xffffff : state.extended;
    if (extended) {
      if (at + 4 > buf.length) return 0;
      tsField = buf.readUInt32BE(at);
      at += 4;
    }
    if (fmt !== 3 && !starting) throw new ChunkStreamError(`a new message header on chunk stream ${csid} before its message was complete`);
    if (length > MAX_MESSAGE_BYTES) throw new ChunkStreamError(`a ${length}-byte message is too large`);
    const dataBytes = Math.min(this.#chunkSize, length - (starting ? 0 : state.received));
    if (at + dataBytes > buf.length) return 0;

    // The whole chunk is here: commit the header.
    if (starting) {
      if (fmt === 0) {
        state.timestamp = tsField;
        state.delta = 0;
      } else if (fmt === 1 || fmt === 2) {
        state.delta = tsField;
        state.timestamp = (state.timestamp + tsField) >>> 0;
      } else {
        state.timestamp = (state.timestamp + state.delta) >>> 0;
      }
    }
    state.known = true;
    state.extended = extended;
    state.length = length;
    state.typeId = typeId;
    state.streamId = streamId;
    state.parts.push(buf.subarray(at, at + dataBytes));
    state.received += dataBytes;
    at += dataBytes;
    if (state.received >= state.length) {
      const payload = Buffer.concat(state.parts);
      state.parts = [];
      state.received = 0;
      this.#complete({ chunkStreamId: csid, typeId, streamId, timestamp: state.timestamp, payload }, out);
    }
    return at - offset;
  }

  #complete(message: RtmpMessage, out: RtmpMessage[]): void {
    if (message.typeId === MESSAGE_TYPES.setChunkSize) {
      if (message.payload.length < 4) throw new ChunkStreamError('a short Set Chunk Size');
      const size = message.payload.readUInt32BE(0) & 0x7fffffff;
      if (size < 1 || size > 0xffffff) throw new ChunkStreamError(`invalid chunk size ${size}`);
      this.#chunkSize = size;
      return;
    }
    if (message.typeId === MESSAGE_TYPES.abort) {
      if (message.payload.length < 4) return;
      const s = this.#streams.get(message.payload.readUInt32BE(0));
      if (s) {
        s.parts = [];
        s.received = 0;
      }
      return;
    }
    out.push(message);
  }
}

/** One message as chunks: a type-0 header, then type-3 continuations every `chunkSize` bytes. */
export function encodeMessage(message: RtmpMessage, chunkSize: number): Buffer {
  const { chunkStreamId: csid, payload } = message;
  if (csid < 2 || csid > 63) throw new ChunkStreamError('the writer uses chunk stream ids 2-63');
  const extended = message.timestamp >= 0xffffff;
  const header = Buffer.alloc(12 + (extended ? 4 : 0));
  header[0] = csid;
  header.writeUIntBE(extended ? 0xffffff : message.timestamp, 1, 3);
  header.writeUIntBE(payload.length, 4, 3);
  header[7] = message.typeId;
  header.writeUInt32LE(message.streamId, 8);
  if (extended) header.writeUInt32BE(message.timestamp >>> 0, 12);
  const parts: Buffer[] = [header];
  for (let at = 0; at < payload.length || at === 0; at += chunkSize) {
    if (at > 0) {
      const cont = Buffer.alloc(extended ? 5 : 1);
      cont[0] = 0xc0 | csid;
      if (extended) cont.writeUInt32BE(message.timestamp >>> 0, 1);
      parts.push(cont);
    }
    parts.push(payload.subarray(at, at + chunkSize));
    if (payload.length === 0) break;
  }
  return Buffer.concat(parts);
}
