// The one place that decides whether the caller may act in an organization. Every route under
// /organizations/{org} goes through `withOrganization`, which opens the tenant-scoped transaction,
// finds the caller's role, checks the permission and hands both to the handler.
import { and, eq } from 'drizzle-orm';
import { memberships, organizations } from '@roomcast/schema/db';
import { API_KEY_PERMISSIONS, can, type Permission, type Role } from '@roomcast/schema';
import type { Principal } from '../auth/principal.ts';
import { isUuid } from '../auth/tokens.ts';
import type { Database, Tx } from '../db/database.ts';
import { ApiError, forbidden, notFound, unauthenticated } from '../errors.ts';
import { assertFeature, effectivePlan } from '../plans/limits.ts';

export interface OrganizationAccess {
  organizationId: string;
  role: Role;
  principal: Principal;
  /** The acting user, when a person (not an API key) is calling. */
  userId: string | null;
  can(permission: Permission): boolean;
}

export async function withOrganization<T>(
  db: Database,
  principal: Principal | null,
  organizationId: string,
  permission: Permission,
  work: (tx: Tx, access: OrganizationAccess) => Promise<T>,
): Promise<T> {
  if (!principal) throw unauthenticated();
  // A malformed id cannot name anything: same answer as another tenant's id.
  if (!isUuid(organizationId)) throw notFound('Organization');
  if (principal.kind === 'api_key' && principal.organizationId !== organizationId) throw notFound('Organization');
  const userId = principal.kind === 'user' ? principal.userId : null;

  return db.scoped({ organizationId, userId: userId ?? undefined }, async (tx) => {
    const access = await resolveAccess(tx, principal, organizationId);
    if (!access) throw notFound('Organization');
    if (!access.can(permission)) throw forbidden(`Your role (${access.role}) does not allow ${permission}`);
    return work(tx, access);
  });
}

async function resolveAccess(tx: Tx, principal: Principal, organizationId: string): Promise<OrganizationAccess | null> {
  if (principal.kind === 'api_key') {
    assertFeature(await effectivePlan(tx, organizationId), 'apiAccess');
    return {
      organizationId,
      role: 'admin',
      principal,
      userId: null,
      can: (p) => API_KEY_PERMISSIONS.includes(p),
    };
  }
  const [membership] = await tx
    .select({ role: memberships.role, requireTwoFactor: organizations.requireTwoFactor, organizationName: organizations.name })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, principal.userId)));
  if (!membership) return null;
  // The organization requires a second factor: members without one enroll before anything else.
  if (membership.requireTwoFactor && !principal.twoFactorEnabled) {
    throw new ApiError(
      403,
      'two_factor_enrollment_required',
      `${membership.organizationName} requires two-factor authentication: set it up in your account (Account → Two-factor authentication), then come back`,
      { enrollUrl: '/account/two-factor' },
    );
  }
  const role = membership.role;
  return { organizationId, role, principal, userId: principal.userId, can: (p) => can(role, p) };
}
