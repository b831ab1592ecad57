// Ids a browser sends to a server function become one encoded API path segment each: they cannot
// steer the web server's call (made with the visitor's session) to another API route.
import { describe, expect, it } from 'vitest';
import { ApiRequestError } from '../../src/server/api-error.ts';
import { apiPath } from '../../src/server/api-path.ts';

describe('API paths from browser input', () => {
  it('encodes each value as exactly one segment', () => {
    expect(apiPath`/organizations/${'a/b?c#d'}/rooms/${'r 1'}/join`).toBe('/organizations/a%2Fb%3Fc%23d/rooms/r%201/join');
    const path = apiPath`/organizations/${'../../auth/logout'}/rooms`;
    expect(new URL(path, 'https://api.example').pathname).toBe('/organizations/..%2F..%2Fauth%2Flogout/rooms');
  });

  it('refuses values that would be dot segments, empty or not text', () => {
    for (const bad of ['..', '.', '', null, undefined, 42, ['x'], { toString: () => 'x' }, 'x'.repeat(201)]) {
      expect(() => apiPath`/organizations/${bad}/rooms`, JSON.stringify(bad)).toThrow(ApiRequestError);
    }
  });
});
