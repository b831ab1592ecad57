// One ES module file of @roomcast/client for pages outside this repo's build (a plain
// `<script type="module">`, the SDK e2e test): `npm run build -w sdk/client` writes it to dist/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../src/index.ts');

/** The SDK and its dependencies (mediasoup-client, the protocol schemas) bundled for browsers. */
/** `iife` with `globalName`: a classic script defining that global (a page a test injects it into). */
export async function bundleClient(options: { minify?: boolean; format?: 'esm' | 'iife'; globalName?: string } = {}): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: options.format ?? 'esm',
    ...(options.globalName ? { globalName: options.globalName } : {}),
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    write: false,
    // mediasoup-client's `debug` dependency looks at process.env in some builds.
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
  });
  return result.outputFiles[0]!.text;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = resolve(process.argv[2] ?? 'dist/roomcast-client.js');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, await bundleClient());
  console.log(`wrote ${out}`);
}
