// /app/{org}/rooms: every room of the organization; create one (with the plan's room limit shown
// before it is reached).
import { createAsync, useParams, useSubmission, type RouteDefinition } from '@solidjs/router';
import { createEffect, For, Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { Button } from '~/components/Button';
import { Card } from '~/components/Card';
import { EmptyState } from '~/components/EmptyState';
import { Field, SelectField } from '~/components/Field';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { StatusBadge } from '~/components/StatusBadge';
import { UsageMeter } from '~/components/UsageMeter';
import { allowed, atLimit, getOrganization, limitOf } from '~/dashboard/organization';
import { createRoomAction, getRooms, VISIBILITY_OPTIONS } from '~/dashboard/rooms';
import type { FormFailure } from '~/server/forms';

export const route = {
  preload: ({ params }) => {
    void getOrganization(params.org!);
    void getRooms(params.org!);
  },
} satisfies RouteDefinition;

export default function Rooms() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  const page = createAsync(() => getRooms(params.org!));
  const created = useSubmission(createRoomAction);
  const errors = () => (created.result as FormFailure | undefined)?.fields ?? {};
  let form: HTMLFormElement | undefined;
  createEffect(() => {
    if ((created.result as { ok?: boolean } | undefined)?.ok) form?.reset();
  });
  const roomUsage = () => limitOf(ctx(), 'rooms');
  const workspaceName = (id: string) => page()?.workspaces.find((w) => w.id === id)?.name ?? '';

  return (
    <Show when={ctx()} fallback={<Spinner />}>
      {(c) => (
        <>
          <PageHeader title="Rooms" description="Live rooms your hosts broadcast from and your viewers join." />
          <div class="grid gap-6 lg:grid-cols-3">
            <Card title="All rooms" class="lg:col-span-2">
              <Show when={page()} fallback={<Spinner label="Loading rooms" />}>
                {(p) => (
                  <Show
                    when={p().rooms.length > 0}
                    fallback={
                      <EmptyState title="No rooms yet">
                        {allowed(c(), 'room.manage') ? 'Create your first room with the form.' : 'Hosts and admins create rooms.'}
                      </EmptyState>
                    }
                  >
                    <ul class="divide-y divide-slate-100" aria-label="Rooms">
                      <For each={p().rooms}>
                        {(room) => (
                          <li class="flex flex-wrap items-center justify-between gap-2 py-3">
                            <div class="min-w-0">
                              <a class="font-medium text-indigo-700 hover:underline" href={`/app/${c().organization.slug}/rooms/${room.id}`}>
                                {room.title}
                              </a>
                              <p class="text-xs text-slate-500">
                                /{room.slug} · {workspaceName(room.workspaceId)} · {room.visibility}
                              </p>
                            </div>
                            <StatusBadge status={room.status} />
                          </li>
                        )}
                      </For>
                    </ul>
                  </Show>
                )}
              </Show>
            </Card>

            <Show when={allowed(c(), 'room.manage')}>
              <Card title="New room">
                <Show when={roomUsage()}>{(u) => <div class="mb-4"><UsageMeter usage={u()} /></div>}</Show>
                <Show when={atLimit(roomUsage())}>
                  <Alert tone="warning" class="mb-4" title="Room limit reached">
                    The {c().plan.name} plan allows {roomUsage()!.max} rooms.{' '}
                    {allowed(c(), 'billing.manage') ? (
                      <a class="font-semibold underline" href={`/app/${c().organization.slug}/billing`}>
                        Upgrade to add more
                      </a>
                    ) : (
                      'Ask an owner or admin to upgrade.'
                    )}
                  </Alert>
                </Show>
                <FormError result={created.result} />
                <form ref={form} action={createRoomAction} method="post" class="space-y-4">
                  <input type="hidden" name="organizationId" value={c().organization.id} />
                  <fieldset disabled={atLimit(roomUsage())} class="space-y-4">
                    <Field label="Title" name="title" required maxLength={200} error={errors().title} />
                    <Field
                      label="Slug"
                      name="slug"
                      pattern="[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?"
                      maxLength={64}
                      hint="Optional: the room's address, e.g. market-open. Made from the title when empty."
                      error={errors().slug}
                    />
                    <SelectField
                      label="Workspace"
                      name="workspaceId"
                      options={(page()?.workspaces ?? []).map((w) => ({ value: w.id, label: w.name }))}
                      error={errors().workspaceId}
                    />
                    <SelectField label="Who can watch" name="visibility" options={VISIBILITY_OPTIONS} value="members" error={errors().visibility} />
                    <Button type="submit" loading={created.pending} class="w-full">
                      Create room
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
