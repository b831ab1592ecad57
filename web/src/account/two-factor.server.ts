'use server';
// Server half of account/two-factor.ts: the second sign-in step, enrolling an authenticator app,
// turning it off, and email change (both live on the account pages).
import { redirect } from '@solidjs/router';
import { EmailChangeConfirmInput, EmailChangeInput, LoginTwoFactorInput, TwoFactorConfirmInput, TwoFactorDisableInput } from '@roomcast/schema/api';
import { api } from '~/server/api';
import { EmailChanged, EmailChangeRequested, TwoFactorConfirmed, TwoFactorEnrollmentResponse, TwoFactorSignedIn, TwoFactorStatusResponse } from '~/server/api-responses';
import { failure, field, parseForm, scriptRequired } from '~/server/forms';
import { sameOriginPath } from '~/server/safe-redirect';
import { readSessionToken, writeSessionToken } from '~/server/session';
import { clearTwoFactorChallenge, readTwoFactorChallenge } from '~/server/two-factor-challenge';
import { getRequestEvent } from 'solid-js/web';

export async function verifyTwoFactor(form: FormData) {
  let next: string;
  try {
    const challenge = readTwoFactorChallenge();
    if (!challenge) return { ok: false as const, code: 'invalid_challenge', message: 'This sign-in expired; sign in again with your password.', fields: {} };
    const code = field(form, 'code');
    const input = parseForm(LoginTwoFactorInput, { challenge, ...(code && /^\s*\d{6}\s*$/.test(code) ? { code } : { recoveryCode: code }) });
    const result = await api.post('/auth/login/two-factor', TwoFactorSignedIn, input, { token: null });
    writeSessionToken(result.token);
    clearTwoFactorChallenge();
    next = sameOriginPath(form.get('next'), new URL(getRequestEvent()!.request.url).origin, '/app');
  } catch (error) {
    return failure(error);
  }
  throw redirect(next);
}

export async function loadTwoFactorStatus() {
  if (!readSessionToken()) throw redirect('/login?next=%2Faccount%2Ftwo-factor');
  return api.get('/auth/two-factor', TwoFactorStatusResponse);
}

export async function enrollTwoFactor() {
  const refused = scriptRequired();
  if (refused) return refused;
  try {
    return { ok: true as const, ...(await api.post('/auth/two-factor/enroll', TwoFactorEnrollmentResponse)) };
  } catch (error) {
    return failure(error);
  }
}

export async function confirmTwoFactor(form: FormData) {
  const refused = scriptRequired();
  if (refused) return refused;
  try {
    const input = parseForm(TwoFactorConfirmInput, { code: field(form, 'code') });
    return { ok: true as const, ...(await api.post('/auth/two-factor/confirm', TwoFactorConfirmed, input)) };
  } catch (error) {
    return failure(error);
  }
}

export async function disableTwoFactor(form: FormData) {
  try {
    const input = parseForm(TwoFactorDisableInput, { password: form.get('password') });
    await api.post('/auth/two-factor/disable', TwoFactorStatusResponse, input);
    return { ok: true as const, message: 'Two-factor authentication is off.' };
  } catch (error) {
    return failure(error);
  }
}

export async function requestEmailChange(form: FormData) {
  try {
    const input = parseForm(EmailChangeInput, { newEmail: field(form, 'newEmail'), password: form.get('password') });
    const result = await api.post('/auth/email-change', EmailChangeRequested, input);
    return { ok: true as const, message: `We sent a link to ${result.sentTo}. Your address changes when you open it.` };
  } catch (error) {
    return failure(error);
  }
}

export async function confirmEmailChange(form: FormData) {
  try {
    const input = parseForm(EmailChangeConfirmInput, { token: form.get('token') });
    const result = await api.post('/auth/email-change/confirm', EmailChanged, input);
    return { ok: true as const, message: `Your email address is now ${result.user.email}. Other sessions were signed out.` };
  } catch (error) {
    return failure(error);
  }
}
