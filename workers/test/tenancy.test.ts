import { describe, expect, it } from 'vitest';
import { addMember, api, signUp, unique } from './api-client.ts';



describe('organizations', () => {
  it('lists, creates, reads and updates', async () => {
    const owner = await signUp('orgs');
    const created = await api('POST', '/organizations', { token: owner.token, body: { name: 'Second Org' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Second Org', role: 'owner', planId: 'starter' });
    const list = await api('GET', '/organizations', { token: owner.token });
    expect(list.body.organizations.map((o: { id: string }) => o.id).sort()).toEqual([owner.organizationId, created.body.id].sort());
    const one = await api('GET', `/organizations/${created.body.id}`, { token: owner.token });
    expect(one.body).toMatchObject({ id: created.body.id, role: 'owner', planId: 'starter' });
    const slug = unique('renamed');
    const patched = await api('PATCH', `/organizations/${created.body.id}`, { token: owner.token, body: { name: 'Renamed', slug } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Renamed', slug });
  });

  it('answers 404 for another tenant, a malformed id and a missing id', async () => {
    const a = await signUp('iso-a');
    const b = await signUp('iso-b');
    for (const id of [b.organizationId, 'not-a-uuid', crypto.randomUUID()]) {
      const res = await api('GET', `/organizations/${id}`, { token: a.token });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const patch = await api('PATCH', `/organizations/${b.organizationId}`, { token: a.token, body: { name: 'pwned' } });
    expect(patch.status).toBe(404);
  });

  it('rejects a taken slug with 409 and an empty update with 400', async () => {
    const a = await signUp('slug-a');
    const b = await signUp('slug-b');
    const bOrg = await api('GET', `/organizations/${b.organizationId}`, { token: b.token });
    const taken = await api('PATCH', `/organizations/${a.organizationId}`, { token: a.token, body: { slug: bOrg.body.slug } });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('slug_taken');
    const empty = await api('PATCH', `/organizations/${a.organizationId}`, { token: a.token, body: {} });
    expect(empty.status).toBe(400);
  });

  it('needs authentication', async () => {
    expect((await api('GET', '/organizations')).status).toBe(401);
    expect((await api('POST', '/organizations', { body: { name: 'x' } })).status).toBe(401);
  });
});

describe('workspaces', () => {
  it('enforces the Starter workspace limit with plan_limit', async () => {
    const owner = await signUp('ws-limit');
    const res = await api('POST', `/organizations/${owner.organizationId}/workspaces`, { token: owner.token, body: { name: 'Another' } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('plan_limit');
    expect(res.body.error.details).toMatchObject({ limit: 'workspaces', max: 1, current: 1, plan: 'starter' });
  });

  it('reads, renames, and refuses to delete the last or a non-empty workspace', async () => {
    const owner = await signUp('ws-crud');
    const path = `/organizations/${owner.organizationId}/workspaces/${owner.workspaceId}`;
    expect((await api('GET', path, { token: owner.token })).body.name).toBe('Default');
    const renamed = await api('PATCH', path, { token: owner.token, body: { name: 'Main stage' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Main stage');
    const last = await api('DELETE', path, { token: owner.token });
    expect(last.status).toBe(409);
    expect(last.body.error.code).toBe('last_workspace');
    await api('POST', `/organizations/${owner.organizationId}/rooms`, { token: owner.token, body: { workspaceId: owner.workspaceId, title: 'R' } });
    const nonEmpty = await api('DELETE', path, { token: owner.token });
    expect(nonEmpty.status).toBe(409);
    expect(nonEmpty.body.error.code).toBe('workspace_not_empty');
  });

  it('hides other tenants\u2019 workspaces and forbids viewers to manage', async () => {
    const a = await signUp('ws-a');
    const b = await signUp('ws-b');
    const foreign = await api('GET', `/organizations/${a.organizationId}/workspaces/${b.workspaceId}`, { token: a.token });
    expect(foreign.status).toBe(404);
    const viewer = await addMember(a, 'viewer');
    const list = await api('GET', `/organizations/${a.organizationId}/workspaces`, { token: viewer.token });
    expect(list.status).toBe(200);
    const rename = await api('PATCH', `/organizations/${a.organizationId}/workspaces/${a.workspaceId}`, { token: viewer.token, body: { name: 'x' } });
    expect(rename.status).toBe(403);
    expect(rename.body.error.code).toBe('forbidden');
  });
});

describe('members and invitations', () => {
  it('invites, accepts, lists, changes roles and removes', async () => {
    const owner = await signUp('team');
    const moderator = await addMember(owner, 'moderator');
    const members = await api('GET', `/organizations/${owner.organizationId}/members`, { token: owner.token });
    expect(members.body.members).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: moderator.userId, role: 'moderator', email: moderator.email })]),
    );
    const me = await api('GET', '/auth/me', { token: moderator.token });
    expect(me.body.organizations.map((o: { id: string }) => o.id)).toContain(owner.organizationId);

    const changed = await api('PATCH', `/organizations/${owner.organizationId}/members/${moderator.userId}`, { token: owner.token, body: { role: 'viewer' } });
    expect(changed.status).toBe(200);
    expect(changed.body.role).toBe('viewer');
    const removed = await api('DELETE', `/organizations/${owner.organizationId}/members/${moderator.userId}`, { token: owner.token });
    expect(removed.status).toBe(204);
    const after = await api('GET', `/organizations/${owner.organizationId}`, { token: moderator.token });
    expect(after.status).toBe(404);
  });

  it('refuses duplicate invitations, members, wrong email and reuse', async () => {
    const owner = await signUp('inv');
    const invitee = await signUp('invitee');
    const stranger = await signUp('stranger');
    const path = `/organizations/${owner.organizationId}/invitations`;
    const invite = await api('POST', path, { token: owner.token, body: { email: invitee.email, role: 'viewer' } });
    expect(invite.status).toBe(201);
    expect(invite.body.acceptUrl).toContain(invite.body.token);
    const again = await api('POST', path, { token: owner.token, body: { email: invitee.email, role: 'viewer' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_invited');
    const wrongUser = await api('POST', '/invitations/accept', { token: stranger.token, body: { token: invite.body.token } });
    expect(wrongUser.status).toBe(403);
    expect(wrongUser.body.error.code).toBe('invitation_email_mismatch');
    const bogus = await api('POST', '/invitations/accept', { token: invitee.token, body: { token: 'nope' } });
    expect(bogus.status).toBe(404);
    expect((await api('POST', '/invitations/accept', { token: invitee.token, body: { token: invite.body.token } })).status).toBe(200);
    const reuse = await api('POST', '/invitations/accept', { token: invitee.token, body: { token: invite.body.token } });
    expect(reuse.status).toBe(409);
    const member = await api('POST', path, { token: owner.token, body: { email: invitee.email, role: 'viewer' } });
    expect(member.status).toBe(409);
    expect(member.body.error.code).toBe('already_member');
  });

  it('lists and revokes pending invitations', async () => {
    const owner = await signUp('revoke-inv');
    const path = `/organizations/${owner.organizationId}/invitations`;
    const invite = await api('POST', path, { token: owner.token, body: { email: `${unique('x')}@example.test`, role: 'moderator' } });
    expect((await api('GET', path, { token: owner.token })).body.invitations).toHaveLength(1);
    expect((await api('DELETE', `${path}/${invite.body.invitation.id}`, { token: owner.token })).status).toBe(204);
    expect((await api('GET', path, { token: owner.token })).body.invitations).toHaveLength(0);
    expect((await api('DELETE', `${path}/${invite.body.invitation.id}`, { token: owner.token })).status).toBe(404);
  });

  it('enforces the hosts limit on invitations and role changes', async () => {
    const owner = await signUp('hosts');
    const hostInvite = await api('POST', `/organizations/${owner.organizationId}/invitations`, {
      token: owner.token,
      body: { email: `${unique('h')}@example.test`, role: 'host' },
    });
    expect(hostInvite.status).toBe(403);
    expect(hostInvite.body.error).toMatchObject({ code: 'plan_limit', details: { limit: 'hosts', max: 1 } });
    const viewer = await addMember(owner, 'viewer');
    const promote = await api('PATCH', `/organizations/${owner.organizationId}/members/${viewer.userId}`, { token: owner.token, body: { role: 'cohost' } });
    expect(promote.status).toBe(403);
    expect(promote.body.error.code).toBe('plan_limit');
  });

  it('keeps the last owner and lets only owners touch owners', async () => {
    const owner = await signUp('last-owner');
    const demote = await api('PATCH', `/organizations/${owner.organizationId}/members/${owner.userId}`, { token: owner.token, body: { role: 'viewer' } });
    expect(demote.status).toBe(409);
    expect(demote.body.error.code).toBe('last_owner');
    const moderator = await addMember(owner, 'moderator');
    const byModerator = await api('POST', `/organizations/${owner.organizationId}/invitations`, {
      token: moderator.token,
      body: { email: `${unique('m')}@example.test`, role: 'viewer' },
    });
    expect(byModerator.status).toBe(403);
    const kickOwner = await api('DELETE', `/organizations/${owner.organizationId}/members/${owner.userId}`, { token: moderator.token });
    expect(kickOwner.status).toBe(403);
  });

  it('validates the role and email', async () => {
    const owner = await signUp('inv-validate');
    const res = await api('POST', `/organizations/${owner.organizationId}/invitations`, { token: owner.token, body: { email: 'x', role: 'emperor' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
  });
});
