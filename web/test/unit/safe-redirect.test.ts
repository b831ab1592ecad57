// Where the browser may be sent after signing in (`next`): this origin only.
import { describe, expect, it } from 'vitest';
import { sameOriginPath } from '../../src/server/safe-redirect.ts';

const ORIGIN = 'https://app.roomcast.example';
const next = (value: unknown) => sameOriginPath(value, ORIGIN, '/app');

describe('post-login destination', () => {
  it('refuses every path a browser resolves to another origin', () => {
    for (const evil of [
      '/\\evil.example',
      '/\\/evil.example',
      '\\\\evil.example',
      '//evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      '/.//evil.example',
      '/..//evil.example/x',
      '',
      undefined,
      ['/app'],
    ]) {
      const target = next(evil);
      expect(target, JSON.stringify(evil)).toBe('/app');
      expect(new URL(target, ORIGIN).origin).toBe(ORIGIN);
    }
  });

  it('keeps a path on this origin, with its query and fragment', () => {
    expect(next('/invite/abc%2Fdef')).toBe('/invite/abc%2Fdef');
    expect(next('/r/acme/market-open?name=Ann#chat')).toBe('/r/acme/market-open?name=Ann#chat');
    expect(next('/app/acme/billing')).toBe('/app/acme/billing');
  });
});
