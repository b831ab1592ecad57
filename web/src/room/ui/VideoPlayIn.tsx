// Pre-recorded video played into the show from the host's browser: a file in a <video>, captured
// with captureStream() and published as a producer with source 'video', which viewers receive like
// a camera and the player shows as its own tile. Picture only: the clip's sound is not published
// yet (the room has one audio source per participant, the microphone).
import { createSignal, onCleanup, Show } from 'solid-js';
import type { RoomClient } from '@roomcast/client';

type CapturableVideo = HTMLVideoElement & { captureStream(): MediaStream };

const button = 'rounded-md bg-white px-2 py-1 text-xs font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50 disabled:opacity-50';

export function VideoPlayIn(props: { client: RoomClient }) {
  const [name, setName] = createSignal<string>();
  const [playing, setPlaying] = createSignal(false);
  const [problem, setProblem] = createSignal<string>();
  let video!: CapturableVideo;
  let url: string | undefined;

  async function load(file: File) {
    setProblem(undefined);
    await stop();
    url = URL.createObjectURL(file);
    video.src = url;
    setName(file.name);
    try {
      await video.play();
      setPlaying(true);
      const track = video.captureStream().getVideoTracks()[0];
      if (!track) throw new Error('the file has no picture');
      await props.client.publish('video', track);
    } catch (error) {
      setProblem(`Could not play ${file.name}: ${(error as Error).message}`);
    }
  }

  async function stop() {
    video.pause();
    setPlaying(false);
    setName(undefined);
    await props.client.media?.unpublish('video');
    if (url) URL.revokeObjectURL(url);
    url = undefined;
  }
  onCleanup(() => void stop());

  return (
    <div class="flex flex-wrap items-center gap-2" data-testid="video-play-in">
      <span class="font-semibold text-slate-900">Video</span>
      <label class={button}>
        Play a video…
        <input type="file" accept="video/*" class="sr-only" data-testid="video-file" onChange={(e) => e.currentTarget.files?.[0] && void load(e.currentTarget.files[0])} />
      </label>
      <Show when={name()}>
        <span class="max-w-40 truncate text-xs text-slate-600">{name()}</span>
        <button
          type="button"
          class={button}
          onClick={() => {
            if (playing()) video.pause();
            else void video.play();
            setPlaying(!playing());
          }}
        >
          {playing() ? 'Pause' : 'Play'}
        </button>
        <button type="button" class={button} onClick={() => void stop()}>
          Stop
        </button>
      </Show>
      {/* Not display:none: a hidden element may stop decoding, and captureStream() with it. */}
      <video ref={video} class="pointer-events-none fixed left-0 top-0 h-px w-px opacity-0" muted playsinline onEnded={() => void stop()} />
      <Show when={problem()}>
        <p role="alert" class="w-full text-xs text-red-700">{problem()}</p>
      </Show>
    </div>
  );
}
