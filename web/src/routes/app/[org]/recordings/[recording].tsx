// /app/{org}/recordings/{id}: plays one recording from the object store through a presigned GET
// (fetched when the page opens, valid a few minutes) in the shared VodPlayer (speed, keyboard).
// Those who may manage recordings publish it here: it then shows on the organization's public
// page and plays in the VOD embed, while its room is public.
import { createAsync, useParams, useSubmission } from '@solidjs/router';
import { Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { Button } from '~/components/Button';
import { Card } from '~/components/Card';
import { CopyField } from '~/components/CopyButton';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { VodPlayer } from '~/components/VodPlayer';
import { allowed, getOrganization } from '~/dashboard/organization';
import { formatBytes, formatDuration } from '~/dashboard/recording-format';
import { getRecording, publishRecordingAction } from '~/dashboard/recordings';

export default function RecordingPlayer() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!));
  const data = createAsync(() => getRecording(params.org!, params.recording!));
  const published = useSubmission(publishRecordingAction);
  return (
    <Show when={data()} fallback={<Spinner label="Loading recording" />}>
      {(d) => (
        <>
          <PageHeader title="Recording" description={`${new Date(d().recording.startedAt).toLocaleString('en-US')} · ${formatDuration(d().recording.durationMs)} · ${formatBytes(d().recording.sizeBytes)}`} />
          <Card>
            <Show when={d().recording.status === 'partial'}>
              <Alert tone="info">The media node was lost during this recording: it plays what had been uploaded.</Alert>
            </Show>
            <Show when={d().playbackUrl} fallback={<Alert tone="info">This recording is {d().recording.status}: there is nothing to play.</Alert>}>
              {(url) => <VodPlayer src={url()} poster={d().posterUrl} />}
            </Show>
          </Card>
          <Show when={d().playbackUrl && ctx() && allowed(ctx(), 'recording.manage')}>
            <Card title="Publish" class="mt-6" description="A published recording of a public room is listed on your organization's public page and plays in the embeddable player.">
              <FormError result={published.result} />
              <form method="post" action={publishRecordingAction} class="flex flex-wrap items-center gap-3">
                <input type="hidden" name="organizationId" value={ctx()!.organization.id} />
                <input type="hidden" name="recordingId" value={d().recording.id} />
                <input type="hidden" name="publish" value={d().recording.publishedAt ? 'false' : 'true'} />
                <span data-testid="recording-published" class="text-sm text-slate-700">{d().recording.publishedAt ? 'Published' : 'Not published'}</span>
                <Button type="submit" variant="secondary">{d().recording.publishedAt ? 'Unpublish' : 'Publish'}</Button>
              </form>
              <Show when={d().recording.publishedAt}>
                <div class="mt-4 grid gap-2 text-sm">
                  <CopyField label="Public page" value={`${ctx()!.origin}/o/${ctx()!.organization.slug}`} />
                  <CopyField label="Embed" value={`<iframe src="${ctx()!.origin}/embed/vod/${d().recording.id}" width="960" height="540" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen style="border:0"></iframe>`} />
                </div>
              </Show>
            </Card>
          </Show>
        </>
      )}
    </Show>
  );
}
