'use server';
// Server half of account/sso.ts: SSO sign-in through the API's /auth/sso routes, and the
// organization's SSO settings. The state of a sign-in is also kept in a short-lived httpOnly cookie
// of this browser: the callback only finishes a sign-in this browser started, so nobody can sign a
// victim into the attacker's account by sending them a callback link (login CSRF).
import { redirect } from '@solidjs/router';
import { getRequestEvent } from 'solid-js/web';
import { SaveSsoConnectionInput, SsoCallbackInput, SsoStartInput } from '@roomcast/schema/api';
import { api, apiPath } from '~/server/api';
import { OrganizationSecurity, SsoSaved, SsoSettings, SsoSignedIn, SsoStarted } from '~/server/api-responses';
import { failure, field, parseForm } from '~/server/forms';
import { readCookie, writeSessionToken } from '~/server/session';
import { requireOrganization } from '~/dashboard/organization.server';

const STATE_COOKIE = 'rc_sso_state';

function event() {
  const e = getRequestEvent();
  if (!e) throw new Error('SSO helpers run only while serving a request');
  return e;
}

function stateCookie(value: string, maxAge: number) {
  const secure = new URL(event().request.url).protocol === 'https:' ? '; Secure' : '';
  // Lax: the provider's redirect back is a top-level GET navigation, which carries it.
  return `${STATE_COOKIE}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

const readStateCookie = () => readCookie(STATE_COOKIE);

export async function startSso(form: FormData) {
  let target: string;
  try {
    const input = parseForm(SsoStartInput, { email: field(form, 'email') });
    const result = await api.post('/auth/sso/start', SsoStarted, input, { token: null });
    const state = new URL(result.authorizationUrl).searchParams.get('state') ?? '';
    event().response.headers.append('set-cookie', stateCookie(state, 600));
    target = result.authorizationUrl;
  } catch (error) {
    return failure(error);
  }
  throw redirect(target);
}

export async function finishSso(form: FormData) {
  let slug: string;
  try {
    const input = parseForm(SsoCallbackInput, { code: field(form, 'code'), state: field(form, 'state') });
    if (readStateCookie() !== input.state) {
      return { ok: false as const, code: 'sso_invalid_state', message: 'This sign-in was not started in this browser (or took too long). Start again from "Sign in with SSO".', fields: {} };
    }
    event().response.headers.append('set-cookie', stateCookie('', 0));
    const result = await api.post('/auth/sso/callback', SsoSignedIn, input, { token: null });
    writeSessionToken(result.token);
    slug = result.organization.slug;
  } catch (error) {
    return failure(error);
  }
  throw redirect(`/app/${encodeURIComponent(slug)}`);
}

export async function loadSsoSettings(slug: string) {
  const { organization } = await requireOrganization(slug);
  const [sso, security] = await Promise.all([
    api.get(apiPath`/organizations/${organization.id}/sso`, SsoSettings),
    api.get(apiPath`/organizations/${organization.id}/security`, OrganizationSecurity),
  ]);
  return { ...sso, requireTwoFactor: security.requireTwoFactor };
}

export async function saveTwoFactorRequirement(form: FormData) {
  try {
    const requireTwoFactor = form.get('requireTwoFactor') === 'on';
    await api.put(apiPath`/organizations/${form.get('organizationId')}/security`, OrganizationSecurity, { requireTwoFactor });
    return { ok: true as const, message: requireTwoFactor ? 'Members now need two-factor authentication.' : 'Two-factor authentication is optional for members.' };
  } catch (error) {
    return failure(error);
  }
}

export async function saveSsoSettings(form: FormData) {
  try {
    const domains = String(form.get('domains') ?? '')
      .split(/[\s,]+/)
      .map((d) => d.trim())
      .filter(Boolean);
    const input = parseForm(SaveSsoConnectionInput, {
      issuer: field(form, 'issuer'),
      clientId: field(form, 'clientId'),
      clientSecret: field(form, 'clientSecret'),
      domains,
      defaultRole: field(form, 'defaultRole'),
      ssoRequired: form.get('ssoRequired') === 'on',
    });
    const { connection } = await api.put(apiPath`/organizations/${form.get('organizationId')}/sso`, SsoSaved, input);
    return { ok: true as const, connection };
  } catch (error) {
    return failure(error);
  }
}

export async function deleteSsoSettings(form: FormData) {
  try {
    await api.delete(apiPath`/organizations/${form.get('organizationId')}/sso`);
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}
