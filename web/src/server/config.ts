// The web server's configuration, parsed once per environment object. Under wrangler the values
// are Worker bindings (`--var API_URL:...` or wrangler.toml [vars]); under `vinxi dev` (Node) they
// come from process.env. Nothing else in web/ reads either.
import { getRequestEvent } from 'solid-js/web';
import { z } from 'zod';

const ConfigSchema = z.object({
  API_URL: z.url().default('http://127.0.0.1:8787'),
});

export interface WebConfig {
  /** Origin of the API Worker, without a trailing slash. */
  apiUrl: string;
}

const parsed = new WeakMap<object, WebConfig>();
const processKey = {};

export function webConfig(): WebConfig {
  const context = getRequestEvent()?.nativeEvent.context as { cloudflare?: { env?: Record<string, unknown> } } | undefined;
  const source: Record<string, unknown> = context?.cloudflare?.env ?? (typeof process === 'undefined' ? {} : process.env);
  const key = context?.cloudflare?.env ?? processKey;
  let config = parsed.get(key);
  if (!config) {
    const result = ConfigSchema.safeParse({ API_URL: source.API_URL || undefined });
    if (!result.success) throw new Error(`Invalid web configuration: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    config = { apiUrl: result.data.API_URL.replace(/\/+$/, '') };
    parsed.set(key, config);
  }
  return config;
}
