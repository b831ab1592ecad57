// Which account an SSO sign-in opens: the rule that keeps an organization's identity provider from
// taking over accounts outside that organization. The organization's admins control its provider,
// and a provider can claim any address; so what the provider says only counts inside its
// organization:
//
//  1. Identities are linked by (organization, issuer, subject), never by email alone.
//  2. The address must be verified by the provider (`email_verified`) and its domain must be one
//     the organization claimed (a domain belongs to one organization; public mailbox domains such
//     as gmail.com cannot be claimed).
//  3. An unknown address gets a new account (no password) and just-in-time membership with the
//     default role.
//  4. An EXISTING account is linked only if it is already a member of this organization (it
//     joined by invitation or by an earlier SSO sign-in) and its address is in the organization's
//     domains. Anyone else with that address keeps their account to themselves: the sign-in is
//     refused with `sso_account_exists`, and they can join by invitation first.
//  5. A linked identity still needs the account's current address in the organization's domains
//     (an account whose owner moved it to another address is out of the provider's reach).
import { and, eq, sql } from 'drizzle-orm';
import { memberships, ssoIdentities, users } from '@roomcast/schema/db';
import { HOST_ROLES, type Role } from '@roomcast/schema';
import type { Tx } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import { assertWithinLimit, countHostSeats } from '../plans/limits.ts';
import type { VerifiedIdentity } from './oidc.ts';
import { domainOf } from './domains.ts';

/** Stored instead of a password hash for accounts created by SSO: no password matches it. */
export const NO_PASSWORD = '!sso-only';

export interface SsoOrganization {
  id: string;
  name: string;
  issuer: string;
  domains: readonly string[];
  defaultRole: Role;
}

const accountExists = (email: string, organizationName: string) =>
  new ApiError(
    409,
    'sso_account_exists',
    `An account for ${email} already exists and is not a member of ${organizationName}. Sign in with your password and ask an admin of ${organizationName} for an invitation; after that you can sign in with SSO.`,
  );

/** Runs in a transaction scoped to the organization. Returns the user to sign in. */
export async function linkSsoIdentity(tx: Tx, org: SsoOrganization, identity: VerifiedIdentity) {
  const inDomains = (email: string) => org.domains.includes(domainOf(email));
  const [link] = await tx
    .select({ userId: ssoIdentities.userId })
    .from(ssoIdentities)
    .where(and(eq(ssoIdentities.organizationId, org.id), eq(ssoIdentities.issuer, org.issuer), eq(ssoIdentities.subject, identity.subject)));

  if (link) {
    const [user] = await tx.select().from(users).where(eq(users.id, link.userId));
    if (!user || !inDomains(user.email)) throw accountExists(identity.email, org.name);
    await ensureMembership(tx, org, user.id);
    await tx.update(ssoIdentities).set({ lastSignInAt: sql`now()` }).where(and(eq(ssoIdentities.organizationId, org.id), eq(ssoIdentities.issuer, org.issuer), eq(ssoIdentities.subject, identity.subject)));
    return { user, created: false };
  }

  const [existing] = await tx.select().from(users).where(eq(users.email, identity.email));
  if (existing) {
    const [membership] = await tx
      .select({ id: memberships.id })
      .from(memberships)
      .where(and(eq(memberships.organizationId, org.id), eq(memberships.userId, existing.id)));
    if (!membership) throw accountExists(identity.email, org.name);
    await tx.insert(ssoIdentities).values({ organizationId: org.id, issuer: org.issuer, subject: identity.subject, userId: existing.id });
    // The provider proved the address too.
    if (!existing.emailVerifiedAt) await tx.update(users).set({ emailVerifiedAt: sql`now()` }).where(eq(users.id, existing.id));
    return { user: existing, created: false };
  }

  const [user] = await tx
    .insert(users)
    .values({ email: identity.email, name: identity.name ?? identity.email.slice(0, identity.email.indexOf('@')), passwordHash: NO_PASSWORD, emailVerifiedAt: new Date() })
    .returning();
  await ensureMembership(tx, org, user!.id);
  await tx.insert(ssoIdentities).values({ organizationId: org.id, issuer: org.issuer, subject: identity.subject, userId: user!.id });
  return { user: user!, created: true };
}

/** Just-in-time membership with the default role (within the plan's host seats when it is one). */
async function ensureMembership(tx: Tx, org: SsoOrganization, userId: string) {
  const [membership] = await tx
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.organizationId, org.id), eq(memberships.userId, userId)));
  if (membership) return;
  if (HOST_ROLES.includes(org.defaultRole)) {
    await assertWithinLimit(tx, org.id, 'hosts', () => countHostSeats(tx, org.id));
  }
  await tx.insert(memberships).values({ organizationId: org.id, userId, role: org.defaultRole });
}

