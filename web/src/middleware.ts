// Runs before and after all server code (pages and server functions).
// Before: CSRF defence (server/request-guard.ts): server functions take same-origin POSTs only,
// and nothing but a read (GET/HEAD) is accepted from another site. The session cookie is also
// SameSite=Lax, but Lax still rides along on a top-level GET, which is why GETs are refused too.
// After: no form input or secret leaves in SolidStart's no-JS flash cookie (server/flash-cookie.ts).
import { createMiddleware } from '@solidjs/start/middleware';
import { withScrubbedFlash } from './server/flash-cookie';
import { refusal } from './server/request-guard';

export default createMiddleware({
  onRequest: (event) => {
    const refused = refusal(event.request);
    if (refused) {
      return new Response(JSON.stringify({ error: { code: refused.code, message: refused.message } }), {
        status: refused.status,
        headers: { 'content-type': 'application/json', ...(refused.status === 405 ? { allow: 'POST' } : {}) },
      });
    }
  },
  onBeforeResponse: (event, response) => {
    if (response.body instanceof Response) {
      response.body = withScrubbedFlash(response.body, new URL(event.request.url).protocol === 'https:');
    }
  },
});
