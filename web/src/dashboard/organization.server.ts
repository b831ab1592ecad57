'use server';
// The organization a dashboard page is about, named by its slug in the URL (/app/{slug}/...):
// who the caller is there (role), the plan that applies and its usage, and this site's origin
// (for share links). Every dashboard page starts from this; the API still checks every call.
import { redirect } from '@solidjs/router';
import { getRequestEvent } from 'solid-js/web';
import { loadMeOrLogin } from '~/account/session.server';
import { api, ApiRequestError } from '~/server/api';
import { LimitsResponse, OrganizationResponse } from '~/server/api-responses';
import type { LimitUsage, Organization, Plan, User } from '~/server/api';
import type { Role } from '@roomcast/schema';

export interface OrganizationContext {
  user: User;
  organizations: Organization[];
  organization: { id: string; slug: string; name: string; role: Role };
  plan: Plan;
  limits: LimitUsage[];
  /** This web app's origin, for share links and the embed snippet. */
  origin: string;
}

/** The context, or null when the signed-in user is not a member there (removed, or a wrong link). */
export async function loadOrganization(slug: string): Promise<OrganizationContext | null> {
  const me = await loadMeOrLogin(`/app/${slug}`);
  const found = me.organizations.find((o) => o.slug === slug);
  if (!found) return null;
  const [organization, usage] = await Promise.all([
    api.get(`/organizations/${found.id}`, OrganizationResponse),
    api.get(`/organizations/${found.id}/limits`, LimitsResponse),
  ]).catch((error: unknown) => {
    // The organization requires a second factor this account does not have yet: enroll first.
    if (error instanceof ApiRequestError && error.code === 'two_factor_enrollment_required') throw redirect(`/account/two-factor?required=${encodeURIComponent(slug)}`);
    throw error;
  });
  return {
    user: me.user,
    organizations: me.organizations,
    organization: { id: organization.id, slug: organization.slug, name: organization.name, role: organization.role ?? 'viewer' },
    plan: usage.plan,
    limits: usage.limits,
    origin: new URL(getRequestEvent()!.request.url).origin,
  };
}

/** For loaders of one page: the organization, or the API's own 404 when the user is not a member. */
export async function requireOrganization(slug: string): Promise<OrganizationContext> {
  const ctx = await loadOrganization(slug);
  if (!ctx) throw new ApiRequestError(404, 'not_found', 'Organization not found');
  return ctx;
}
