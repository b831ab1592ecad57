// The interactive API reference is served by the Worker itself, assets included.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const get = (path: string) => exports.default.fetch(new Request(`http://roomcast.test${path}`));

describe('API reference page', () => {
  it('renders the OpenAPI document with Swagger UI served from this Worker', async () => {
    const page = await get('/api/v1/reference');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(['/api/v1/reference/swagger-ui.css', '/api/v1/reference/swagger-ui-bundle.js', '/api/v1/reference/init.js']);
    for (const asset of assets) {
      const res = await get(asset);
      expect(res.status, asset).toBe(200);
      expect((await res.text()).length, asset).toBeGreaterThan(50);
    }
    expect(await (await get('/api/v1/reference/init.js')).text()).toContain("url: '/api/v1/openapi.json'");
    expect(await (await get('/api/v1/reference/swagger-ui-bundle.js')).text()).toContain('SwaggerUIBundle');
  });
});
