// /app/{org}/members: who is in the organization and with which role. Owners and admins invite
// (mailed, and shown as an accept link to copy), change roles, remove members and revoke
// invitations; everyone else sees the list only.
import { createAsync, useParams, useSubmission, type RouteDefinition } from '@solidjs/router';
import { createEffect, For, Show } from 'solid-js';
import { canAssignRole, ROLES } from '@roomcast/schema';
import { Alert, FormError } from '~/components/Alert';
import { Button } from '~/components/Button';
import { Card } from '~/components/Card';
import { CopyField } from '~/components/CopyButton';
import { EmptyState } from '~/components/EmptyState';
import { Field, SelectField } from '~/components/Field';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { UsageMeter } from '~/components/UsageMeter';
import {
  changeRoleAction,
  getMembers,
  inviteAction,
  removeMemberAction,
  revokeInvitationAction,
  ROLE_LABELS,
} from '~/dashboard/members';
import { allowed, getOrganization, limitOf } from '~/dashboard/organization';
import type { FormFailure } from '~/server/forms';

export const route = {
  preload: ({ params }) => {
    void getOrganization(params.org!);
    void getMembers(params.org!);
  },
} satisfies RouteDefinition;

const day = (iso: string) => new Date(iso).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric' });

export default function Members() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  const page = createAsync(() => getMembers(params.org!));
  const invite = useSubmission(inviteAction);
  const roleChange = useSubmission(changeRoleAction);
  const removal = useSubmission(removeMemberAction);
  const revoke = useSubmission(revokeInvitationAction);
  const inviteErrors = () => (invite.result as FormFailure | undefined)?.fields ?? {};
  const acceptUrl = () => (invite.result as { ok?: boolean; acceptUrl?: string } | undefined)?.acceptUrl;
  const mailed = () => (invite.result as { mailed?: boolean } | undefined)?.mailed === true;
  let inviteForm: HTMLFormElement | undefined;
  createEffect(() => {
    if (acceptUrl()) inviteForm?.reset();
  });
  const assignable = () => {
    const role = ctx()?.organization.role;
    return role ? ROLES.filter((r) => canAssignRole(role, r)).map((r) => ({ value: r, label: ROLE_LABELS[r] })) : [];
  };

  return (
    <Show when={ctx()} fallback={<Spinner />}>
      {(c) => {
        const manage = () => allowed(c(), 'member.manage');
        return (
          <>
            <PageHeader title="Members" description="Roles decide who may go live, moderate, or manage the organization." />
            <div class="grid gap-6 lg:grid-cols-3">
              <div class="space-y-6 lg:col-span-2">
                <Card title="Members">
                  <FormError result={roleChange.result} />
                  <FormError result={removal.result} />
                  <Show when={page()} fallback={<Spinner label="Loading members" />}>
                    {(p) => (
                      <ul class="divide-y divide-slate-100" aria-label="Members">
                        <For each={p().members}>
                          {(m) => {
                            const editable = () => manage() && canAssignRole(c().organization.role, m.role) && m.userId !== c().user.id;
                            return (
                              <li class="flex flex-wrap items-center justify-between gap-3 py-3" data-member={m.email}>
                                <div class="min-w-0">
                                  <p class="font-medium text-slate-900">
                                    {m.name}
                                    <Show when={m.userId === c().user.id}>
                                      <span class="ml-2 text-xs font-normal text-slate-500">(you)</span>
                                    </Show>
                                  </p>
                                  <p class="truncate text-xs text-slate-500">
                                    {m.email} · joined {day(m.joinedAt)}
                                  </p>
                                </div>
                                <Show
                                  when={editable()}
                                  fallback={<span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">{ROLE_LABELS[m.role]}</span>}
                                >
                                  <div class="flex flex-wrap items-end gap-2">
                                    <form action={changeRoleAction} method="post" class="flex items-end gap-2">
                                      <input type="hidden" name="organizationId" value={c().organization.id} />
                                      <input type="hidden" name="userId" value={m.userId} />
                                      <SelectField label={`Role of ${m.name}`} name="role" value={m.role} options={assignable()} class="[&>label]:sr-only" />
                                      <Button type="submit" variant="secondary">
                                        Change role
                                      </Button>
                                    </form>
                                    <form action={removeMemberAction} method="post">
                                      <input type="hidden" name="organizationId" value={c().organization.id} />
                                      <input type="hidden" name="userId" value={m.userId} />
                                      <Button type="submit" variant="danger" aria-label={`Remove ${m.name}`}>
                                        Remove
                                      </Button>
                                    </form>
                                  </div>
                                </Show>
                              </li>
                            );
                          }}
                        </For>
                      </ul>
                    )}
                  </Show>
                </Card>

                <Show when={manage()}>
                  <Card title="Pending invitations">
                    <FormError result={revoke.result} />
                    <Show when={page()}>
                      {(p) => (
                        <Show when={p().invitations.length > 0} fallback={<EmptyState title="No pending invitations" />}>
                          <ul class="divide-y divide-slate-100" aria-label="Pending invitations">
                            <For each={p().invitations}>
                              {(i) => (
                                <li class="flex flex-wrap items-center justify-between gap-2 py-3">
                                  <div>
                                    <p class="font-medium text-slate-900">{i.email}</p>
                                    <p class="text-xs text-slate-500">
                                      {ROLE_LABELS[i.role]} · expires {day(i.expiresAt)}
                                    </p>
                                  </div>
                                  <form action={revokeInvitationAction} method="post">
                                    <input type="hidden" name="organizationId" value={c().organization.id} />
                                    <input type="hidden" name="invitationId" value={i.id} />
                                    <Button type="submit" variant="danger" aria-label={`Revoke invitation for ${i.email}`}>
                                      Revoke
                                    </Button>
                                  </form>
                                </li>
                              )}
                            </For>
                          </ul>
                        </Show>
                      )}
                    </Show>
                  </Card>
                </Show>
              </div>

              <Show when={manage()}>
                <Card title="Invite someone">
                  <Show when={limitOf(c(), 'hosts')}>{(u) => <div class="mb-4"><UsageMeter usage={u()} label="Host seats" /></div>}</Show>
                  <FormError result={invite.result} />
                  <Show when={acceptUrl()}>
                    {(url) => (
                      <Alert tone="success" class="mb-4" title="Invitation created">
                        <p class="mb-2">
                          {mailed()
                            ? 'We mailed it to them; you can also copy the link yourself. It works once, for 7 days.'
                            : 'Not mailed (the hourly invitation mail budget is spent): copy this link to the person you invited. It works once, for 7 days.'}
                        </p>
                        <CopyField label="Invitation link" value={url()} testId="invite-url" />
                      </Alert>
                    )}
                  </Show>
                  <form ref={inviteForm} action={inviteAction} method="post" class="space-y-4">
                    <input type="hidden" name="organizationId" value={c().organization.id} />
                    <Field label="Email" name="email" type="email" required error={inviteErrors().email} />
                    <SelectField label="Role" name="role" value="viewer" options={assignable()} error={inviteErrors().role} />
                    <Button type="submit" loading={invite.pending} class="w-full">
                      Create invitation
                    </Button>
                  </form>
                </Card>
              </Show>
            </div>
          </>
        );
      }}
    </Show>
  );
}
