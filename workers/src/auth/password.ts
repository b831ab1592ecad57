// Argon2id password hashing through WASM that runs in workerd. Workers cannot compile WebAssembly
// from bytes at run time, so the two builds are imported as modules and instantiated here.
// Stored as a PHC string, so parameters can be raised later without invalidating old hashes.
import setupWasm from 'argon2id/lib/setup.js';
import simdModule from 'argon2id/dist/simd.wasm';
import noSimdModule from 'argon2id/dist/no-simd.wasm';
import { base64url } from './crypto.ts';

/** OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane. The one place these live. */
export const ARGON2_PARAMS = { memorySize: 19_456, passes: 2, parallelism: 1, tagLength: 32, saltLength: 16 } as const;

type ComputeHash = (params: {
  password: Uint8Array;
  salt: Uint8Array;
  parallelism: number;
  passes: number;
  memorySize: number;
  tagLength: number;
}) => Uint8Array;

let computeHash: Promise<ComputeHash> | undefined;
function argon2id(): Promise<ComputeHash> {
  // Allocates about 65 MiB once per isolate.
  computeHash ??= setupWasm(
    (imports: WebAssembly.Imports) => instantiate(simdModule, imports),
    (imports: WebAssembly.Imports) => instantiate(noSimdModule, imports),
  ) as Promise<ComputeHash>;
  return computeHash;
}

async function instantiate(module: WebAssembly.Module, imports: WebAssembly.Imports) {
  const instance = await WebAssembly.instantiate(module, imports);
  return { module, instance };
}

const encoder = new TextEncoder();

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(ARGON2_PARAMS.saltLength));
  const { memorySize: m, passes: t, parallelism: p } = ARGON2_PARAMS;
  const hash = await derive(password, salt, m, t, p, ARGON2_PARAMS.tagLength);
  return `$argon2id$v=19$m=${m},t=${t},p=${p}$${phcBase64(salt)}$${phcBase64(hash)}`;
}

export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
  if (!match) return false;
  const [, m, t, p, saltB64, hashB64] = match as unknown as [string, string, string, string, string, string];
  const expected = fromPhcBase64(hashB64);
  const actual = await derive(password, fromPhcBase64(saltB64), Number(m), Number(t), Number(p), expected.byteLength);
  return crypto.subtle.timingSafeEqual(actual, expected);
}

/** Spend the same time as a real verification, so unknown emails cannot be told apart by timing. */
export async function burnPasswordCheck(password: string): Promise<void> {
  const { memorySize, passes, parallelism, tagLength, saltLength } = ARGON2_PARAMS;
  await derive(password, new Uint8Array(saltLength), memorySize, passes, parallelism, tagLength);
}

async function derive(password: string, salt: Uint8Array, m: number, t: number, p: number, tagLength: number) {
  const compute = await argon2id();
  return compute({ password: encoder.encode(password), salt, parallelism: p, passes: t, memorySize: m, tagLength });
}

// PHC strings use standard base64 without padding.
function phcBase64(bytes: Uint8Array): string {
  return base64url(bytes).replaceAll('-', '+').replaceAll('_', '/');
}
function fromPhcBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}
