// A recording's player (dashboard player page and the public VOD embed): the browser's controls
// (seek, volume, fullscreen) plus a speed picker. Keyboard on the video: space or k plays/pauses,
// arrows seek 5 s, f fullscreen, m mutes.
import { For } from 'solid-js';

const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];

// Space is left to the native controls: they toggle on it too, and handling it here as well
// toggled twice (nothing happened).
function onKey(event: KeyboardEvent) {
  const video = event.currentTarget as HTMLVideoElement;
  if (event.key === 'k') {
    event.preventDefault();
    if (video.paused) void video.play();
    else video.pause();
  } else if (event.key === 'ArrowRight') video.currentTime += 5;
  else if (event.key === 'ArrowLeft') video.currentTime = Math.max(0, video.currentTime - 5);
  else if (event.key === 'f') void video.requestFullscreen?.();
  else if (event.key === 'm') video.muted = !video.muted;
}

export function VodPlayer(props: { src: string; poster?: string | null; class?: string; speedClass?: string }) {
  let video: HTMLVideoElement | undefined;
  return (
    <>
      <video ref={video} data-testid="vod-player" class={props.class ?? 'aspect-video w-full rounded bg-black'} controls preload="metadata" src={props.src} poster={props.poster ?? undefined} tabIndex={0} onKeyDown={onKey} />
      <label class={`mt-3 inline-flex items-center gap-2 text-sm ${props.speedClass ?? 'text-slate-700'}`}>
        Speed
        <select data-testid="vod-speed" class="rounded-md border-slate-300 py-1 text-sm text-slate-900" onChange={(e) => video && (video.playbackRate = Number(e.currentTarget.value))}>
          <For each={SPEEDS}>{(speed) => <option value={speed} selected={speed === 1}>{speed}×</option>}</For>
        </select>
      </label>
    </>
  );
}
