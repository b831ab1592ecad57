// Second factor (TOTP): the Worker's RFC 6238 implementation (WebCrypto HMAC-SHA1) checked against
// an independent one (the otpauth package) generating the codes, as an authenticator app would.
// Enroll and confirm, sign-in asking for the code after the password, wrong and replayed codes,
// single-use recovery codes, a challenge's attempt limit, and an organization requiring 2FA.
import * as OTPAuth from 'otpauth';
import { describe, expect, it } from 'vitest';
import { currentStep, matchTotp, totpCode } from '../src/two-factor/totp.ts';
import { addMember, api, signUp, type Tenant } from './api-client.ts';

const PASSWORD = 'correct horse battery';
const authenticator = (secret: string) => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });

/** Turns TOTP on for the tenant's user; returns the app (for codes) and the recovery codes. */
async function enroll(user: Tenant) {
  const started = await api('POST', '/auth/two-factor/enroll', { token: user.token });
  expect(started.status).toBe(200);
  const uri = OTPAuth.URI.parse(started.body.otpauthUri) as OTPAuth.TOTP;
  expect(uri.secret.base32).toBe(started.body.secret);
  expect(uri.label).toBe(user.email);
  expect(uri.issuer).toBe('Roomcast');
  const app = authenticator(started.body.secret);
  const confirmed = await api('POST', '/auth/two-factor/confirm', { token: user.token, body: { code: app.generate() } });
  expect(confirmed.status).toBe(200);
  return { app, recoveryCodes: confirmed.body.recoveryCodes as string[] };
}

async function passwordStep(email: string) {
  const res = await api('POST', '/auth/login', { body: { email, password: PASSWORD } });
  expect(res.status).toBe(200);
  expect(res.body.twoFactorRequired).toBe(true);
  expect(res.body.token).toBeUndefined();
  return res.body.challenge as string;
}

/** A code of a step that has not been accepted yet (the window admits the next step too). */
const nextCode = (app: OTPAuth.TOTP) => app.generate({ timestamp: Date.now() + 30_000 });

describe('TOTP', () => {
  it('matches an independent implementation (RFC 6238 test secret, several steps)', async () => {
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // RFC 6238's SHA-1 key "12345678901234567890"
    const reference = authenticator(secret);
    for (const seconds of [59, 1111111109, 1234567890, 2000000000]) {
      expect(await totpCode(secret, Math.floor(seconds / 30))).toBe(reference.generate({ timestamp: seconds * 1000 }));
    }
    // RFC 6238 Appendix B (8-digit values; the last 6 digits are the 6-digit code).
    expect(await totpCode(secret, Math.floor(59 / 30))).toBe('287082');
    const now = Date.now();
    expect(await matchTotp(secret, reference.generate({ timestamp: now }), now)).toBe(currentStep(now));
    expect(await matchTotp(secret, reference.generate({ timestamp: now - 30_000 }), now)).toBe(currentStep(now) - 1);
    expect(await matchTotp(secret, reference.generate({ timestamp: now - 120_000 }), now)).toBeUndefined();
  });

  it('enrolls with a confirming code; sign-in then asks for the code after the password', async () => {
    const user = await signUp('totp');
    const started = await api('POST', '/auth/two-factor/enroll', { token: user.token });
    // Not on until a code confirms it: a wrong one is refused and sign-in still needs only the password.
    expect((await api('POST', '/auth/two-factor/confirm', { token: user.token, body: { code: '000000' } })).body.error.code).toBe('invalid_code');
    expect((await api('POST', '/auth/login', { body: { email: user.email, password: PASSWORD } })).body.token).toBeTruthy();
    const app = authenticator(started.body.secret);
    const confirmed = await api('POST', '/auth/two-factor/confirm', { token: user.token, body: { code: app.generate() } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.body.recoveryCodes).size).toBe(10);
    expect((await api('GET', '/auth/two-factor', { token: user.token })).body).toEqual({ enabled: true, recoveryCodesLeft: 10 });
    expect((await api('POST', '/auth/two-factor/enroll', { token: user.token })).status).toBe(409);

    const challenge = await passwordStep(user.email);
    const wrong = await api('POST', '/auth/login/two-factor', { body: { challenge, code: '123456' === nextCode(app) ? '654321' : '123456' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_code');
    const code = nextCode(app);
    const signedIn = await api('POST', '/auth/login/two-factor', { body: { challenge, code } });
    expect(signedIn.status).toBe(200);
    expect((await api('GET', '/auth/me', { token: signedIn.body.token })).status).toBe(200);
    // The challenge is spent, and the same code does not sign in a second time (replay).
    expect((await api('POST', '/auth/login/two-factor', { body: { challenge, code } })).body.error.code).toBe('invalid_challenge');
    const again = await passwordStep(user.email);
    expect((await api('POST', '/auth/login/two-factor', { body: { challenge: again, code } })).body.error.code).toBe('invalid_code');
    // A challenge nobody issued.
    expect((await api('POST', '/auth/login/two-factor', { body: { challenge: 'A'.repeat(43), code } })).body.error.code).toBe('invalid_challenge');
  });

  it('recovery codes work once each; five wrong answers end a challenge; disabling needs the password', async () => {
    const user = await signUp('totp-recovery');
    const { recoveryCodes } = await enroll(user);
    const challenge = await passwordStep(user.email);
    const first = await api('POST', '/auth/login/two-factor', { body: { challenge, recoveryCode: recoveryCodes[0]!.toUpperCase() } });
    expect(first.status).toBe(200);
    const second = await passwordStep(user.email);
    expect((await api('POST', '/auth/login/two-factor', { body: { challenge: second, recoveryCode: recoveryCodes[0] } })).body.error.code).toBe('invalid_code');
    expect((await api('GET', '/auth/two-factor', { token: user.token })).body.recoveryCodesLeft).toBe(9);

    // Attempts are limited per challenge: after five wrong answers even a right one is refused.
    const guessed = await passwordStep(user.email);
    for (let i = 0; i < 4; i++) {
      expect((await api('POST', '/auth/login/two-factor', { body: { challenge: guessed, recoveryCode: `zzzzz-zzzz${i}` } })).status).toBe(401);
    }
    const fifth = await api('POST', '/auth/login/two-factor', { body: { challenge: guessed, recoveryCode: recoveryCodes[1] } });
    expect(fifth.status).toBe(200);
    const limited = await passwordStep(user.email);
    for (let i = 0; i < 5; i++) await api('POST', '/auth/login/two-factor', { body: { challenge: limited, recoveryCode: `zzzzz-zzzz${i}` } });
    expect((await api('POST', '/auth/login/two-factor', { body: { challenge: limited, recoveryCode: recoveryCodes[2] } })).body.error.code).toBe('invalid_challenge');

    expect((await api('POST', '/auth/two-factor/disable', { token: user.token, body: { password: 'not my password' } })).status).toBe(401);
    expect((await api('POST', '/auth/two-factor/disable', { token: user.token, body: { password: PASSWORD } })).status).toBe(200);
    expect((await api('POST', '/auth/login', { body: { email: user.email, password: PASSWORD } })).body.token).toBeTruthy();
  });

  it('an organization can require it: members without a second factor are asked to enroll', async () => {
    const owner = await signUp('totp-org');
    const member = await addMember(owner, 'viewer');
    const url = `/organizations/${owner.organizationId}/security`;
    // Not before the admin has it themselves (no locking yourself out).
    expect((await api('PUT', url, { token: owner.token, body: { requireTwoFactor: true } })).body.error.code).toBe('two_factor_required_for_you');
    await enroll(owner);
    expect((await api('PUT', url, { token: member.token, body: { requireTwoFactor: false } })).status).toBe(403);
    expect((await api('PUT', url, { token: owner.token, body: { requireTwoFactor: true } })).status).toBe(200);

    const blocked = await api('GET', `/organizations/${owner.organizationId}/workspaces`, { token: member.token });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error).toMatchObject({ code: 'two_factor_enrollment_required', details: { enrollUrl: '/account/two-factor' } });
    expect(blocked.body.error.message).toContain('requires two-factor authentication');
    // Enrolling is still possible (it is not behind the organization), and then the member is let in.
    await enroll(member);
    expect((await api('GET', `/organizations/${owner.organizationId}/workspaces`, { token: member.token })).status).toBe(200);
    expect((await api('GET', `/organizations/${owner.organizationId}/workspaces`, { token: owner.token })).status).toBe(200);
  });
});

describe('TOTP and password reset', () => {
  it('a reset link does not skip the second factor: it answers a challenge, not a session', async () => {
    const user = await signUp('totp-reset');
    const { app } = await enroll(user);
    const { env } = await import('cloudflare:workers');
    const mailUrl = (env as unknown as { EMAIL_API_URL: string }).EMAIL_API_URL;
    await api('POST', '/auth/password-reset/request', { body: { email: user.email } });
    let token: string | undefined;
    for (let i = 0; i < 100 && !token; i++) {
      const { messages } = (await (await fetch(`${mailUrl}/api/messages?to=${encodeURIComponent(user.email)}`)).json()) as { messages: { text: string }[] };
      token = messages.map((m) => /\/reset-password\?token=([A-Za-z0-9_-]{43})/.exec(m.text)?.[1]).find(Boolean);
      if (!token) await new Promise((r) => setTimeout(r, 100));
    }
    const reset = await api('POST', '/auth/password-reset', { body: { token, password: 'a brand new password' } });
    expect(reset.status).toBe(200);
    expect(reset.body.token).toBeUndefined();
    expect(reset.body.twoFactorRequired).toBe(true);
    const signedIn = await api('POST', '/auth/login/two-factor', { body: { challenge: reset.body.challenge, code: nextCode(app) } });
    expect(signedIn.status).toBe(200);
  });
});
