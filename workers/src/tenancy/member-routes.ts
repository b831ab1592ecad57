import { createRoute, z } from '@hono/zod-openapi';
import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { AcceptInvitationInput, CreateInvitationInput, Invitation, Member, Organization, UpdateMemberInput } from '@roomcast/schema/api';
import { invitations, memberships, organizations, users } from '@roomcast/schema/db';
import { canAssignRole, HOST_ROLES, type Role } from '@roomcast/schema';
import { randomToken, sha256Hex } from '../auth/crypto.ts';
import { requireUser, requireVerifiedEmail } from '../auth/principal.ts';
import { sendMailLater } from '../mail/mailer.ts';
import { countRateLimit } from '../platform/rate-limit.ts';
import { invitationMail } from '../mail/templates.ts';
import { isUuid } from '../auth/tokens.ts';
import type { Tx } from '../db/database.ts';
import { ApiError, conflict, forbidden, isUniqueViolation, notFound } from '../errors.ts';
import { bearerSecurity, createRouter, OrgParam, orgParamWith, errorResponses, iso, jsonBody, jsonContent } from '../http.ts';
import { assertWithinLimit, countHostSeats } from '../plans/limits.ts';
import { organizationRoomIds, tellRoomsMemberChanged } from '../rooms/member-sync.ts';
import { emitUsageThreshold } from '../webhooks/usage-threshold.ts';
import { wakeWebhookDelivery } from '../webhooks/wake.ts';
import { withOrganization, type OrganizationAccess } from './access.ts';
import { audit } from './audit.ts';
import { toOrganization } from './create-organization.ts';

export const memberRoutes = createRouter();
/** Invitation mails one organization may send per hour. */
const INVITATION_MAILS_PER_HOUR = 50;
export const invitationAcceptRoutes = createRouter();

const INVITATION_TTL_MS = 7 * 24 * 3600_000;
const MemberParam = orgParamWith('user');
const InvitationParam = orgParamWith('invitation');

const toInvitation = (i: typeof invitations.$inferSelect) => ({
  id: i.id,
  organizationId: i.organizationId,
  email: i.email,
  role: i.role,
  expiresAt: i.expiresAt.toISOString(),
  acceptedAt: iso(i.acceptedAt),
  createdAt: i.createdAt.toISOString(),
});

const isHostRole = (role: Role) => HOST_ROLES.includes(role);

/**
 * Takes a host seat (members and pending invitations whose role may go live) for a change in this
 * transaction: throws `plan_limit` when none is left, and logs usage.threshold when the seat taken
 * reaches 80 % or 100 % of the plan's hosts. True when webhook delivery needs a wake-up after the commit.
 */
async function takeHostSeat(tx: Tx, organizationId: string): Promise<boolean> {
  const before = await assertWithinLimit(tx, organizationId, 'hosts', () => countHostSeats(tx, organizationId));
  return emitUsageThreshold(tx, organizationId, 'hosts', before, (before ?? 0) + 1);
}

/** Invitations waiting at once per organization: a team's worth, not a mailing list. */
export const MAX_PENDING_INVITATIONS = 200;

/** Concurrent invites queue on the lock, so they cannot all pass the count. */
async function assertPendingInvitationRoom(tx: Tx, organizationId: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${organizationId}), hashtext('invitations'))`);
  const [pending] = await tx
    .select({ n: count() })
    .from(invitations)
    .where(and(eq(invitations.organizationId, organizationId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));
  if (pending!.n >= MAX_PENDING_INVITATIONS) {
    throw new ApiError(403, 'plan_limit', `${pending!.n} invitations are already waiting (the most allowed is ${MAX_PENDING_INVITATIONS}); revoke some first`, {
      limit: 'pending_invitations',
      max: MAX_PENDING_INVITATIONS,
      current: pending!.n,
    });
  }
}

async function findMember(tx: Tx, organizationId: string, userId: string) {
  if (!isUuid(userId)) throw notFound('Member');
  const [member] = await tx
    .select()
    .from(memberships)
    .where(and(eq(memberships.organizationId, organizationId), eq(memberships.userId, userId)));
  if (!member) throw notFound('Member');
  return member;
}

/** Admins manage non-owners; only an owner touches an owner; the last owner stays. */
async function assertMayChange(tx: Tx, access: OrganizationAccess, current: Role, next: Role | null) {
  if (!canAssignRole(access.role, current) || (next !== null && !canAssignRole(access.role, next))) {
    throw forbidden('Only an owner can grant, change or remove the owner role');
  }
  if (current === 'owner' && next !== 'owner') {
    const [owners] = await tx
      .select({ n: count() })
      .from(memberships)
      .where(and(eq(memberships.organizationId, access.organizationId), eq(memberships.role, 'owner')));
    if (owners!.n <= 1) throw conflict('An organization needs at least one owner', 'last_owner');
  }
}

memberRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/members',
    tags: ['members'],
    summary: 'List members',
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: { 200: jsonContent(z.object({ members: z.array(Member) }), 'Members'), ...errorResponses(401, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const rows = await withOrganization(c.var.db, c.var.principal, org, 'member.read', (tx) =>
      tx
        .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, joinedAt: memberships.createdAt })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.organizationId, org))
        .orderBy(memberships.createdAt),
    );
    return c.json({ members: rows.map((m) => ({ ...m, joinedAt: m.joinedAt.toISOString() })) }, 200);
  },
);

memberRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/{org}/members/{user}',
    tags: ['members'],
    summary: "Change a member's role (owner, admin; plan limit: hosts)",
    security: bearerSecurity,
    request: { params: MemberParam, ...jsonBody(UpdateMemberInput) },
    responses: { 200: jsonContent(Member, 'Updated'), ...errorResponses(400, 401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, user } = c.req.valid('param');
    const { role } = c.req.valid('json');
    const { member, roomIds, notify } = await withOrganization(c.var.db, c.var.principal, org, 'member.manage', async (tx, access) => {
      const current = await findMember(tx, org, user);
      await assertMayChange(tx, access, current.role, role);
      const notify = isHostRole(role) && !isHostRole(current.role) && (await takeHostSeat(tx, org));
      await tx.update(memberships).set({ role, updatedAt: new Date() }).where(eq(memberships.id, current.id));
      await audit(tx, access, 'member.role_changed', { type: 'user', id: user }, { from: current.role, to: role });
      const [row] = await tx
        .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, joinedAt: memberships.createdAt })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.id, current.id));
      return { member: row!, roomIds: current.role === role ? [] : await organizationRoomIds(tx, org), notify };
    });
    if (notify) await wakeWebhookDelivery(org);
    await tellRoomsMemberChanged(c.env, roomIds, user, role);
    return c.json({ ...member, joinedAt: member.joinedAt.toISOString() }, 200);
  },
);

memberRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/members/{user}',
    tags: ['members'],
    summary: 'Remove a member (owner, admin)',
    security: bearerSecurity,
    request: { params: MemberParam },
    responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    const { org, user } = c.req.valid('param');
    const roomIds = await withOrganization(c.var.db, c.var.principal, org, 'member.manage', async (tx, access) => {
      const current = await findMember(tx, org, user);
      await assertMayChange(tx, access, current.role, null);
      await tx.delete(memberships).where(eq(memberships.id, current.id));
      await audit(tx, access, 'member.removed', { type: 'user', id: user }, { role: current.role });
      return organizationRoomIds(tx, org);
    });
    await tellRoomsMemberChanged(c.env, roomIds, user, null);
    return c.body(null, 204);
  },
);

memberRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/{org}/invitations',
    tags: ['members'],
    summary: 'Pending invitations (owner, admin)',
    security: bearerSecurity,
    request: { params: OrgParam },
    responses: { 200: jsonContent(z.object({ invitations: z.array(Invitation) }), 'Invitations'), ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const rows = await withOrganization(c.var.db, c.var.principal, org, 'member.manage', (tx) =>
      tx
        .select()
        .from(invitations)
        .where(and(eq(invitations.organizationId, org), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
        .orderBy(invitations.createdAt),
    );
    return c.json({ invitations: rows.map(toInvitation) }, 200);
  },
);

memberRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/{org}/invitations',
    tags: ['members'],
    summary: 'Invite someone by email; returns the one-time invitation token and accept URL',
    security: bearerSecurity,
    request: { params: OrgParam, ...jsonBody(CreateInvitationInput) },
    responses: {
      201: jsonContent(
        z.object({ invitation: Invitation, token: z.string(), acceptUrl: z.string(), mailed: z.boolean().describe('false past the hourly invitation mail budget: share the link yourself') }),
        'Invited',
      ),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  async (c) => {
    const { org } = c.req.valid('param');
    const input = c.req.valid('json');
    const token = randomToken();
    const tokenHash = await sha256Hex(token);
    const invitation = await withOrganization(c.var.db, c.var.principal, org, 'member.manage', async (tx, access) => {
      if (!canAssignRole(access.role, input.role)) throw forbidden('Only an owner can invite another owner');
      const [existing] = await tx
        .select({ id: memberships.id })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.organizationId, org), eq(users.email, input.email)));
      if (existing) throw conflict(`${input.email} is already a member`, 'already_member');
      const notify = isHostRole(input.role) && (await takeHostSeat(tx, org));
      // Expired pending invitations are retired, not kept forever (the pending list stays bounded).
      await tx
        .update(invitations)
        .set({ revokedAt: new Date() })
        .where(and(eq(invitations.organizationId, org), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), sql`${invitations.expiresAt} <= now()`));
      await assertPendingInvitationRoom(tx, org);
      const [row] = await tx
        .insert(invitations)
        .values({
          organizationId: org,
          email: input.email,
          role: input.role,
          tokenHash,
          invitedBy: access.userId,
          expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
        })
        .returning();
      await audit(tx, access, 'member.invited', { type: 'invitation', id: row!.id }, { email: input.email, role: input.role });
      const [organization] = await tx.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, org));
      return { row: row!, organizationName: organization!.name, notify };
    }).catch((error: unknown) => {
      if (isUniqueViolation(error, 'invitations_pending_email_key')) {
        throw conflict(`${input.email} already has a pending invitation`, 'already_invited');
      }
      throw error;
    });
    if (invitation.notify) await wakeWebhookDelivery(org);
    const base = c.var.config.publicUrl ?? new URL(c.req.url).origin;
    // The invitee gets the web app's invitation page by mail; the dashboard still shows the link.
    const inviterName = c.var.principal?.kind === 'user' ? c.var.principal.name : 'An administrator';
    const invitePage = `${(c.var.config.webUrl ?? base).replace(/\/$/, '')}/invite/${token}`;
    // Our sending address must not become a spam cannon: past the hourly budget the invitation is
    // still created, and the dashboard's link is the way to deliver it.
    const budget = await countRateLimit(c.var.redis, `invitation-mail:org:${org}`, INVITATION_MAILS_PER_HOUR, 3600);
    if (budget.allowed) {
      sendMailLater(c.executionCtx, c.var.config, input.email, invitationMail({
        organizationName: invitation.organizationName,
        inviterName,
        role: input.role,
        url: invitePage,
        expiresAt: invitation.row.expiresAt,
      }));
    }
    return c.json({ invitation: toInvitation(invitation.row), token, acceptUrl: `${base}/invitations/accept?token=${token}`, mailed: budget.allowed }, 201);
  },
);

memberRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/{org}/invitations/{invitation}',
    tags: ['members'],
    summary: 'Revoke a pending invitation',
    security: bearerSecurity,
    request: { params: InvitationParam },
    responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) },
  }),
  async (c) => {
    const { org, invitation: id } = c.req.valid('param');
    await withOrganization(c.var.db, c.var.principal, org, 'member.manage', async (tx, access) => {
      if (!isUuid(id)) throw notFound('Invitation');
      const [row] = await tx
        .update(invitations)
        .set({ revokedAt: new Date() })
        .where(and(eq(invitations.id, id), eq(invitations.organizationId, org), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
        .returning({ id: invitations.id });
      if (!row) throw notFound('Invitation');
      await audit(tx, access, 'member.invitation_revoked', { type: 'invitation', id });
    });
    return c.body(null, 204);
  },
);

invitationAcceptRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/accept',
    tags: ['members'],
    summary: 'Accept an invitation as the signed-in user (the email must match)',
    security: bearerSecurity,
    request: jsonBody(AcceptInvitationInput),
    responses: {
      200: jsonContent(z.object({ organization: Organization }), 'Joined'),
      ...errorResponses(400, 401, 403, 404, 409),
    },
  }),
  async (c) => {
    const principal = requireUser(c.var.principal);
    requireVerifiedEmail(principal);
    const tokenHash = await sha256Hex(c.req.valid('json').token);
    const organizationId = await c.var.db.global(async (tx) => {
      const result = await tx.execute<{ organization_id: string }>(sql`select organization_id from app_find_invitation(${tokenHash})`);
      return result.rows[0]?.organization_id;
    });
    if (!organizationId) throw notFound('Invitation');
    const organization = await c.var.db.scoped({ organizationId, userId: principal.userId }, async (tx) => {
      const [invitation] = await tx.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).for('update');
      if (!invitation || invitation.revokedAt) throw notFound('Invitation');
      if (invitation.acceptedAt) throw conflict('This invitation was already accepted', 'invitation_used');
      if (invitation.expiresAt.getTime() < Date.now()) throw new ApiError(410, 'invitation_expired', 'This invitation has expired; ask for a new one');
      if (invitation.email !== principal.email) {
        throw new ApiError(403, 'invitation_email_mismatch', `This invitation is for ${invitation.email}; sign in with that address`);
      }
      try {
        await tx.insert(memberships).values({ organizationId, userId: principal.userId, role: invitation.role });
      } catch (error) {
        if (isUniqueViolation(error, 'memberships_org_user_key')) throw conflict('You are already a member', 'already_member');
        throw error;
      }
      await tx.update(invitations).set({ acceptedAt: new Date() }).where(eq(invitations.id, invitation.id));
      const [org] = await tx.select().from(organizations).where(eq(organizations.id, organizationId));
      return toOrganization(org!, { role: invitation.role });
    });
    return c.json({ organization }, 200);
  },
);
