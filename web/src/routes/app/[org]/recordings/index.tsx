// /app/{org}/recordings: the VOD library. Every member sees the organization's server recordings
// (poster, room, date, duration, size, status), a page at a time (older pages at ?before=); those
// who may record can delete them.
import { A, createAsync, useParams, useSubmission, type RouteDefinition } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { FormError } from '~/components/Alert';
import { Button } from '~/components/Button';
import { Card } from '~/components/Card';
import { EmptyState } from '~/components/EmptyState';
import { PageHeader } from '~/components/PageHeader';
import { PageNav, useBeforeCursor } from '~/components/PageNav';
import { Spinner } from '~/components/Spinner';
import { allowed, getOrganization } from '~/dashboard/organization';
import { deleteRecordingAction, getRecordings } from '~/dashboard/recordings';
import { formatBytes, formatDuration } from '~/dashboard/recording-format';

export const route = { preload: ({ params }) => getOrganization(params.org!) } satisfies RouteDefinition;

const when = (iso: string) => new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });

export default function Recordings() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  const before = useBeforeCursor();
  const page = createAsync(() => getRecordings(params.org!, before()));
  const deleted = useSubmission(deleteRecordingAction);
  return (
    <Show when={ctx()} fallback={<Spinner />}>
      {(c) => (
        <>
          <PageHeader title="Recordings" description="Server recordings of your rooms. Start one from the API while a room is live (Professional and higher plans)." />
          <Card title="Library">
            <FormError result={deleted.result} />
            <Show when={page()} fallback={<Spinner label="Loading recordings" />}>
              {(p) => (
                <Show when={p().recordings.length > 0} fallback={<EmptyState title="No recordings yet">Recordings of live rooms appear here.</EmptyState>}>
                  <table class="w-full text-left text-sm" aria-label="Recordings">
                    <thead class="text-xs uppercase text-slate-500">
                      <tr>
                        <th class="py-2">
                          <span class="sr-only">Poster</span>
                        </th>
                        <th>Room</th>
                        <th>Started</th>
                        <th>Duration</th>
                        <th>Size</th>
                        <th>Status</th>
                        <th />
                      </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100">
                      <For each={p().recordings}>
                        {(r) => (
                          <tr data-recording={r.id}>
                            <td class="w-24 py-2 pr-3">
                              <div class="aspect-video w-20 overflow-hidden rounded bg-slate-900">
                                <Show when={r.posterUrl}>{(src) => <img src={src()} alt="" loading="lazy" class="h-full w-full object-cover" />}</Show>
                              </div>
                            </td>
                            <td class="py-2">
                              <Show when={r.status === 'ready' || r.status === 'partial'} fallback={p().roomTitles[r.roomId] ?? 'Deleted room'}>
                                <A class="font-medium text-indigo-700 hover:underline" href={`/app/${c().organization.slug}/recordings/${r.id}`}>
                                  {p().roomTitles[r.roomId] ?? 'Deleted room'}
                                </A>
                              </Show>
                              <Show when={r.source === 'local'}>
                                <span class="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600" data-testid="recording-local" title="Recorded in the host's browser (Record locally in the studio)">
                                  local
                                </span>
                              </Show>
                              <Show when={r.source === 'hls'}>
                                <span class="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600" data-testid="recording-hls" title="The room's HLS broadcast, kept when it ended">
                                  HLS
                                </span>
                              </Show>
                            </td>
                            <td>{when(r.startedAt)}</td>
                            <td>{formatDuration(r.durationMs)}</td>
                            <td>{formatBytes(r.sizeBytes)}</td>
                            <td data-testid="recording-status">{r.status}</td>
                            <td class="text-right">
                              <Show when={allowed(c(), 'recording.manage') && r.status !== 'recording' && r.status !== 'finalizing'}>
                                <form method="post" action={deleteRecordingAction}>
                                  <input type="hidden" name="organizationId" value={c().organization.id} />
                                  <input type="hidden" name="recordingId" value={r.id} />
                                  <Button type="submit" variant="secondary">Delete</Button>
                                </form>
                              </Show>
                            </td>
                          </tr>
                        )}
                      </For>
                    </tbody>
                  </table>
                  <PageNav path={`/app/${c().organization.slug}/recordings`} before={before()} nextCursor={p().nextCursor} olderLabel="Older recordings" />
                </Show>
              )}
            </Show>
          </Card>
        </>
      )}
    </Show>
  );
}
