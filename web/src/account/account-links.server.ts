'use server';
// Server half of account/account-links.ts: email verification, password reset, the sessions page
// and password change, each a call to the API's /auth routes.
import { redirect } from '@solidjs/router';
import { ChangePasswordInput, PasswordResetInput, PasswordResetRequestInput, VerifyEmailInput } from '@roomcast/schema/api';
import { api } from '~/server/api';
import {
  EmailVerified,
  PasswordChanged,
  PasswordResetDone,
  PasswordResetRequested,
  SessionList,
  SessionsRevoked,
  VerificationResent,
} from '~/server/api-responses';
import type { AccountSession } from '~/server/api';
import { failure, field, parseForm } from '~/server/forms';
import { readSessionToken, writeSessionToken } from '~/server/session';
import { writeTwoFactorChallenge } from '~/server/two-factor-challenge';

export interface Done {
  ok: true;
  message: string;
}

/** The token of a mailed link, posted by the page's form (never consumed by a GET: mail scanners follow links). */
export async function verifyEmail(form: FormData) {
  try {
    const input = parseForm(VerifyEmailInput, { token: form.get('token') });
    const result = await api.post('/auth/verify-email', EmailVerified, input, { token: null });
    return { ok: true, message: `${result.user.email} is verified.` } satisfies Done;
  } catch (error) {
    return failure(error);
  }
}

export async function resendVerification() {
  try {
    const result = await api.post('/auth/verify-email/resend', VerificationResent);
    return { ok: true, message: `We sent a new link to ${result.sentTo}.` } satisfies Done;
  } catch (error) {
    return failure(error);
  }
}

export async function requestPasswordReset(form: FormData) {
  try {
    const input = parseForm(PasswordResetRequestInput, { email: field(form, 'email') });
    const result = await api.post('/auth/password-reset/request', PasswordResetRequested, input, { token: null });
    return { ok: true, message: result.message } satisfies Done;
  } catch (error) {
    return failure(error);
  }
}

export async function resetPassword(form: FormData) {
  let twoFactor = false;
  try {
    const input = parseForm(PasswordResetInput, { token: form.get('token'), password: form.get('password') });
    const result = await api.post('/auth/password-reset', PasswordResetDone, input, { token: null });
    if (result.twoFactorRequired && result.challenge) {
      writeTwoFactorChallenge(result.challenge);
      twoFactor = true;
    } else {
      writeSessionToken(result.token!);
    }
  } catch (error) {
    return failure(error);
  }
  throw redirect(twoFactor ? '/two-factor?next=%2Fapp' : '/app');
}

export async function loadSessions(): Promise<AccountSession[]> {
  if (!readSessionToken()) throw redirect('/login?next=%2Faccount%2Fsessions');
  return (await api.get('/auth/sessions', SessionList)).sessions;
}

export async function revokeSession(form: FormData) {
  try {
    const id = field(form, 'session');
    if (!id) return { ok: false as const, code: 'invalid_input', message: 'No session given', fields: {} };
    await api.delete(`/auth/sessions/${encodeURIComponent(id)}`);
    return { ok: true, message: 'Session signed out.' } satisfies Done;
  } catch (error) {
    return failure(error);
  }
}

export async function revokeOtherSessions() {
  try {
    const result = await api.post('/auth/sessions/revoke-others', SessionsRevoked);
    return { ok: true, message: `Signed out of ${result.revoked} other session${result.revoked === 1 ? '' : 's'}.` } satisfies Done;
  } catch (error) {
    return failure(error);
  }
}

export async function changePassword(form: FormData) {
  try {
    const input = parseForm(ChangePasswordInput, { currentPassword: form.get('currentPassword'), newPassword: form.get('newPassword') });
    const result = await api.post('/auth/password', PasswordChanged, input);
    return { ok: true, message: `Password changed; ${result.revokedSessions} other session${result.revokedSessions === 1 ? '' : 's'} signed out.` } satisfies Done;
  } catch (error) {
    return failure(error);
  }
}
