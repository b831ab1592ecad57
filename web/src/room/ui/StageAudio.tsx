// What the people on stage hear: every other person's microphone and a clip's sound, so the host,
// co-hosts and guests can talk to each other while live. Never the studio's program mix: it holds
// this person's own voice, an echo. Browsers may refuse to start sound before a click on the page:
// then a button says so.
import { createEffect, createSignal, Show } from 'solid-js';
import type { RoomViewState } from '@roomcast/client';

export function StageAudio(props: { state: RoomViewState }) {
  let audio!: HTMLAudioElement;
  const [blocked, setBlocked] = createSignal(false);
  const tracks = () => props.state.media.remote.filter((r) => r.producer.kind === 'audio' && r.producer.source !== 'program_audio').map((r) => r.track);
  const play = () => void audio.play().then(() => setBlocked(false), () => setBlocked(true));

  createEffect(() => {
    const heard = tracks();
    audio.srcObject = heard.length ? new MediaStream(heard) : null;
    if (heard.length) play();
  });

  return (
    <>
      <audio ref={audio} autoplay data-testid="stage-audio" data-tracks={tracks().length} />
      <Show when={blocked() && tracks().length > 0}>
        <button type="button" data-testid="stage-audio-start" class="rounded-md bg-amber-100 px-3 py-1.5 text-sm font-semibold text-amber-900 ring-1 ring-amber-300" onClick={play}>
          Turn on the sound of the stage
        </button>
      </Show>
    </>
  );
}
