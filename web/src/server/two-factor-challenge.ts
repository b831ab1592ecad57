// The challenge of a sign-in waiting for its second factor, between the password step and the
// /two-factor page: in a short-lived httpOnly cookie (never in a URL), like the session itself.
import { getRequestEvent } from 'solid-js/web';
import { readCookie } from './session';

const COOKIE = 'rc_2fa';
const MAX_AGE_SECONDS = 300;

function event() {
  const e = getRequestEvent();
  if (!e) throw new Error('two-factor helpers run only while serving a request');
  return e;
}

function header(value: string, maxAge: number) {
  const secure = new URL(event().request.url).protocol === 'https:' ? '; Secure' : '';
  return `${COOKIE}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

export function writeTwoFactorChallenge(challenge: string) {
  event().response.headers.append('set-cookie', header(challenge, MAX_AGE_SECONDS));
}

export const readTwoFactorChallenge = () => readCookie(COOKIE);

export function clearTwoFactorChallenge() {
  event().response.headers.append('set-cookie', header('', 0));
}
