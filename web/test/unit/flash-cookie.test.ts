// SolidStart's no-JS flash cookie, as it leaves the web server: never a password or a secret.
import { describe, expect, it } from 'vitest';
import { scrubFlashCookie, withScrubbedFlash } from '../../src/server/flash-cookie.ts';

// Exactly what @solidjs/start's handleNoJS writes after a failed sign-in without JavaScript.
const solidStartFlash = (result: unknown, entries: [string, string][]) =>
  `flash=${encodeURIComponent(JSON.stringify({ url: '/_server?id=x&name=login', result, thrown: undefined, error: false, input: [entries] }))}; Secure; HttpOnly;`;

const failedLogin = solidStartFlash({ ok: false, code: 'invalid_credentials', message: 'Email or password is incorrect', fields: {} }, [
  ['next', '/app'],
  ['email', 'ann@example.com'],
  ['password', 'hunter2 correct horse'],
]);

const flashOf = (setCookie: string) => JSON.parse(decodeURIComponent(setCookie.split(';')[0]!.slice('flash='.length)));

describe('flash cookie', () => {
  it('never carries the submitted form (passwords included) and keeps the result the page shows', () => {
    const scrubbed = scrubFlashCookie(failedLogin, false)!;
    expect(scrubbed).not.toContain('hunter2');
    expect(decodeURIComponent(scrubbed)).not.toContain('hunter2');
    expect(flashOf(scrubbed)).toEqual({
      url: '/_server?id=x&name=login',
      result: { ok: false, code: 'invalid_credentials', message: 'Email or password is incorrect', fields: {} },
      error: false,
      input: [],
    });
  });

  it('drops one-time secrets from the result', () => {
    const created = solidStartFlash({ ok: true, apiKey: { id: 'k1', name: 'ci' }, secret: 'rc_live_SECRET' }, [['name', 'ci']]);
    const scrubbed = scrubFlashCookie(created, true)!;
    expect(decodeURIComponent(scrubbed)).not.toContain('rc_live_SECRET');
    expect(flashOf(scrubbed).result).toEqual({ ok: true, apiKey: { id: 'k1', name: 'ci' } });
  });

  it('sets the session cookie flags: HttpOnly, SameSite=Lax, Path=/, Secure on https', () => {
    expect(scrubFlashCookie(failedLogin, true)).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    expect(scrubFlashCookie(failedLogin, false)).toMatch(/; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('drops a flash cookie it cannot read and leaves other cookies alone', () => {
    expect(scrubFlashCookie('flash=%7Bnot json; HttpOnly', false)).toBeNull();
    expect(scrubFlashCookie('rc_web=abc; Path=/; HttpOnly', false)).toBe('rc_web=abc; Path=/; HttpOnly');
  });

  it('rewrites a no-JS redirect response and keeps its status, Location and other cookies', () => {
    const headers = new Headers({ location: 'https://app.roomcast.example/login' });
    headers.append('set-cookie', 'rc_web=; Path=/; Max-Age=0');
    headers.append('set-cookie', failedLogin);
    const out = withScrubbedFlash(new Response(null, { status: 302, headers }), true);
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('https://app.roomcast.example/login');
    expect(out.headers.getSetCookie()).toHaveLength(2);
    expect(out.headers.getSetCookie()[0]).toBe('rc_web=; Path=/; Max-Age=0');
    expect(out.headers.getSetCookie().join('\n')).not.toContain('hunter2');
    const untouched = new Response('ok');
    expect(withScrubbedFlash(untouched, true)).toBe(untouched);
  });
});
