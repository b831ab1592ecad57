// AMF0, the value encoding of RTMP commands (connect, publish, onStatus) and of @setDataFrame
// metadata: numbers, booleans, strings, objects, null/undefined, ECMA arrays, strict arrays and
// dates. Only what encoders send and what the server answers; anything else is a decode error.

export type Amf0Value = number | boolean | string | null | undefined | Date | Amf0Value[] | { [key: string]: Amf0Value };

export class Amf0Error extends Error {}

const OBJECT_END = 0x09;

/** Decodes every value in `buf` (a command message body is a sequence of values). */
export function decodeAmf0(buf: Buffer): Amf0Value[] {
  const values: Amf0Value[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const [value, next] = decodeValue(buf, offset, 0);
    values.push(value);
    offset = next;
  }
  return values;
}

const MAX_DEPTH = 16;

function need(buf: Buffer, offset: number, n: number): void {
  if (offset + n > buf.length) throw new Amf0Error(`truncated AMF0 value at byte ${offset}`);
}

function readString(buf: Buffer, offset: number, long = false): [string, number] {
  const lenBytes = long ? 4 : 2;
  need(buf, offset, lenBytes);
  const len = long ? buf.readUInt32BE(offset) : buf.readUInt16BE(offset);
  need(buf, offset + lenBytes, len);
  return [buf.toString('utf8', offset + lenBytes, offset + lenBytes + len), offset + lenBytes + len];
}

function readProperties(buf: Buffer, offset: number, depth: number): [Record<string, Amf0Value>, number] {
  const out: Record<string, Amf0Value> = {};
  for (;;) {
    const [key, afterKey] = readString(buf, offset);
    need(buf, afterKey, 1);
    if (key === '' && buf[afterKey] === OBJECT_END) return [out, afterKey + 1];
    const [value, next] = decodeValue(buf, afterKey, depth + 1);
    // Keys like __proto__ must not reach the prototype.
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    offset = next;
  }
}

function decodeValue(buf: Buffer, offset: number, depth: number): [Amf0Value, number] {
  if (depth > MAX_DEPTH) throw new Amf0Error('AMF0 nesting too deep');
  need(buf, offset, 1);
  const marker = buf[offset]!;
  const at = offset + 1;
  switch (marker) {
    case 0x00:
      need(buf, at, 8);
      return [buf.readDoubleBE(at), at + 8];
    case 0x01:
      need(buf, at, 1);
      return [buf[at] !== 0, at + 1];
    case 0x02:
      return readString(buf, at);
    case 0x03:
      return readProperties(buf, at, depth);
    case 0x05:
      return [null, at];
    case 0x06:
      return [undefined, at];
    case 0x08: // ECMA array: a count (advisory) then properties like an object
      need(buf, at, 4);
      return readProperties(buf, at + 4, depth);
    case 0x0a: {
      need(buf, at, 4);
      const count = buf.readUInt32BE(at);
      const items: Amf0Value[] = [];
      let next = at + 4;
      for (let i = 0; i < count; i++) {
        const [v, n] = decodeValue(buf, next, depth + 1);
        items.push(v);
        next = n;
      }
      return [items, next];
    }
    case 0x0b:
      need(buf, at, 10);
      return [new Date(buf.readDoubleBE(at)), at + 10];
    case 0x0c:
      return readString(buf, at, true);
    default:
      throw new Amf0Error(`unsupported AMF0 marker 0x${marker.toString(16)} at byte ${offset}`);
  }
}

export function encodeAmf0(...values: Amf0Value[]): Buffer {
  return Buffer.concat(values.map(encodeValue));
}

function encodeString(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

function encodeValue(value: Amf0Value): Buffer {
  if (value === null) return Buffer.from([0x05]);
  if (value === undefined) return Buffer.from([0x06]);
  if (typeof value === 'number') {
    const b = Buffer.alloc(9);
    b[0] = 0x00;
    b.writeDoubleBE(value, 1);
    return b;
  }
  if (typeof value === 'boolean') return Buffer.from([0x01, value ? 1 : 0]);
  if (typeof value === 'string') return Buffer.concat([Buffer.from([0x02]), encodeString(value)]);
  if (value instanceof Date) {
    const b = Buffer.alloc(11);
    b[0] = 0x0b;
    b.writeDoubleBE(value.getTime(), 1);
    return b;
  }
  if (Array.isArray(value)) {
    const head = Buffer.alloc(5);
    head[0] = 0x0a;
    head.writeUInt32BE(value.length, 1);
    return Buffer.concat([head, ...value.map(encodeValue)]);
  }
  const parts: Buffer[] = [Buffer.from([0x03])];
  for (const [k, v] of Object.entries(value)) parts.push(encodeString(k), encodeValue(v));
  parts.push(Buffer.from([0x00, 0x00, OBJECT_END]));
  return Buffer.concat(parts);
}
