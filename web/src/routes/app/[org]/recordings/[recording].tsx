// /app/{org}/recordings/{id}: plays one recording from the object store through a presigned GET
// (fetched when the page opens, valid a few minutes; the browser's own controls give seek,
// volume and fullscreen; a speed picker beside them). Keyboard: space or k plays/pauses, arrows
// seek 5 s, f fullscreen, m mutes.
import { createAsync, useParams } from '@solidjs/router';
import { For, Show } from 'solid-js';
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
  else if (event.key === 'm') video.muted = !video.muted;
}

const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];

export default function RecordingPlayer() {
  const params = useParams();
  const data = createAsync(() => getRecording(params.org!, params.recording!));
  let video: HTMLVideoElement | undefined;
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
                <>
                  <video ref={video} data-testid="vod-player" class="aspect-video w-full rounded bg-black" controls preload="metadata" src={url()} poster={d().posterUrl ?? undefined} tabIndex={0} onKeyDown={onKey} />
                  <label class="mt-3 inline-flex items-center gap-2 text-sm text-slate-700">
                    Speed
                    <select data-testid="vod-speed" class="rounded-md border-slate-300 py-1 text-sm" onChange={(e) => video && (video.playbackRate = Number(e.currentTarget.value))}>
                      <For each={SPEEDS}>{(speed) => <option value={speed} selected={speed === 1}>{speed}×</option>}</For>
                    </select>
                  </label>
                </>
              )}
            </Show>
          </Card>
        </>
      )}
    </Show>
  );
}
