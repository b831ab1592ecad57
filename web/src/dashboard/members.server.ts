'use server';
// Members and invitations of an organization through the API. The API mails each invitation; the
// answer also carries its accept link (on this web app) for the inviter to copy.
import { redirect } from '@solidjs/router';
import { getRequestEvent } from 'solid-js/web';
import { AcceptInvitationInput, CreateInvitationInput, UpdateMemberInput } from '@roomcast/schema/api';
import { can } from '@roomcast/schema';
import { api, apiPath } from '~/server/api';
import { InvitationAccepted, InvitationCreated, InvitationList, MemberList, MemberResponse } from '~/server/api-responses';
import type { Invitation, Member } from '~/server/api';
import { failure, field, parseForm, scriptRequired } from '~/server/forms';
import { requireOrganization } from './organization.server';

export interface MembersPage {
  members: Member[];
  /** Pending invitations; only for roles that manage members. */
  invitations: Invitation[];
}

export async function loadMembers(slug: string): Promise<MembersPage> {
  const { organization } = await requireOrganization(slug);
  const base = `/organizations/${organization.id}`;
  const [members, invitations] = await Promise.all([
    api.get(`${base}/members`, MemberList),
    can(organization.role, 'member.manage') ? api.get(`${base}/invitations`, InvitationList) : { invitations: [] },
  ]);
  return { members: members.members, invitations: invitations.invitations };
}

const orgPath = (form: FormData) => apiPath`/organizations/${form.get('organizationId')}`;

export async function inviteMember(form: FormData) {
  const refused = scriptRequired();
  if (refused) return refused;
  try {
    const input = parseForm(CreateInvitationInput, { email: field(form, 'email'), role: field(form, 'role') });
    const result = await api.post(`${orgPath(form)}/invitations`, InvitationCreated, input);
    const origin = new URL(getRequestEvent()!.request.url).origin;
    return { ok: true as const, invitation: result.invitation, mailed: result.mailed, acceptUrl: `${origin}/invite/${encodeURIComponent(result.token)}` };
  } catch (error) {
    return failure(error);
  }
}

export async function revokeInvitation(form: FormData) {
  try {
    await api.delete(orgPath(form) + apiPath`/invitations/${form.get('invitationId')}`);
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}

export async function changeRole(form: FormData) {
  try {
    const input = parseForm(UpdateMemberInput, { role: field(form, 'role') });
    const member = await api.patch(orgPath(form) + apiPath`/members/${form.get('userId')}`, MemberResponse, input);
    return { ok: true as const, member };
  } catch (error) {
    return failure(error);
  }
}

export async function removeMember(form: FormData) {
  try {
    await api.delete(orgPath(form) + apiPath`/members/${form.get('userId')}`);
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}

export async function acceptInvitation(form: FormData) {
  let slug: string;
  try {
    const input = parseForm(AcceptInvitationInput, { token: field(form, 'token') });
    slug = (await api.post('/invitations/accept', InvitationAccepted, input)).organization.slug;
  } catch (error) {
    return failure(error);
  }
  throw redirect(`/app/${encodeURIComponent(slug)}`);
}
