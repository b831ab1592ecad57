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
  vite: ({ router }) => ({
    plugins: [tailwindcss() as never],
    ...(router === 'client' ? { build: { rollupOptions: { output: { manualChunks: clientChunk } } } } : {}),
  }),
});

/**
 * Browser chunks: a page loads one `app` chunk (framework, shared components, query stubs) plus
 * its own route chunk, instead of ~20 small shared chunks (each a request before anything runs).
 * The room pages' route modules, the room client (@roomcast/client), mediasoup-client and the protocol schemas form
 * one `room` chunk: the server preloads it with the viewer/host route, so the player's code
 * arrives in the first wave; the dashboard never loads it. Keep it so: an app-side module that
 * imports anything of the room chunk as a value (a schema used only in a type needs `import type`)
 * makes the app chunk import the room chunk, which then reads the app chunk's exports (ROLES)
 * before they exist, and every page's script stops with "Cannot access ... before initialization".
 */
function clientChunk(id: string): string | undefined {
  if (/\.css($|\?)/.test(id)) return undefined;
  if (/\/src\/routes\/(r|embed|guest)\/.*[?&]pick=default/.test(id)) return 'room';
  if (/\/src\/routes\//.test(id)) return undefined;
  if (ROOM_MODULES.test(id)) return 'room';
  if (APP_MODULES.test(id)) return 'app';
  // Anything else (only reached from one side) stays where rollup puts it.
  return undefined;
}

const ROOM_MODULES =
  /\/node_modules\/(mediasoup-client|sdp-transform|h264-profile-level-id|awaitqueue|debug|ms|supports-color|events-alias|fake-mediastreamtrack|zod)\/|\/schema\/src\/(protocol|api)\/|\/sdk\/client\/src\/|\/web\/src\/room\/ui\//;
const APP_MODULES =
  /\/node_modules\/(solid-js|@solidjs|seroval|seroval-plugins|vinxi)\/|^\0vite\/|\/web\/src\/(components|dashboard|account|billing|vod|app\.tsx|entry-client)|\/web\/src\/room\/(queries|early-join|room\.server)\.ts|\/schema\/src\/(index|permissions|plans|webhook-events)\.ts/;
