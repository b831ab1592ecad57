// Shared HTTP plumbing: the hono context type, the router factory (so every sub-app validates the
// same way), and OpenAPI helpers that keep route definitions short.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Redis } from '@upstash/redis/cloudflare';
import { z } from '@hono/zod-openapi';
import { ErrorBody } from '@roomcast/schema/api';
import type { Principal } from './auth/principal.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Env } from './env.ts';
import { ApiError } from './errors.ts';

export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: Config;
    db: Database;
    redis: Redis;
    principal: Principal | null;
  };
}

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        const first = issues[0];
        throw new ApiError(400, 'invalid_input', first ? `${first.path || 'body'}: ${first.message}` : 'Invalid input', issues);
      }
    },
  });
}

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

/** A required JSON body: a request without one is rejected instead of validated as `{}`. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { 'application/json': { schema } } },
});

const ERROR_DESCRIPTIONS = {
  400: 'Invalid input',
  401: 'Not authenticated',
  403: 'Role or plan does not allow this',
  404: 'Not found (or belongs to another organization)',
  409: 'Conflicts with existing state',
  413: 'Body too large',
  429: 'Rate limited',
} as const;

export function errorResponses<S extends keyof typeof ERROR_DESCRIPTIONS>(...statuses: S[]) {
  return Object.fromEntries(statuses.map((s) => [s, jsonContent(ErrorBody, ERROR_DESCRIPTIONS[s])])) as {
    [K in S]: ReturnType<typeof jsonContent<typeof ErrorBody>>;
  };
}

/** Path parameters. Ids stay plain strings: a malformed id answers 404 like any unknown id. */
export const OrgParam = z.object({ org: z.string() });
export const orgParamWith = <K extends string>(name: K) => OrgParam.extend({ [name]: z.string() } as { [P in K]: z.ZodString });

export const bearerSecurity: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

