// A recording's player (dashboard player page and the public VOD embed): the browser's controls
// (seek, volume, fullscreen) plus a speed picker. Keyboard on the video: space or k plays/pauses,
// arrows seek 5 s, f fullscreen, m mutes. An HLS recording (an ended HLS run: a .m3u8 playlist)
// plays through hls.js, loaded only for it, or the browser's own HLS (Safari).
//
// A server recording's further tracks (a screen share recorded as its own video file) are offered
// by a switch above the player: Camera shows the recording, Screen shows the share in its place.
// The recording's <video> stays the clock and the sound (its controls, speed and keys drive
// everything); the screen's muted <video> lies over its picture, above the control bar, and is
// kept at the same moment (its offset from the recording's start applied), paused where the
// share was not running.
import { For, Show, createSignal, onCleanup, onMount } from 'solid-js';
import { trackTime } from './vod-tracks';

/** A further track of the recording, as the API lists it (offsetMs: from the recording's start). */
export interface VodTrack {
  id: string;
  kind: 'screen' | 'camera';
  offsetMs: number;
  src: string;
}

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
  // With a screen track shown over the recording, both go fullscreen together (their wrapper).
  else if (event.key === 'f') void (video.parentElement?.querySelector('[data-testid="vod-track"]') ? video.parentElement : video).requestFullscreen?.();
  else if (event.key === 'm') video.muted = !video.muted;
}

const isHls = (src: string) => new URL(src, 'http://x').pathname.endsWith('.m3u8');

export function VodPlayer(props: { src: string; poster?: string | null; class?: string; speedClass?: string; tracks?: VodTrack[] }) {
  let video: HTMLVideoElement | undefined;
  let overlay: HTMLVideoElement | undefined;
  // null: the recording itself (camera); else the id of the track shown in its place.
  const [shown, setShown] = createSignal<string | null>(null);
  const [outside, setOutside] = createSignal(false);
  const track = () => props.tracks?.find((t) => t.id === shown());
  /** Lines the shown track up with the recording: same moment (drift over 0.25 s corrected), same rate, same play state. */
  const sync = () => {
    const t = track();
    if (!video || !overlay || !t) return;
    const at = trackTime(video.currentTime, t.offsetMs, overlay.duration);
    setOutside(at === null);
    if (at === null) return void overlay.pause();
    if (Math.abs(overlay.currentTime - at) > 0.25) overlay.currentTime = at;
    overlay.playbackRate = video.playbackRate;
    if (video.paused) overlay.pause();
    else if (overlay.paused) void overlay.play().catch(() => {});
  };
  const label = (t: VodTrack) => {
    const same = (props.tracks ?? []).filter((o) => o.kind === t.kind);
    const name = t.kind === 'screen' ? 'Screen' : 'Late camera';
    return same.length > 1 ? `${name} ${same.indexOf(t) + 1}` : name;
  };
  onMount(() => {
    if (!isHls(props.src)) return;
    let destroy = () => {};
    onCleanup(() => destroy());
    void (async () => {
      const { default: Hls } = await import('hls.js');
      if (!video) return;
      if (!Hls.isSupported()) {
        video.src = props.src;
        return;
      }
      const hls = new Hls();
      destroy = () => hls.destroy();
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (data.fatal && data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      });
      hls.loadSource(props.src);
      hls.attachMedia(video);
    })();
  });
  return (
    <>
      <Show when={props.tracks?.length}>
        <div class="mb-3 inline-flex rounded-md border border-slate-300 text-sm" role="group" aria-label="View">
          <button type="button" data-testid="vod-view-camera" aria-pressed={shown() === null} class={`px-3 py-1 ${shown() === null ? 'bg-slate-900 text-white' : 'text-slate-700'}`} onClick={() => setShown(null)}>
            Camera
          </button>
          <For each={props.tracks}>
            {(t) => (
              <button type="button" data-testid={`vod-view-${t.kind}`} aria-pressed={shown() === t.id} class={`border-l border-slate-300 px-3 py-1 ${shown() === t.id ? 'bg-slate-900 text-white' : 'text-slate-700'}`} onClick={() => setShown(t.id)}>
                {label(t)}
              </button>
            )}
          </For>
        </div>
      </Show>
      <div class="relative">
        <video
          ref={video}
          data-testid="vod-player"
          class={props.class ?? 'aspect-video w-full rounded bg-black'}
          controls
          preload="metadata"
          src={isHls(props.src) ? undefined : props.src}
          poster={props.poster ?? undefined}
          tabIndex={0}
          onKeyDown={onKey}
          onPlay={sync}
          onPause={sync}
          onSeeked={sync}
          onRateChange={sync}
          onTimeUpdate={sync}
        />
        <Show when={track()}>
          {(t) => (
            // Above the recording's control bar (which stays usable), clicks pass through to it.
            <div class="pointer-events-none absolute inset-x-0 top-0 bottom-12 flex items-center justify-center rounded-t bg-black">
              <video ref={overlay} data-testid="vod-track" class="h-full w-full object-contain" muted playsinline preload="auto" src={t().src} onLoadedMetadata={sync} />
              <Show when={outside()}>
                <p class="absolute text-sm text-slate-300">The screen was not shared at this moment.</p>
              </Show>
            </div>
          )}
        </Show>
      </div>
      <label class={`mt-3 inline-flex items-center gap-2 text-sm ${props.speedClass ?? 'text-slate-700'}`}>
        Speed
        <select data-testid="vod-speed" class="rounded-md border-slate-300 py-1 text-sm text-slate-900" onChange={(e) => video && (video.playbackRate = Number(e.currentTarget.value))}>
          <For each={SPEEDS}>{(speed) => <option value={speed} selected={speed === 1}>{speed}×</option>}</For>
        </select>
      </label>
    </>
  );
}
