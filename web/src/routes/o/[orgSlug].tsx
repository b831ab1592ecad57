// /o/{orgSlug}: an organization's public page, for anyone: the published recordings of its public
// rooms (poster, title, date, duration), each playing in the VOD player, a page at a time (older
// pages at ?before=). Unknown: "not found".
import { Title } from '@solidjs/meta';
import { A, createAsync, useParams, type RouteDefinition } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { EmptyState } from '~/components/EmptyState';
import { PageNav, useBeforeCursor } from '~/components/PageNav';
import { Spinner } from '~/components/Spinner';
import { formatDuration } from '~/dashboard/recording-format';
import { getPublicRecordings } from '~/vod/queries';

export const route = { preload: ({ params, location }) => getPublicRecordings(params.orgSlug!, new URLSearchParams(location.search).get('before') || undefined) } satisfies RouteDefinition;

const day = (iso: string) => new Date(iso).toLocaleDateString('en-US', { dateStyle: 'medium' });

export default function OrganizationPage() {
  const params = useParams();
  const before = useBeforeCursor();
  const page = createAsync(() => getPublicRecordings(params.orgSlug!, before()), { deferStream: true });
  return (
    <main class="mx-auto max-w-5xl px-4 py-10">
      <Show when={page() !== undefined} fallback={<Spinner />}>
        <Show when={page()} fallback={<p class="text-center text-slate-600">This page does not exist.</p>}>
          {(p) => (
            <>
              <Title>{p().organizationName}</Title>
              <h1 class="text-2xl font-semibold text-slate-900">{p().organizationName}</h1>
              <p class="mt-1 text-sm text-slate-500">Past streams</p>
              <Show when={p().recordings.length > 0} fallback={<div class="mt-6"><EmptyState title="Nothing published yet" /></div>}>
                <ul class="mt-6 grid gap-6 sm:grid-cols-2 lg:grid-cols-3" aria-label="Recordings">
                  <For each={p().recordings}>
                    {(r) => (
                      <li data-public-recording={r.id}>
                        <A href={`/embed/vod/${r.id}`} class="group block">
                          <div class="aspect-video overflow-hidden rounded-lg bg-slate-900">
                            <Show when={r.posterUrl}>{(src) => <img src={src()} alt="" class="h-full w-full object-cover group-hover:opacity-90" />}</Show>
                          </div>
                          <p class="mt-2 font-medium text-slate-900 group-hover:underline">{r.title}</p>
                          <p class="text-sm text-slate-500">
                            {day(r.startedAt)} · {formatDuration(r.durationMs)}
                          </p>
                        </A>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
              <PageNav path={`/o/${params.orgSlug}`} before={before()} nextCursor={p().nextCursor} olderLabel="Older recordings" />
            </>
          )}
        </Show>
      </Show>
    </main>
  );
}
