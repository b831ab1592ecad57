// A user's own sessions: list them (device, last seen, IP and region), revoke one, sign out
// everywhere else; and changing the password, which also signs out every other session.
import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import { AccountSession, ChangePasswordInput } from '@roomcast/schema/api';
import { sessions, users } from '@roomcast/schema/db';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { requireUser } from '../auth/principal.ts';
import { isUuid } from '../auth/tokens.ts';
import { ApiError, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonContent } from '../http.ts';
import { enforceRateLimit } from '../platform/rate-limit.ts';
import type { Tx } from '../db/database.ts';
import { describeDevice } from './device.ts';

export const sessionRoutes = createRouter();

/** Revokes every live session of the user except `keep`; answers how many were revoked. */
export async function revokeOtherSessions(tx: Tx, userId: string, keep: string): Promise<number> {
  const revoked = await tx
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.userId, userId), ne(sessions.id, keep), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return revoked.length;
}

sessionRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/sessions',
    tags: ['auth'],
    summary: "The signed-in user's active sessions, most recently seen first",
    security: bearerSecurity,
    responses: { 200: jsonContent(z.object({ sessions: z.array(AccountSession) }), 'Sessions'), ...errorResponses(401, 403) },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    const rows = await c.var.db.global((tx) =>
      tx
        .select()
        .from(sessions)
        .where(and(eq(sessions.userId, principal.userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)))
        .orderBy(desc(sessions.lastSeenAt))
        .limit(100),
    );
    return c.json(
      {
        sessions: rows.map((s) => ({
          id: s.id,
          current: s.id === principal.sessionId,
          device: describeDevice(s.userAgent),
          userAgent: s.userAgent,
          ip: s.ip,
          region: s.region,
          createdAt: s.createdAt.toISOString(),
          lastSeenAt: s.lastSeenAt.toISOString(),
        })),
      },
      200,
    );
  },
);

sessionRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/sessions/{session}',
    tags: ['auth'],
    summary: 'Revoke one of your sessions',
    security: bearerSecurity,
    request: { params: z.object({ session: z.string() }) },
    responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    const { session } = c.req.valid('param');
    if (!isUuid(session)) throw notFound('Session');
    // Someone else's session id answers exactly like an unknown one.
    const [revoked] = await c.var.db.global((tx) =>
      tx
        .update(sessions)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(sessions.id, session), eq(sessions.userId, principal.userId), isNull(sessions.revokedAt)))
        .returning({ id: sessions.id }),
    );
    if (!revoked) throw notFound('Session');
    return c.body(null, 204);
  },
);

sessionRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/sessions/revoke-others',
    tags: ['auth'],
    summary: 'Sign out everywhere else: revoke every session but this one',
    security: bearerSecurity,
    responses: { 200: jsonContent(z.object({ revoked: z.number().int() }), 'Revoked'), ...errorResponses(401, 403) },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    const revoked = await c.var.db.global((tx) => revokeOtherSessions(tx, principal.userId, principal.sessionId));
    return c.json({ revoked }, 200);
  },
);

sessionRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/password',
    tags: ['auth'],
    summary: 'Change the password (the current one is required); signs out every other session',
    security: bearerSecurity,
    request: jsonBody(ChangePasswordInput),
    responses: { 200: jsonContent(z.object({ revokedSessions: z.number().int() }), 'Changed'), ...errorResponses(400, 401, 403, 429) },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    const input = c.req.valid('json');
    await enforceRateLimit(c.var.redis, `password-change:user:${principal.userId}`, c.var.config.authRateLimit.perEmail, 60);
    const [user] = await c.var.db.global((tx) => tx.select().from(users).where(eq(users.id, principal.userId)));
    if (!user || !(await verifyPassword(input.currentPassword, user.passwordHash))) {
      throw new ApiError(400, 'invalid_credentials', 'The current password is incorrect');
    }
    const passwordHash = await hashPassword(input.newPassword);
    const revokedSessions = await c.var.db.scoped({}, async (tx) => {
      await tx.update(users).set({ passwordHash, updatedAt: sql`now()` }).where(eq(users.id, user.id));
      return revokeOtherSessions(tx, user.id, principal.sessionId);
    });
    return c.json({ revokedSessions }, 200);
  },
);
