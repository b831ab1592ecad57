import { action, query } from '@solidjs/router';
import { acceptInvitation, changeRole, inviteMember, loadMembers, removeMember, revokeInvitation } from './members.server';

export type { MembersPage } from './members.server';

export const getMembers = query(loadMembers, 'members');
export const inviteAction = action(inviteMember, 'member-invite');
export const revokeInvitationAction = action(revokeInvitation, 'invitation-revoke');
export const changeRoleAction = action(changeRole, 'member-role');
export const removeMemberAction = action(removeMember, 'member-remove');
export const acceptInvitationAction = action(acceptInvitation, 'invitation-accept');

export const ROLE_LABELS = {
  owner: 'Owner',
  admin: 'Admin',
  host: 'Host',
  cohost: 'Co-host',
  moderator: 'Moderator',
  viewer: 'Viewer',
} as const;
