// Our SRTP sender against an independent receiver (werift's SrtpSession), both profiles,
// across a sequence number wrap and for a packet sent again after the wrap.
import { randomBytes } from 'node:crypto';
import { RtpHeader, RtpPacket, SrtpSession } from 'werift';
import { describe, expect, it } from 'vitest';
import { PROFILE_AEAD_AES_128_GCM, PROFILE_AES_CM_128_HMAC_SHA1_80, SrtpSender } from '../src/engine/embedded/srtp-sender.ts';

describe.each([
  ['AES_CM_128_HMAC_SHA1_80', PROFILE_AES_CM_128_HMAC_SHA1_80, 14],
  ['AEAD_AES_128_GCM', PROFILE_AEAD_AES_128_GCM, 12],
])('SRTP sender, %s', (_name, profile, saltLength) => {
  it('produces packets a standard receiver authenticates and decrypts', () => {
    const key = randomBytes(16);
    const salt = randomBytes(saltLength);
    const sender = new SrtpSender(profile, key, salt);
    const receiver = new SrtpSession({
      profile,
      keys: { localMasterKey: randomBytes(16), localMasterSalt: randomBytes(saltLength), remoteMasterKey: key, remoteMasterSalt: salt },
    });
    const seqs = [65533, 65534, 65535, 0, 1, 2, 65535, 3];
    for (const seq of seqs) {
      const payload = randomBytes(200 + (seq % 50));
      const header = new RtpHeader({
        payloadType: 101,
        sequenceNumber: seq,
        timestamp: seq * 3000,
        ssrc: 0xdeadbeef,
        marker: seq === 2,
        extension: true,
        extensions: [{ id: 11, payload: Buffer.from([3]) }],
      });
      const plain = RtpPacket.deSerialize(receiver.decrypt(sender.protect(header, payload)));
      expect(plain.header.sequenceNumber).toBe(seq);
      expect(plain.header.ssrc).toBe(0xdeadbeef);
      expect(plain.header.extensions).toEqual([{ id: 11, payload: Buffer.from([3]) }]);
      expect(plain.payload.equals(payload)).toBe(true);
    }
  });
});
