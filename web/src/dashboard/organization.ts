// The dashboard's organization context as a router query, plus what pages derive from it.
import { query } from '@solidjs/router';
import { can, type Permission } from '@roomcast/schema';
import type { LimitUsage } from '~/server/api';
import { loadOrganization, type OrganizationContext } from './organization.server';

export type { OrganizationContext } from './organization.server';

export const getOrganization = query(loadOrganization, 'organization');

/** May the signed-in member do this here? The same matrix the API enforces (schema/permissions). */
export const allowed = (ctx: OrganizationContext | null | undefined, permission: Permission) =>
  !!ctx && can(ctx.organization.role, permission);

export const limitOf = (ctx: OrganizationContext | null | undefined, name: LimitUsage['limit']) =>
  ctx?.limits.find((l) => l.limit === name);

/** True when one more would go past the plan's limit. */
export const atLimit = (usage: LimitUsage | undefined) =>
  usage !== undefined && usage.max !== null && usage.current !== null && usage.current >= usage.max;
