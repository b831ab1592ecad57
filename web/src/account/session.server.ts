'use server';
// Server half of account/session.ts: runs only on the web server (each export is an RPC endpoint
// the page calls). The API token goes into the httpOnly `rc_web` cookie; the page only ever gets
// the user and their organizations.
import { redirect } from '@solidjs/router';
import { LoginInput, SignupInput } from '@roomcast/schema/api';
import { api, ApiRequestError, IgnoredBody } from '~/server/api';
import { LoginResponse, MeResponse, SignupResponse } from '~/server/api-responses';
// Types in their own `import type` line: an inline `type` specifier leaves an empty import behind
// in the client bundle, which would drag server-only modules into the browser.
import type { Organization, User } from '~/server/api';
import { failure, field, parseForm } from '~/server/forms';
import { sameOriginPath } from '~/server/safe-redirect';
import { clearSessionToken, readSessionToken, writeSessionToken } from '~/server/session';
import { writeTwoFactorChallenge } from '~/server/two-factor-challenge';
import { getRequestEvent } from 'solid-js/web';

export interface Me {
  user: User;
  organizations: Organization[];
}

/** Only paths on this origin may be a post-login destination (no open redirects). */
function safeNext(next: unknown, fallback = '/app'): string {
  return sameOriginPath(next, new URL(getRequestEvent()!.request.url).origin, fallback);
}

/** The signed-in user, or null. A stale cookie counts as signed out. */
export async function loadMe(): Promise<Me | null> {
  if (!readSessionToken()) return null;
  try {
    return await api.get('/auth/me', MeResponse);
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 401) return null;
    throw error;
  }
}

export async function loadMeOrLogin(path?: string): Promise<Me> {
  const me = await loadMe();
  if (!me) throw redirect(`/login${path ? `?next=${encodeURIComponent(path)}` : ''}`);
  return me;
}

export async function login(form: FormData) {
  let next: string | undefined;
  try {
    const input = parseForm(LoginInput, { email: field(form, 'email'), password: form.get('password') });
    const result = await api.post('/auth/login', LoginResponse, input, { token: null });
    if (result.twoFactorRequired && result.challenge) {
      writeTwoFactorChallenge(result.challenge);
      next = `/two-factor?next=${encodeURIComponent(safeNext(form.get('next')))}`;
    } else {
      writeSessionToken(result.token!);
    }
  } catch (error) {
    return failure(error);
  }
  throw redirect(next ?? safeNext(form.get('next')));
}

export async function signup(form: FormData) {
  let slug: string;
  try {
    const input = parseForm(SignupInput, {
      name: field(form, 'name'),
      email: field(form, 'email'),
      password: form.get('password'),
      organizationName: field(form, 'organizationName'),
    });
    const result = await api.post('/auth/signup', SignupResponse, input, { token: null });
    writeSessionToken(result.token);
    slug = result.organization.slug;
  } catch (error) {
    return failure(error);
  }
  throw redirect(safeNext(form.get('next'), `/app/${encodeURIComponent(slug)}`));
}

export async function logout() {
  if (readSessionToken()) {
    // Revoke server-side too; a session the API no longer knows is already as good as gone.
    await api.post('/auth/logout', IgnoredBody).catch((error: unknown) => {
      if (!(error instanceof ApiRequestError && error.status === 401)) throw error;
    });
  }
  clearSessionToken();
  throw redirect('/login');
}
