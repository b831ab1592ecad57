// A new organization always comes with a default workspace, its owner's membership and a Starter
// trial that ends after `trialMs` (DESIGN.md, flow 1; plans/trial.ts). Used by signup and by POST /organizations.
import { eq } from 'drizzle-orm';
import { memberships, organizations, subscriptions, workspaces } from '@roomcast/schema/db';
import { DEFAULT_PLAN } from '@roomcast/schema';
import type { Tx } from '../db/database.ts';
import { conflict } from '../errors.ts';

export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug || 'org';
}

/** Must run in a transaction scoped to `organizationId` (the RLS check on insert). */
export async function createOrganization(
  tx: Tx,
  input: { organizationId: string; name: string; slug?: string | undefined; ownerId: string; trialMs: number },
) {
  const base = input.slug ?? slugify(input.name);
  let organization: typeof organizations.$inferSelect | undefined;
  // Other tenants' slugs are invisible under RLS, so detect a taken slug with ON CONFLICT.
  for (let attempt = 0; attempt < 4 && !organization; attempt++) {
    const slug = attempt === 0 ? base : `${base}-${crypto.randomUUID().slice(0, 4)}`;
    [organization] = await tx
      .insert(organizations)
      .values({ id: input.organizationId, name: input.name, slug })
      .onConflictDoNothing({ target: organizations.slug })
      .returning();
    if (input.slug && !organization) throw conflict(`The slug "${input.slug}" is taken`, 'slug_taken');
  }
  if (!organization) throw conflict('Could not find a free slug; choose one', 'slug_taken');

  const [workspace] = await tx
    .insert(workspaces)
    .values({ organizationId: organization.id, name: 'Default', slug: 'default' })
    .returning();
  await tx.insert(memberships).values({ organizationId: organization.id, userId: input.ownerId, role: 'owner' });
  const trialEndsAt = new Date(Date.now() + input.trialMs);
  await tx.insert(subscriptions).values({ organizationId: organization.id, planId: DEFAULT_PLAN, status: 'trialing', trialEndsAt });
  return { organization, workspace: workspace! };
}

export const toOrganization = (
  o: typeof organizations.$inferSelect,
  extra: { role?: (typeof memberships.$inferSelect)['role']; planId?: string } = {},
) => ({ id: o.id, name: o.name, slug: o.slug, createdAt: o.createdAt.toISOString(), ...extra });

/** The organizations a user belongs to, with their role in each (needs the user's RLS scope). */
export async function listUserOrganizations(tx: Tx, userId: string) {
  const rows = await tx
    .select({ organization: organizations, role: memberships.role })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.organizationId))
    .where(eq(memberships.userId, userId))
    .orderBy(organizations.createdAt);
  return rows.map((o) => toOrganization(o.organization, { role: o.role }));
}
