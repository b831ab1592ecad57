// The interactive API reference at /api/v1/reference: Swagger UI over the Worker's own OpenAPI
// document (/api/v1/openapi.json), endpoints and webhook events alike, with "Try it out" against
// this API (paste a session token or an rck_ key under Authorize). Its script and stylesheet are
// bundled into the Worker and served from here, so the page needs no third-party host.
import { Hono } from 'hono';
import swaggerUiBundle from 'swagger-ui-dist/swagger-ui-bundle.js';
import swaggerUiCss from 'swagger-ui-dist/swagger-ui.css';
import type { AppEnv } from '../http.ts';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Roomcast API reference</title>
<link rel="stylesheet" href="/api/v1/reference/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="/api/v1/reference/swagger-ui-bundle.js"></script>
<script src="/api/v1/reference/init.js"></script>
</body>
</html>`;

// A file of its own, not an inline script, so the page works under a strict script-src.
const INIT = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#reference', deepLinking: true, persistAuthorization: false, tryItOutEnabled: false });`;

const ASSET_CACHE = 'public, max-age=86400';

export const apiReferenceRoutes = new Hono<AppEnv>();
apiReferenceRoutes.get('/reference', (c) => c.html(PAGE));
apiReferenceRoutes.get('/reference/init.js', (c) => c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': ASSET_CACHE }));
apiReferenceRoutes.get('/reference/swagger-ui-bundle.js', (c) => c.body(swaggerUiBundle, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': ASSET_CACHE }));
apiReferenceRoutes.get('/reference/swagger-ui.css', (c) => c.body(swaggerUiCss, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': ASSET_CACHE }));
