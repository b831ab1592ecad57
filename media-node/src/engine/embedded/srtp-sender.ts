// SRTP protection of outgoing RTP (RFC 3711 AES_CM_128_HMAC_SHA1_80, RFC 7714 AEAD_AES_128_GCM).
// It is the hot path (once per packet per consumer), so the session keys are derived once and
// held as KeyObjects: Node converts a raw key Buffer on every createCipheriv, which tripled the
// cost of an encryption. werift's SrtpSession still handles SRTCP and incoming SRTP.
import { type KeyObject, createCipheriv, createHmac, createSecretKey } from 'node:crypto';
import type { RtpHeader } from 'werift';

export const PROFILE_AES_CM_128_HMAC_SHA1_80 = 0x0001;
export const PROFILE_AEAD_AES_128_GCM = 0x0007;

const AUTH_TAG_CM = 10;
const AUTH_TAG_GCM = 16;

/** RFC 3711 §4.3: the AES-CM key derivation function (key derivation rate 0). */
function deriveSessionKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, Math.min(14, masterSalt.length));
  iv[7]! ^= label;
  const cipher = createCipheriv('aes-128-ctr', masterKey, iv);
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

interface Rollover {
  maxSeq: number;
  roc: number;
}

export class SrtpSender {
  readonly #key: KeyObject;
  readonly #salt: Buffer;
  readonly #authKey: KeyObject | undefined;
  readonly #gcm: boolean;
  readonly #rollover = new Map<number, Rollover>();

  constructor(profile: number, masterKey: Buffer, masterSalt: Buffer) {
    if (profile !== PROFILE_AES_CM_128_HMAC_SHA1_80 && profile !== PROFILE_AEAD_AES_128_GCM) {
      throw new Error(`unsupported SRTP profile ${profile}`);
    }
    this.#gcm = profile === PROFILE_AEAD_AES_128_GCM;
    this.#key = createSecretKey(deriveSessionKey(masterKey, masterSalt, 0x00, 16));
    this.#salt = deriveSessionKey(masterKey, masterSalt, 0x02, this.#gcm ? 12 : 14);
    this.#authKey = this.#gcm ? undefined : createSecretKey(deriveSessionKey(masterKey, masterSalt, 0x01, 20));
  }

  protect(header: RtpHeader, payload: Buffer): Buffer {
    const headerBytes = header.serialize(header.serializeSize);
    const roc = this.#roc(header.ssrc, header.sequenceNumber);
    return this.#gcm ? this.#protectGcm(headerBytes, payload, header, roc) : this.#protectCm(headerBytes, payload, header, roc);
  }

  // RFC 3711 §4.1.1 IV = (salt * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16); tag over header,
  // ciphertext and ROC.
  #protectCm(headerBytes: Buffer, payload: Buffer, header: RtpHeader, roc: number): Buffer {
    const iv = Buffer.alloc(16);
    this.#salt.copy(iv, 0);
    xor32(iv, 4, header.ssrc);
    xor32(iv, 8, roc);
    iv[12]! ^= header.sequenceNumber >> 8;
    iv[13]! ^= header.sequenceNumber & 0xff;
    const out = Buffer.allocUnsafe(headerBytes.length + payload.length + AUTH_TAG_CM);
    headerBytes.copy(out, 0);
    const cipher = createCipheriv('aes-128-ctr', this.#key, iv);
    const encrypted = cipher.update(payload);
    encrypted.copy(out, headerBytes.length);
    const end = headerBytes.length + payload.length;
    const rocBytes = Buffer.allocUnsafe(4);
    rocBytes.writeUInt32BE(roc >>> 0, 0);
    const tag = createHmac('sha1', this.#authKey!).update(out.subarray(0, end)).update(rocBytes).digest();
    tag.copy(out, end, 0, AUTH_TAG_CM);
    return out;
  }

  // RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt; the header is the AAD.
  #protectGcm(headerBytes: Buffer, payload: Buffer, header: RtpHeader, roc: number): Buffer {
    const iv = Buffer.from(this.#salt);
    xor32(iv, 2, header.ssrc);
    xor32(iv, 6, roc);
    iv[10]! ^= header.sequenceNumber >> 8;
    iv[11]! ^= header.sequenceNumber & 0xff;
    const cipher = createCipheriv('aes-128-gcm', this.#key, iv, { authTagLength: AUTH_TAG_GCM });
    cipher.setAAD(headerBytes);
    const encrypted = cipher.update(payload);
    cipher.final();
    return Buffer.concat([headerBytes, encrypted, cipher.getAuthTag()]);
  }

  // The sender's rollover counter per SSRC (RFC 3711 §3.3.1), guessing the ROC of packets sent
  // again (NACK answers) from how far behind the highest sequence number they are.
  #roc(ssrc: number, seq: number): number {
    const state = this.#rollover.get(ssrc);
    if (!state) {
      this.#rollover.set(ssrc, { maxSeq: seq, roc: 0 });
      return 0;
    }
    const delta = (seq - state.maxSeq) & 0xffff;
    if (delta < 0x8000) {
      if (seq < state.maxSeq) state.roc++;
      state.maxSeq = seq;
      return state.roc;
    }
    return seq > state.maxSeq ? state.roc - 1 : state.roc;
  }
}

function xor32(buf: Buffer, offset: number, value: number): void {
  buf[offset]! ^= (value >>> 24) & 0xff;
  buf[offset + 1]! ^= (value >>> 16) & 0xff;
  buf[offset + 2]! ^= (value >>> 8) & 0xff;
  buf[offset + 3]! ^= value & 0xff;
}
