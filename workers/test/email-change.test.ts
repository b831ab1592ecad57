// Email change through the real mail path: asked for with the password, confirmed from the link
// mailed to the NEW address (the old one is told), signing out every other session; and the
// attacks: a wrong password, someone else's address, a reused or foreign link.
import { describe, expect, it } from 'vitest';
import { inbox, type Mail } from './local-inbox.ts';
import { api, signUp, unique } from './api-client.ts';

const PASSWORD = 'correct horse battery';
const linkToken = (mail: Mail) => /\/confirm-email-change\?token=([A-Za-z0-9_-]{43})/.exec(mail.text)![1]!;

describe('Email change', () => {
  it('mails the new address, tells the old one, and on confirmation signs out the other sessions', async () => {
    const user = await signUp('change');
    const other = await api('POST', '/auth/login', { body: { email: user.email, password: PASSWORD } });
    const newEmail = `${unique('changed')}@example.test`;

    expect((await api('POST', '/auth/email-change', { token: user.token, body: { newEmail, password: 'not my password' } })).status).toBe(401);
    const requested = await api('POST', '/auth/email-change', { token: user.token, body: { newEmail, password: PASSWORD } });
    expect(requested.status).toBe(202);
    const [mail] = await inbox(newEmail);
    expect(mail!.subject).toBe('Confirm your new Roomcast email address');
    const notices = await inbox(user.email, 2); // the verification mail at signup, then the notice
    expect(notices[0]!.subject).toBe('Your Roomcast email address is about to change');
    expect(notices[0]!.text).toContain(`${newEmail.slice(0, 2)}***@example.test`);
    expect(notices[0]!.text).not.toContain(newEmail);
    // Nothing changes until the link is opened.
    expect((await api('GET', '/auth/me', { token: user.token })).body.user.email).toBe(user.email);

    const token = linkToken(mail!);
    const confirmed = await api('POST', '/auth/email-change/confirm', { token: user.token, body: { token } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ user: { email: newEmail, emailVerified: true }, revokedSessions: 1 });
    // The confirming session stays; the other one is gone.
    expect((await api('GET', '/auth/me', { token: user.token })).body.user.email).toBe(newEmail);
    expect((await api('GET', '/auth/me', { token: other.body.token })).status).toBe(401);
    expect((await api('POST', '/auth/login', { body: { email: user.email, password: PASSWORD } })).status).toBe(401);
    expect((await api('POST', '/auth/login', { body: { email: newEmail, password: PASSWORD } })).status).toBe(200);
    // The link works once.
    expect((await api('POST', '/auth/email-change/confirm', { body: { token } })).body.error.code).toBe('invalid_link');
  });

  it('refuses an address that has an account, and a link that another user\'s token cannot be turned into', async () => {
    const user = await signUp('change-taken');
    const owner = await signUp('change-owner');
    const taken = await api('POST', '/auth/email-change', { token: user.token, body: { newEmail: owner.email, password: PASSWORD } });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('email_taken');

    // Two people ask for the same free address; the first to confirm gets it, the second link fails.
    const other = await signUp('change-race');
    const newEmail = `${unique('contested')}@example.test`;
    await api('POST', '/auth/email-change', { token: user.token, body: { newEmail, password: PASSWORD } });
    await api('POST', '/auth/email-change', { token: other.token, body: { newEmail, password: PASSWORD } });
    const mails = await inbox(newEmail, 2);
    const [second, first] = mails.map(linkToken);
    expect((await api('POST', '/auth/email-change/confirm', { body: { token: first } })).status).toBe(200);
    const late = await api('POST', '/auth/email-change/confirm', { body: { token: second } });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('email_taken');
    // A verification or reset token is not an email change token (purposes do not mix).
    expect((await api('POST', '/auth/email-change/confirm', { body: { token: 'A'.repeat(43) } })).body.error.code).toBe('invalid_link');
  });
});
