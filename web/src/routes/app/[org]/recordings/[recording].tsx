// /app/{org}/recordings/{id}: plays one recording from the object store through a presigned GET
// (fetched when the page opens, valid a few minutes; the browser's own controls give seek,
// volume, fullscreen and speed). Keyboard: space or k plays/pauses, arrows seek 5 s, f fullscreen.
import { createAsync, useParams } from '@solidjs/router';
import { Show } from 'solid-js';
import { Alert } from '~/components/Alert';
import { Card } from '~/components/Card';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { formatBytes, formatDuration } from '~/dashboard/recording-format';
import { getRecording } from '~/dashboard/recordings';

function onKey(event: KeyboardEvent) {
  const video = event.currentTarget as HTMLVideoElement;
  if (event.key === ' ' || event.key === 'k') {
    event.preventDefault();
    if (video.paused) void video.play();
    else video.pause();
  } else if (event.key === 'ArrowRight') video.currentTime += 5;
  else if (event.key === 'ArrowLeft') video.currentTime = Math.max(0, video.currentTime - 5);
  else if (event.key === 'f') void video.requestFullscreen?.();
}

export default function RecordingPlayer() {
  const params = useParams();
  const data = createAsync(() => getRecording(params.org!, params.recording!));
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
              {(url) => (
                <video data-testid="vod-player" class="aspect-video w-full rounded bg-black" controls preload="metadata" src={url()} poster={d().posterUrl ?? undefined} tabIndex={0} onKeyDown={onKey} />
              )}
            </Show>
          </Card>
        </>
      )}
    </Show>
  );
}
