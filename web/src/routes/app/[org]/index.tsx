// /app/{org}: the organization at a glance: plan usage, live rooms, where to go next.
import { createAsync, useParams, type RouteDefinition } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { ButtonLink } from '~/components/Button';
import { Card } from '~/components/Card';
import { EmptyState } from '~/components/EmptyState';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { UsageMeter } from '~/components/UsageMeter';
import { allowed, getOrganization } from '~/dashboard/organization';
import { getRooms } from '~/dashboard/rooms';

export const route = {
  preload: ({ params }) => {
    void getOrganization(params.org!);
    void getRooms(params.org!);
  },
} satisfies RouteDefinition;

export default function Overview() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  const rooms = createAsync(() => getRooms(params.org!));
  const live = () => rooms()?.rooms.filter((r) => r.status === 'live') ?? [];
  return (
    <Show when={ctx()} fallback={<Spinner />}>
      {(c) => (
        <>
          <PageHeader
            title={c().organization.name}
            description={
              <>
                You are <strong class="font-medium text-slate-700">{c().organization.role}</strong> here · {c().plan.name} plan
              </>
            }
            actions={
              <Show when={allowed(c(), 'room.manage')}>
                <ButtonLink variant="primary" href={`/app/${c().organization.slug}/rooms`}>
                  New room
                </ButtonLink>
              </Show>
            }
          />
          <div class="grid gap-6 lg:grid-cols-3">
            <Card title="Live now" class="lg:col-span-2">
              <Show when={rooms()} fallback={<Spinner label="Loading rooms" />}>
                <Show
                  when={live().length > 0}
                  fallback={
                    <EmptyState title="No room is live">
                      {rooms()!.rooms.length} room{rooms()!.rooms.length === 1 ? '' : 's'} ready.{' '}
                      <a class="font-medium text-indigo-600 hover:underline" href={`/app/${c().organization.slug}/rooms`}>
                        See all rooms
                      </a>
                    </EmptyState>
                  }
                >
                  <ul class="divide-y divide-slate-100">
                    <For each={live()}>
                      {(room) => (
                        <li class="flex items-center justify-between py-2">
                          <a class="font-medium text-indigo-700 hover:underline" href={`/app/${c().organization.slug}/rooms/${room.id}`}>
                            {room.title}
                          </a>
                          <span class="rounded-full bg-red-100 px-2 py-0.5 text-xs font-semibold text-red-700">LIVE</span>
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
              </Show>
            </Card>
            <Card title="Plan usage" description={`${c().plan.name} plan`}>
              <div class="space-y-4">
                <For each={c().limits.filter((l) => l.limit !== 'viewers_per_room' && l.limit !== 'storage')}>
                  {(usage) => <UsageMeter usage={usage} />}
                </For>
                <a class="inline-block text-sm font-medium text-indigo-600 hover:underline" href={`/app/${c().organization.slug}/plan`}>
                  Plan details
                </a>
              </div>
            </Card>
          </div>
        </>
      )}
    </Show>
  );
}
