// SolidStart (vinxi) config. SSR on Cloudflare Workers: the build output runs under
// `wrangler dev --assets .output/public` locally and `wrangler deploy` in production.
import { defineConfig } from '@solidjs/start/config';
import tailwindcss from '@tailwindcss/vite';

export default defineConfig({
  middleware: './src/middleware.ts',
  server: {
    preset: 'cloudflare-module',
    // The bundle runs in workerd with nodejs_compat (AsyncLocalStorage for the request event).
    rollupConfig: { external: ['node:async_hooks'] },
  },
  // Typed against the root's vite while vinxi bundles its own vite 6: same plugin at run time.
  vite: { plugins: [tailwindcss() as never] },
});
