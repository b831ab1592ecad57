// /app/{org}/rooms/{room}: one room: go live / end, share links for hosts and viewers, the embed
// snippet, settings and deletion, each shown only to roles that may use it.
import { createAsync, useParams, useSubmission, type RouteDefinition } from '@solidjs/router';
import { createSignal, Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { Button, ButtonLink } from '~/components/Button';
import { Card } from '~/components/Card';
import { CopyField } from '~/components/CopyButton';
import { Field, SelectField } from '~/components/Field';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { StatusBadge } from '~/components/StatusBadge';
import { IngestCard } from '~/dashboard/IngestCard';
import { DestinationsCard } from '~/egress/DestinationsCard';
import { allowed, getOrganization, type OrganizationContext } from '~/dashboard/organization';
import { deleteRoomAction, endRoomAction, getRoom, startRoomAction, updateRoomAction, VISIBILITY_OPTIONS } from '~/dashboard/rooms';
import type { Room, Workspace } from '~/server/api';
import type { FormFailure } from '~/server/forms';

export const route = {
  preload: ({ params }) => {
    void getOrganization(params.org!);
    void getRoom(params.org!, params.room!);
  },
} satisfies RouteDefinition;

export default function RoomDetail() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  const data = createAsync(() => getRoom(params.org!, params.room!));

  return (
    <Show when={ctx()} fallback={<Spinner label="Loading room" />}>
      {(c) => (
        <Show when={data()} fallback={<Spinner label="Loading room" />}>
          {(d) => <RoomView c={c()} room={d().room} workspaces={d().workspaces} />}
        </Show>
      )}
    </Show>
  );
}

function RoomView(props: { c: OrganizationContext; room: Room; workspaces: Workspace[] }) {
  const start = useSubmission(startRoomAction);
  const end = useSubmission(endRoomAction);
  const update = useSubmission(updateRoomAction);
  const remove = useSubmission(deleteRoomAction);
  const [confirmDelete, setConfirmDelete] = createSignal(false);
  const errors = () => (update.result as FormFailure | undefined)?.fields ?? {};
  const c = () => props.c;
  const room = () => props.room;
  const viewerUrl = () => `${c().origin}/r/${c().organization.slug}/${room().slug}`;
  const hostUrl = () => `${viewerUrl()}/host`;
  const embed = () =>
    `<iframe src="${c().origin}/embed/${room().id}" width="960" height="540" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen style="border:0"></iframe>`;
  const hidden = () => (
    <>
      <input type="hidden" name="organizationId" value={c().organization.id} />
      <input type="hidden" name="orgSlug" value={c().organization.slug} />
      <input type="hidden" name="roomId" value={room().id} />
    </>
  );
  return (
    <>
      <p class="mb-2 text-sm">
        <a class="text-indigo-600 hover:underline" href={`/app/${c().organization.slug}/rooms`}>
          ← All rooms
        </a>
      </p>
      <PageHeader
        title={room().title}
        description={
          <span class="inline-flex items-center gap-2">
            <StatusBadge status={room().status} /> /{room().slug} · {room().visibility}
          </span>
        }
        actions={
          <>
            <Show when={room().status === 'idle' && allowed(c(), 'room.start')}>
              <form action={startRoomAction} method="post">
                {hidden()}
                <Button type="submit" loading={start.pending}>
                  Start live session
                </Button>
              </form>
            </Show>
            <Show when={room().status === 'live' && allowed(c(), 'room.end')}>
              <form action={endRoomAction} method="post">
                {hidden()}
                <Button type="submit" variant="danger" loading={end.pending}>
                  End live session
                </Button>
              </form>
            </Show>
            <Show when={allowed(c(), 'room.start')}>
              <ButtonLink href={hostUrl()}>Open host studio</ButtonLink>
            </Show>
          </>
        }
      />
      <FormError result={start.result} />
      <FormError result={end.result} />
      <div class="grid gap-6 lg:grid-cols-3">
        <Card title="Share" description="Send viewers the viewer link; hosts go live from the studio." class="lg:col-span-2">
          <div class="space-y-4">
            <CopyField label="Viewer link" value={viewerUrl()} testId="viewer-link" />
            <Show when={allowed(c(), 'room.start')}>
              <CopyField label="Host studio link" value={hostUrl()} testId="host-link" />
            </Show>
            <CopyField label="Embed snippet" value={embed()} multiline testId="embed-snippet" />
            <Show when={room().visibility !== 'public'}>
              <p class="text-xs text-slate-500">
                This room is not public: only signed-in members can watch through these links, and the embed shows a sign-in notice.
              </p>
            </Show>
          </div>
        </Card>

        <Show when={allowed(c(), 'room.manage')}>
          <div class="lg:col-span-2 lg:row-start-2">
            <IngestCard organizationId={c().organization.id} orgSlug={c().organization.slug} roomId={room().id} />
          </div>
        </Show>

        <Show when={allowed(c(), 'egress.manage')}>
          <div class="lg:col-span-2">
            <DestinationsCard organizationId={c().organization.id} roomId={room().id} />
          </div>
        </Show>

        <Show when={allowed(c(), 'room.manage')}>
          <div class="space-y-6">
            <Card title="Settings">
              <FormError result={update.result} />
              <Show when={(update.result as { ok?: boolean } | undefined)?.ok}>
                <Alert tone="success" class="mb-4">
                  Saved.
                </Alert>
              </Show>
              <form action={updateRoomAction} method="post" class="space-y-4">
                {hidden()}
                <Field label="Title" name="title" required maxLength={200} value={room().title} error={errors().title} />
                <Field label="Slug" name="slug" required maxLength={64} value={room().slug} error={errors().slug} />
                <SelectField
                  label="Workspace"
                  name="workspaceId"
                  value={room().workspaceId}
                  options={props.workspaces.map((w) => ({ value: w.id, label: w.name }))}
                  error={errors().workspaceId}
                />
                <SelectField label="Who can watch" name="visibility" value={room().visibility} options={VISIBILITY_OPTIONS} error={errors().visibility} />
                <Field
                  label="Start HLS automatically at this many viewers"
                  name="hlsAutoViewers"
                  type="number"
                  min={1}
                  step={1}
                  value={room().hlsAutoViewers ?? ''}
                  hint="Empty: HLS starts only when a host starts it. Professional and higher plans."
                  error={errors().hlsAutoViewers}
                />
                <Button type="submit" loading={update.pending}>
                  Save changes
                </Button>
              </form>
            </Card>
            <Card title="Delete room">
              <FormError result={remove.result} />
              <Show
                when={confirmDelete()}
                fallback={
                  <Button variant="danger" onClick={() => setConfirmDelete(true)} disabled={room().status === 'live'}>
                    Delete room…
                  </Button>
                }
              >
                <form action={deleteRoomAction} method="post" class="space-y-3">
                  {hidden()}
                  <p class="text-sm text-slate-700">Delete “{room().title}”? Its links stop working.</p>
                  <div class="flex gap-2">
                    <Button type="submit" variant="danger" loading={remove.pending}>
                      Yes, delete
                    </Button>
                    <Button variant="secondary" onClick={() => setConfirmDelete(false)}>
                      Cancel
                    </Button>
                  </div>
                </form>
              </Show>
              <Show when={room().status === 'live'}>
                <p class="mt-2 text-xs text-slate-500">End the live session before deleting the room.</p>
              </Show>
            </Card>
          </div>
        </Show>
      </div>
    </>
  );
}
