// Where mailed links point: the web app's pages (WEB_URL), which call the API from its server.
import type { Context } from 'hono';
import type { AppEnv } from '../http.ts';

export function webLink(c: Context<AppEnv>, path: string, token: string): string {
  const base = c.var.config.webUrl ?? new URL(c.req.url).origin;
  return `${base.replace(/\/$/, '')}${path}?token=${encodeURIComponent(token)}`;
}
