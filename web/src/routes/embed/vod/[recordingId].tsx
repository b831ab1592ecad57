// The embeddable VOD player: /embed/vod/{recordingId}, for an <iframe> (framed like /embed/{roomId}:
// nothing here forbids it). Plays only a published recording of a public room; anything else
// (unpublished, another visibility, an unknown id) shows "not available", as the API's 404.
import { Title } from '@solidjs/meta';
import { createAsync, useParams, type RouteDefinition } from '@solidjs/router';
import { Show } from 'solid-js';
import { VodPlayer } from '~/components/VodPlayer';
import { getPublicRecording } from '~/vod/queries';

export const route = { preload: ({ params }) => getPublicRecording(params.recordingId!) } satisfies RouteDefinition;

export default function EmbedVodPage() {
  const params = useParams();
  const recording = createAsync(() => getPublicRecording(params.recordingId!), { deferStream: true });
  return (
    <main class="flex h-screen w-screen flex-col bg-black">
      <Show when={recording() !== undefined}>
        <Show when={recording()} fallback={<p data-testid="vod-unavailable" class="p-4 text-center text-white">This recording is not available.</p>}>
          {(r) => (
            <>
              <Title>{r().title}</Title>
              <VodPlayer src={r().playbackUrl} poster={r().posterUrl} class="min-h-0 w-full flex-1 bg-black" speedClass="mx-2 mb-2 text-slate-200" />
            </>
          )}
        </Show>
      </Show>
    </main>
  );
}
