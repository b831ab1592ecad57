// "SSO required": an organization on a plan with SSO can refuse password sign-in (and password
// signup) for addresses in its domains. Its owners keep password sign-in as the way back in when
// the provider is broken or misconfigured. After a downgrade the rule is not enforced (SSO
// sign-in is refused then, so refusing passwords too would lock everyone out).
import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { memberships, organizations } from '@roomcast/schema/db';
import { ApiError } from '../errors.ts';
import type { AppEnv } from '../http.ts';
import { effectivePlan } from '../plans/limits.ts';
import { domainOf, findSsoDomain } from './domains.ts';

export async function assertPasswordSignInAllowed(c: Context<AppEnv>, email: string, userId: string | undefined): Promise<void> {
  const found = await findSsoDomain(c.var.db, email);
  if (!found?.ssoRequired) return;
  const verdict = await c.var.db.scoped({ organizationId: found.organizationId }, async (tx) => {
    const plan = await effectivePlan(tx, found.organizationId);
    if (!plan.sso) return undefined;
    const [organization] = await tx.select().from(organizations).where(eq(organizations.id, found.organizationId));
    const [owner] = userId
      ? await tx
          .select({ id: memberships.id })
          .from(memberships)
          .where(and(eq(memberships.organizationId, found.organizationId), eq(memberships.userId, userId), eq(memberships.role, 'owner')))
      : [];
    return owner ? undefined : organization;
  });
  if (!verdict) return;
  throw new ApiError(
    403,
    'sso_required',
    `${verdict.name} requires signing in with SSO for ${domainOf(email)} addresses: use "Sign in with SSO" at /sso`,
    { organization: verdict.slug, signInUrl: `/sso?email=${encodeURIComponent(email)}` },
  );
}
