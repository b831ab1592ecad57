// Mailed account links, end to end through the real mail path (the Worker's email API client ->
// the local mail service -> its SMTP server -> the inbox): email verification and what it gates,
// password reset, emailed invitations; and the attacks on them: reused, expired, foreign and
// cross-purpose tokens, and telling which addresses have accounts.
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accountTokens, users } from '@roomcast/schema/db';
import { loadConfig } from '../src/config.ts';
import { Database } from '../src/db/database.ts';
import type { Env } from '../src/env.ts';
import { inbox, mailUrl, type Mail } from './local-inbox.ts';
import { api, setPlan, signUp, unique } from './api-client.ts';

const PASSWORD = 'correct horse battery';
/** The token of the first link to `path` in a mail's text. */
function linkToken(mail: Mail, path: string): string {
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9_-]{43})`).exec(mail.text);
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`);
  return match[1]!;
}

async function withDb<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const db = new Database(loadConfig(env as unknown as Env));
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

describe('email verification', () => {
  it('mails a one-time link at signup; until it is used the account cannot go live, create keys or accept invitations', async () => {
    const owner = await signUp('unverified', { verified: false });
    const [mail] = await inbox(owner.email);
    expect(mail!.subject).toBe('Verify your email address for unverified org on Roomcast');
    expect(mail!.html).toContain('unverified org');
    expect(mail!.html).toContain('/verify-email?token=');
    expect((await api('GET', '/auth/me', { token: owner.token })).body.user.emailVerified).toBe(false);

    await setPlan(owner, 'professional');
    const room = await api('POST', `/organizations/${owner.organizationId}/rooms`, {
      token: owner.token,
      body: { workspaceId: owner.workspaceId, title: 'Open', slug: unique('open'), visibility: 'public' },
    });
    expect(room.status).toBe(201);
    const start = await api('POST', `/organizations/${owner.organizationId}/rooms/${room.body.id}/start`, { token: owner.token });
    expect(start.status).toBe(403);
    expect(start.body.error.code).toBe('email_unverified');
    expect(start.body.error.message).toContain(owner.email);
    const key = await api('POST', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token, body: { name: 'ci' } });
    expect(key.body.error.code).toBe('email_unverified');
    // A stream key goes live by itself (an encoder is the room's host): the same gate.
    const streamKey = await api('POST', `/organizations/${owner.organizationId}/rooms/${room.body.id}/ingest`, { token: owner.token });
    expect(streamKey.status).toBe(403);
    expect(streamKey.body.error.code).toBe('email_unverified');

    const inviter = await signUp('inviter');
    const invite = await api('POST', `/organizations/${inviter.organizationId}/invitations`, { token: inviter.token, body: { email: owner.email, role: 'viewer' } });
    expect(invite.status).toBe(201);
    const accept = await api('POST', '/invitations/accept', { token: owner.token, body: { token: invite.body.token } });
    expect(accept.body.error.code).toBe('email_unverified');

    const verified = await api('POST', '/auth/verify-email', { body: { token: linkToken(mail!, '/verify-email') } });
    expect(verified.status).toBe(200);
    expect(verified.body.user.emailVerified).toBe(true);
    expect((await api('POST', `/organizations/${owner.organizationId}/rooms/${room.body.id}/start`, { token: owner.token })).status).toBe(201);
    expect((await api('POST', `/organizations/${owner.organizationId}/api-keys`, { token: owner.token, body: { name: 'ci' } })).status).toBe(201);
    expect((await api('POST', '/invitations/accept', { token: owner.token, body: { token: invite.body.token } })).status).toBe(200);
  });

  it('a verification link works once, expires, is replaced by a resend, and is bound to the address it was sent to', async () => {
    const user = await signUp('once', { verified: false });
    const first = linkToken((await inbox(user.email))[0]!, '/verify-email');

    // A resend replaces the first link.
    expect((await api('POST', '/auth/verify-email/resend', { token: user.token })).status).toBe(202);
    const second = linkToken((await inbox(user.email, 2))[0]!, '/verify-email');
    expect(second).not.toBe(first);
    const stale = await api('POST', '/auth/verify-email', { body: { token: first } });
    expect(stale.status).toBe(400);
    expect(stale.body.error.code).toBe('invalid_link');

    // Expired: the same answer as any other bad link.
    await withDb((db) => db.global((tx) => tx.update(accountTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(accountTokens.userId, user.userId))));
    expect((await api('POST', '/auth/verify-email', { body: { token: second } })).body.error.code).toBe('invalid_link');

    // Bound to the address: after the address changes, a link sent to the old one proves nothing.
    expect((await api('POST', '/auth/verify-email/resend', { token: user.token })).status).toBe(202);
    const third = linkToken((await inbox(user.email, 3))[0]!, '/verify-email');
    const newEmail = `${unique('moved')}@example.test`;
    await withDb((db) => db.global((tx) => tx.update(users).set({ email: newEmail }).where(eq(users.id, user.userId))));
    expect((await api('POST', '/auth/verify-email', { body: { token: third } })).body.error.code).toBe('invalid_link');
    await withDb((db) => db.global((tx) => tx.update(users).set({ email: user.email }).where(eq(users.id, user.userId))));

    // Single use.
    expect((await api('POST', '/auth/verify-email/resend', { token: user.token })).status).toBe(202);
    const fourth = linkToken((await inbox(user.email, 4))[0]!, '/verify-email');
    expect((await api('POST', '/auth/verify-email', { body: { token: fourth } })).status).toBe(200);
    expect((await api('POST', '/auth/verify-email', { body: { token: fourth } })).body.error.code).toBe('invalid_link');
    // Verified: nothing more to resend.
    expect((await api('POST', '/auth/verify-email/resend', { token: user.token })).body.error.code).toBe('already_verified');
  });

  it('refuses malformed and made-up tokens', async () => {
    expect((await api('POST', '/auth/verify-email', { body: { token: 'short' } })).body.error.code).toBe('invalid_input');
    expect((await api('POST', '/auth/verify-email', { body: { token: 'A'.repeat(43) } })).body.error.code).toBe('invalid_link');
  });
});

describe('password reset', () => {
  it('answers the same for known and unknown addresses and mails only the known one', async () => {
    const user = await signUp('forgetful');
    const nobody = `${unique('nobody')}@example.test`;
    const known = await api('POST', '/auth/password-reset/request', { body: { email: user.email } });
    const unknown = await api('POST', '/auth/password-reset/request', { body: { email: nobody } });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    const [mail] = await inbox(user.email, 2); // the verification mail, then the reset mail
    expect(mail!.subject).toBe('Reset your Roomcast password');
    await new Promise((r) => setTimeout(r, 300));
    expect((await (await fetch(`${mailUrl}/api/messages?to=${nobody}`)).json() as { messages: unknown[] }).messages).toHaveLength(0);
  });

  it('a reset link works once, revokes every session, and the old password stops working', async () => {
    const user = await signUp('reset');
    const other = await api('POST', '/auth/login', { body: { email: user.email, password: PASSWORD } });
    expect(other.status).toBe(200);
    await api('POST', '/auth/password-reset/request', { body: { email: user.email } });
    const token = linkToken((await inbox(user.email, 2))[0]!, '/reset-password');

    // A reset token is not a verification token.
    expect((await api('POST', '/auth/verify-email', { body: { token } })).body.error.code).toBe('invalid_link');

    const reset = await api('POST', '/auth/password-reset', { body: { token, password: 'a brand new password' } });
    expect(reset.status).toBe(200);
    expect((await api('GET', '/auth/me', { token: user.token })).status).toBe(401);
    expect((await api('GET', '/auth/me', { token: other.body.token })).status).toBe(401);
    expect((await api('GET', '/auth/me', { token: reset.body.token })).status).toBe(200);
    expect((await api('POST', '/auth/login', { body: { email: user.email, password: PASSWORD } })).status).toBe(401);
    expect((await api('POST', '/auth/login', { body: { email: user.email, password: 'a brand new password' } })).status).toBe(200);

    const again = await api('POST', '/auth/password-reset', { body: { token, password: 'yet another password' } });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('invalid_link');
  });

  it('refuses an expired reset link, and a link only ever resets its own user', async () => {
    const victim = await signUp('victim');
    const attacker = await signUp('attacker');
    await api('POST', '/auth/password-reset/request', { body: { email: attacker.email } });
    const attackerToken = linkToken((await inbox(attacker.email, 2))[0]!, '/reset-password');
    // The attacker's own link changes the attacker's password, never the victim's.
    expect((await api('POST', '/auth/password-reset', { body: { token: attackerToken, password: 'attacker password 1' } })).status).toBe(200);
    expect((await api('POST', '/auth/login', { body: { email: victim.email, password: PASSWORD } })).status).toBe(200);

    await api('POST', '/auth/password-reset/request', { body: { email: victim.email } });
    const victimToken = linkToken((await inbox(victim.email, 2))[0]!, '/reset-password');
    await withDb((db) => db.global((tx) => tx.update(accountTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(accountTokens.userId, victim.userId))));
    expect((await api('POST', '/auth/password-reset', { body: { token: victimToken, password: 'too late password' } })).body.error.code).toBe('invalid_link');
    expect((await api('GET', '/auth/me', { token: victim.token })).status).toBe(200);
  });

  it('rate-limits requests per address, known or not', async () => {
    const nobody = `${unique('flood')}@example.test`;
    const ip = '10.99.1.1';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api('POST', '/auth/password-reset/request', { ip, body: { email: nobody } })).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });
});

describe('sessions', () => {
  it('lists the sessions with their device, revokes one, and signs out everywhere else', async () => {
    const user = await signUp('sessions');
    const phone = await api('POST', '/auth/login', {
      body: { email: user.email, password: PASSWORD },
      headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36', 'cf-ipcountry': 'DE' },
    });
    const laptop = await api('POST', '/auth/login', { body: { email: user.email, password: PASSWORD } });
    const list = await api('GET', '/auth/sessions', { token: user.token });
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(3);
    const phoneSession = list.body.sessions.find((s: { device: string }) => s.device === 'Chrome on Android');
    expect(phoneSession.region).toBe('DE');
    expect(list.body.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);

    // Another user cannot revoke it (and learns nothing: the same 404 as an unknown id).
    const stranger = await signUp('stranger');
    expect((await api('DELETE', `/auth/sessions/${phoneSession.id}`, { token: stranger.token })).status).toBe(404);
    expect((await api('GET', '/auth/me', { token: phone.body.token })).status).toBe(200);

    expect((await api('DELETE', `/auth/sessions/${phoneSession.id}`, { token: user.token })).status).toBe(204);
    expect((await api('GET', '/auth/me', { token: phone.body.token })).status).toBe(401);

    const everywhere = await api('POST', '/auth/sessions/revoke-others', { token: user.token });
    expect(everywhere.body.revoked).toBe(1);
    expect((await api('GET', '/auth/me', { token: laptop.body.token })).status).toBe(401);
    expect((await api('GET', '/auth/me', { token: user.token })).status).toBe(200);
  });

  it('a password change needs the current password and signs out the other sessions', async () => {
    const user = await signUp('changer');
    const other = await api('POST', '/auth/login', { body: { email: user.email, password: PASSWORD } });
    const wrong = await api('POST', '/auth/password', { token: user.token, body: { currentPassword: 'not it', newPassword: 'a changed password' } });
    expect(wrong.status).toBe(400);
    const changed = await api('POST', '/auth/password', { token: user.token, body: { currentPassword: PASSWORD, newPassword: 'a changed password' } });
    expect(changed.body.revokedSessions).toBe(1);
    expect((await api('GET', '/auth/me', { token: other.body.token })).status).toBe(401);
    expect((await api('GET', '/auth/me', { token: user.token })).status).toBe(200);
  });
});

describe('invitations by mail', () => {
  it("mails the invitee the web app's invitation link with the organization's name", async () => {
    const owner = await signUp('mailer');
    const invitee = `${unique('invitee')}@example.test`;
    const res = await api('POST', `/organizations/${owner.organizationId}/invitations`, { token: owner.token, body: { email: invitee, role: 'moderator' } });
    expect(res.status).toBe(201);
    const [mail] = await inbox(invitee);
    expect(mail!.subject).toBe('mailer user invited you to mailer org on Roomcast');
    expect(mail!.text).toContain(`/invite/${res.body.token}`);
    expect(mail!.html).toContain('Accept invitation');
  });
});
