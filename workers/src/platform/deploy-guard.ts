// A Worker with development or test settings must never serve the public. wrangler.toml deploys
// APP_ENV=production; `npm run dev` and the tests set development/test explicitly. If a deploy
// still carries a non-production APP_ENV (a --var, a dashboard edit), every request is refused:
// locally the Worker is only ever reached on a loopback address or a reserved test name, while a
// deployed Worker is reached on its public hostname (Cloudflare routes by that name).
import { createMiddleware } from 'hono/factory';
import { ApiError } from '../errors.ts';
import type { AppEnv } from '../http.ts';

const LOCAL_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|.+\.localhost|.+\.test)$/i;

export const isLocalHost = (hostname: string) => LOCAL_HOST.test(hostname);

export const refuseDeployedDevelopment = createMiddleware<AppEnv>(async (c, next) => {
  if (c.var.config.env !== 'production' && !isLocalHost(new URL(c.req.url).hostname)) {
    throw new ApiError(
      503,
      'unsafe_configuration',
      `This Worker runs with APP_ENV=${c.var.config.env} and answers only on a local address; deploy with APP_ENV=production`,
    );
  }
  await next();
});
