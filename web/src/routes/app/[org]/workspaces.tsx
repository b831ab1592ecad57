// /app/{org}/workspaces: workspaces group rooms; owners and admins create, rename and delete them.
import { createAsync, useParams, useSubmission, type RouteDefinition } from '@solidjs/router';
import { createEffect, createSignal, For, Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { Button } from '~/components/Button';
import { Card } from '~/components/Card';
import { EmptyState } from '~/components/EmptyState';
import { Field } from '~/components/Field';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { UsageMeter } from '~/components/UsageMeter';
import { allowed, atLimit, getOrganization, limitOf } from '~/dashboard/organization';
import { createWorkspaceAction, deleteWorkspaceAction, getWorkspaces, renameWorkspaceAction } from '~/dashboard/workspaces';
import type { FormFailure } from '~/server/forms';

export const route = {
  preload: ({ params }) => {
    void getOrganization(params.org!);
    void getWorkspaces(params.org!);
  },
} satisfies RouteDefinition;

export default function Workspaces() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  const workspaces = createAsync(() => getWorkspaces(params.org!));
  const created = useSubmission(createWorkspaceAction);
  const renamed = useSubmission(renameWorkspaceAction);
  const deleted = useSubmission(deleteWorkspaceAction);
  const [editing, setEditing] = createSignal<string | null>(null);
  const errors = () => (created.result as FormFailure | undefined)?.fields ?? {};
  let form: HTMLFormElement | undefined;
  createEffect(() => {
    if ((created.result as { ok?: boolean } | undefined)?.ok) form?.reset();
  });
  createEffect(() => {
    if ((renamed.result as { ok?: boolean } | undefined)?.ok) setEditing(null);
  });
  const usage = () => limitOf(ctx(), 'workspaces');

  return (
    <Show when={ctx()} fallback={<Spinner />}>
      {(c) => (
        <>
          <PageHeader title="Workspaces" description="Group rooms by desk, team or show." />
          <div class="grid gap-6 lg:grid-cols-3">
            <Card title="All workspaces" class="lg:col-span-2">
              <FormError result={deleted.result} />
              <FormError result={renamed.result} />
              <Show when={workspaces()} fallback={<Spinner label="Loading workspaces" />}>
                {(list) => (
                  <Show when={list().length > 0} fallback={<EmptyState title="No workspaces" />}>
                    <ul class="divide-y divide-slate-100" aria-label="Workspaces">
                      <For each={list()}>
                        {(w) => (
                          <li class="flex flex-wrap items-center justify-between gap-2 py-3">
                            <Show
                              when={editing() === w.id}
                              fallback={
                                <div>
                                  <p class="font-medium text-slate-900">{w.name}</p>
                                  <p class="text-xs text-slate-500">/{w.slug}</p>
                                </div>
                              }
                            >
                              <form action={renameWorkspaceAction} method="post" class="flex flex-wrap items-end gap-2">
                                <input type="hidden" name="organizationId" value={c().organization.id} />
                                <input type="hidden" name="workspaceId" value={w.id} />
                                <Field label="New name" name="name" value={w.name} required maxLength={120} />
                                <Button type="submit" loading={renamed.pending}>
                                  Save
                                </Button>
                                <Button variant="ghost" onClick={() => setEditing(null)}>
                                  Cancel
                                </Button>
                              </form>
                            </Show>
                            <Show when={allowed(c(), 'workspace.manage') && editing() !== w.id}>
                              <div class="flex gap-2">
                                <Button variant="secondary" onClick={() => setEditing(w.id)} aria-label={`Rename ${w.name}`}>
                                  Rename
                                </Button>
                                <form action={deleteWorkspaceAction} method="post">
                                  <input type="hidden" name="organizationId" value={c().organization.id} />
                                  <input type="hidden" name="workspaceId" value={w.id} />
                                  <Button type="submit" variant="danger" aria-label={`Delete ${w.name}`}>
                                    Delete
                                  </Button>
                                </form>
                              </div>
                            </Show>
                          </li>
                        )}
                      </For>
                    </ul>
                  </Show>
                )}
              </Show>
            </Card>
            <Show when={allowed(c(), 'workspace.manage')}>
              <Card title="New workspace">
                <Show when={usage()}>{(u) => <div class="mb-4"><UsageMeter usage={u()} /></div>}</Show>
                <Show when={atLimit(usage())}>
                  <Alert tone="warning" class="mb-4" title="Workspace limit reached">
                    The {c().plan.name} plan includes {usage()!.max} workspace{usage()!.max === 1 ? '' : 's'}.{' '}
                    <Show when={allowed(c(), 'billing.manage')}>
                      <a class="font-semibold underline" href={`/app/${c().organization.slug}/billing`}>
                        Upgrade for more
                      </a>
                    </Show>
                  </Alert>
                </Show>
                <FormError result={created.result} />
                <form ref={form} action={createWorkspaceAction} method="post">
                  <input type="hidden" name="organizationId" value={c().organization.id} />
                  <fieldset disabled={atLimit(usage())} class="space-y-4">
                    <Field label="Name" name="name" required maxLength={120} error={errors().name} />
                    <Field label="Slug" name="slug" maxLength={64} hint="Optional; made from the name when empty." error={errors().slug} />
                    <Button type="submit" loading={created.pending} class="w-full">
                      Create workspace
                    </Button>
                  </fieldset>
                </form>
              </Card>
            </Show>
          </div>
        </>
      )}
    </Show>
  );
}
