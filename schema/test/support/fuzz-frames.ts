// The one generator of hostile frames for every socket's fuzz test (the room socket, the node's
// links to RoomDO and FleetDO, the node's receivers, the browser's and the bot's receivers). Each
// test describes its direction (valid frames, request methods, the receiver's size cap) and gets a
// deterministic mix: random JSON and text, valid frames with mutated fields, wrong types, unknown
// types, known request methods with garbage data, truncated, huge, deep and binary frames, and
// some valid frames in between. Runtime-agnostic (workerd and Node): no Node or DOM imports.
// Tests work out what each frame deserves with the same decoder the receiver uses (decodeFrame),
// then check the receiver answered exactly that.

/** Frames each socket's fuzz test sends (issue 12: ten thousand at each endpoint). */
export const FUZZ_FRAMES = 10_000;

export type FuzzFrame = string | Uint8Array;

export interface FrameSpace {
  /** Valid frames of the direction. Leave out frames whose documented answer is to hang up (leave, room.end, router.close). */
  templates: readonly Record<string, unknown>[];
  /** Request methods the receiver serves: sent as `request` frames with garbage data. */
  methods?: readonly string[];
  /** The receiver's frame cap, in UTF-8 bytes: a few frames go just over it. */
  maxBytes: number;
  /** Also send binary frames (random bytes, and JSON as UTF-8 bytes). */
  binary?: boolean;
}

/** A small deterministic PRNG (LCG) so a failure can be replayed from its seed. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Values of every JSON type and the usual troublemakers, for fields that expect something else. */
const WEIRD: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  -0,
  0.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  '',
  ' ',
  'x',
  'x'.repeat(300),
  '\u0000',
  '\ud800',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '😀'.repeat(20),
  '<script>alert(1)</script>',
  "'; DROP TABLE rooms; --",
  '__proto__',
  'constructor',
  [],
  [1, { a: 2 }],
  {},
  { $ne: 1 },
  { type: 'ping' },
  { toString: 1, valueOf: 'x' },
];

/** A fresh copy: mutations of a frame must never reach the shared list. */
const weird = (rand: () => number): unknown => structuredClone(WEIRD[Math.floor(rand() * WEIRD.length)]);

const EXTRA_KEYS = ['extra', 'id', 'type', 'data', 'method', 'ok', 'error', 'constructor', 'prototype', 'then', ''];

/** `count` frames for this direction, the same for the same seed. */
export function fuzzFrames(space: FrameSpace, count: number, seed: number): FuzzFrame[] {
  const rand = prng(seed);
  const frames: FuzzFrame[] = [];
  for (let i = 0; i < count; i++) frames.push(oneFrame(space, rand));
  return frames;
}

function oneFrame(space: FrameSpace, rand: () => number): FuzzFrame {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const template = () => structuredClone(pick(space.templates)) as Record<string, unknown>;
  const roll = rand();
  if (roll < 0.08) return JSON.stringify(randomValue(rand, 4)) ?? 'null';
  if (roll < 0.14) return randomText(rand, 1 + Math.floor(rand() * 120));
  if (roll < 0.4) return JSON.stringify(mutate(template(), rand));
  if (roll < 0.52) {
    // Wrong types: one field, or every field, gets a value of another type.
    const frame = template();
    const keys = Object.keys(frame).filter((k) => k !== 'type');
    const all = rand() < 0.3;
    for (const k of keys) if (all || rand() < 1 / keys.length) frame[k] = otherType(frame[k], rand);
    if (keys.length === 0) frame.type = otherType(frame.type, rand);
    return JSON.stringify(frame);
  }
  if (roll < 0.62) {
    // Unknown types: near misses, random names, and types that are not strings.
    const frame = template();
    const known = String(frame.type);
    frame.type = pick<unknown>([
      `${known}x`,
      known.toUpperCase(),
      ` ${known}`,
      known.split('.').reverse().join('.'),
      randomText(rand, 1 + Math.floor(rand() * 20)),
      'x'.repeat(500),
      42,
      null,
      [known],
      { type: known },
    ]);
    return JSON.stringify(frame);
  }
  if (roll < 0.72 && space.methods?.length) {
    // Known request methods with garbage data (and a few unknown methods).
    const method = rand() < 0.9 ? pick(space.methods) : pick(['', 'x', 'process.exit', '__proto__', 'router.close.', 'a'.repeat(65)]);
    const frame: Record<string, unknown> = { type: 'request', id: `fz${Math.floor(rand() * 1e9)}`, method };
    if (rand() < 0.9) frame.data = randomValue(rand, 3);
    if (rand() < 0.1) frame.id = weird(rand);
    return JSON.stringify(frame);
  }
  if (roll < 0.8) {
    // Broken JSON: truncated, duplicate keys, a literal "__proto__" key, trailing garbage.
    const json = JSON.stringify(template());
    switch (Math.floor(rand() * 4)) {
      case 0:
        return json.slice(0, Math.floor(rand() * json.length));
      case 1:
        return `${json.slice(0, -1)},"type":${JSON.stringify(pick(space.templates).type)}}`;
      case 2:
        return `{"__proto__":{"admin":true,"role":"owner"},${json.slice(1)}`;
      default:
        return json + pick(['}', ']', ',', ' x', '\u0000', '{}']);
    }
  }
  if (roll < 0.805) return huge(template(), space.maxBytes, rand);
  if (roll < 0.82) return deep(template(), rand, space.maxBytes);
  if (roll < 0.87 && space.binary) {
    const encoder = new TextEncoder();
    switch (Math.floor(rand() * 3)) {
      case 0:
        return Uint8Array.from({ length: Math.floor(rand() * 256) }, () => Math.floor(rand() * 256));
      case 1:
        return encoder.encode(JSON.stringify(mutate(template(), rand)));
      default:
        return encoder.encode(JSON.stringify(template()));
    }
  }
  // The rest are valid: the receiver meets good frames in between the bad ones.
  return JSON.stringify(template());
}

/** One to three of: a field set to a weird value, a field deleted, a key added, the type swapped. */
function mutate(frame: Record<string, unknown>, rand: () => number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const mutations = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < mutations; i++) {
    const keys = Object.keys(frame);
    const m = rand();
    if (m < 0.35 && keys.length) setPath(frame, rand, weird(rand));
    else if (m < 0.5 && keys.length) delete frame[pick(keys)];
    else if (m < 0.7) frame[pick(EXTRA_KEYS)] = weird(rand);
    else if (m < 0.85) frame.type = `${typeof frame.type === 'string' ? frame.type : JSON.stringify(frame.type)}${pick(['', '.', 'x', ' ', '\u0000'])}`;
    else frame[pick(keys.length ? keys : EXTRA_KEYS)] = randomValue(rand, 2);
  }
  return frame;
}

/** Replaces a field, or a field of a nested object or array, with `value`. */
function setPath(frame: Record<string, unknown>, rand: () => number, value: unknown): void {
  let target: Record<string, unknown> = frame;
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(target);
    if (keys.length === 0) break;
    const key = keys[Math.floor(rand() * keys.length)]!;
    const child = target[key];
    if (child && typeof child === 'object' && Object.keys(child).length > 0 && rand() < 0.6) {
      target = child as Record<string, unknown>;
      continue;
    }
    target[key] = value;
    return;
  }
  target.extra = value;
}

function otherType(value: unknown, rand: () => number): unknown {
  const choices: unknown[] = [null, 7, -3.5, true, 'seven', [value], { value }];
  const sameType = (v: unknown) => (v === null ? value === null : Array.isArray(v) ? Array.isArray(value) : typeof v === typeof value && !Array.isArray(value));
  const other = choices.filter((c) => !sameType(c));
  return other[Math.floor(rand() * other.length)];
}

/** Any JSON value, nested up to `depth`. */
function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth <= 0 || r < 0.4) return weird(rand);
  if (r < 0.55) return randomText(rand, Math.floor(rand() * 40));
  if (r < 0.65) return Math.floor(rand() * 2 ** 32) - 2 ** 31;
  if (r < 0.8) return Array.from({ length: Math.floor(rand() * 5) }, () => randomValue(rand, depth - 1));
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 5); i > 0; i--) object[rand() < 0.5 ? EXTRA_KEYS[Math.floor(rand() * EXTRA_KEYS.length)]! : randomText(rand, 6)] = randomValue(rand, depth - 1);
  return object;
}

/** Characters from all over the BMP, control characters and lone surrogates included. */
function randomText(rand: () => number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(rand() < 0.5 ? Math.floor(rand() * 0x80) : Math.floor(rand() * 0xffff));
  return text;
}

/** Just over the cap: in ASCII, or under it in characters and over it in UTF-8 bytes. */
function huge(frame: Record<string, unknown>, maxBytes: number, rand: () => number): string {
  const keys = Object.keys(frame).filter((k) => k !== 'type');
  const key = keys.length ? keys[Math.floor(rand() * keys.length)]! : 'padding';
  frame[key] = rand() < 0.5 ? 'a'.repeat(maxBytes + 1) : '€'.repeat(Math.ceil(maxBytes / 3) + 1);
  return JSON.stringify(frame);
}

/** A field nested a few thousand levels deep, still under the cap. */
function deep(frame: Record<string, unknown>, rand: () => number, maxBytes: number): string {
  const depth = Math.min(Math.floor(maxBytes / 8), 1000 + Math.floor(rand() * 2000));
  const keys = Object.keys(frame).filter((k) => k !== 'type');
  const key = keys.length ? keys[Math.floor(rand() * keys.length)]! : 'data';
  const nested = rand() < 0.5 ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const json = JSON.stringify({ ...frame, [key]: 0 });
  return json.replace(`"${key}":0`, `"${key}":${nested}`);
}
