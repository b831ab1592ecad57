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
      // Encoded: harmless as a Location, but one decoding away from another origin.
      '/%2F%2Fevil.example',
      '/%2f/evil.example',
      '/%5Cevil.example',
      '/%5C%5Cevil.example',
      '/%09/evil.example',
      '/%0a/evil.example',
      '/%2e%2e%2F%2Fevil.example',
      '%2F%2Fevil.example',
      '/%E0%A4%A',
      '\t//evil.example',
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
    expect(next('/r/acme/caf%C3%A9?name=J%C3%BCrgen')).toBe('/r/acme/caf%C3%A9?name=J%C3%BCrgen');
  });
});
