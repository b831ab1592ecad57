import { describe, expect, it } from 'vitest';
import { ARGON2_PARAMS, hashPassword, verifyPassword } from '../src/auth/password.ts';

// Known answers computed by an independent implementation (Node 24's crypto.argon2Sync) with
// the same parameters and the salt "roomcast-salt-16".
const VECTORS = [
  ['correct horse battery', '$argon2id$v=19$m=19456,t=2,p=1$cm9vbWNhc3Qtc2FsdC0xNg$DjI2TYm5+v3alNNe70LiG7AKqw6NKCu/9Zt1rxX75mY'],
  ['pässwörd-日本', '$argon2id$v=19$m=19456,t=2,p=1$cm9vbWNhc3Qtc2FsdC0xNg$mZsqDtiC7RjLGw9E5n+jytqQHbwzJPVuq6ehXebbqRk'],
] as const;

describe('Argon2id passwords', () => {
  it('uses the OWASP baseline parameters', () => {
    expect(ARGON2_PARAMS).toMatchObject({ memorySize: 19_456, passes: 2, parallelism: 1 });
  });

  it('matches an independent implementation, including non-ASCII passwords', async () => {
    for (const [password, phc] of VECTORS) {
      expect(await verifyPassword(password, phc)).toBe(true);
      expect(await verifyPassword(`${password}x`, phc)).toBe(false);
    }
  });

  it('hashes with a fresh salt into a PHC string that verifies', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword('correct horse battery', first)).toBe(true);
    expect(await verifyPassword('wrong', first)).toBe(false);
  });

  it('rejects malformed stored hashes instead of throwing', async () => {
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
    expect(await verifyPassword('x', '$argon2i$v=19$m=1,t=1,p=1$aaaa$bbbb')).toBe(false);
  });
});
