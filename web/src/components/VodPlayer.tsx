// A recording's player (dashboard player page and the public VOD embed): the browser's controls
// (seek, volume, fullscreen) plus a speed picker. Keyboard on the video: space or k plays/pauses,
// arrows seek 5 s, f fullscreen, m mutes. An HLS recording (an ended HLS run: a .m3u8 playlist)
// plays through hls.js, loaded only for it, or the browser's own HLS (Safari).
import { For, onCleanup, onMount } from 'solid-js';

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

const isHls = (src: string) => new URL(src, 'http://x').pathname.endsWith('.m3u8');

export function VodPlayer(props: { src: string; poster?: string | null; class?: string; speedClass?: string }) {
  let video: HTMLVideoElement | undefined;
  onMount(() => {
    if (!isHls(props.src)) {
      // Chromium refuses a src set while the element was not yet in a page with a window ("Media
      // load rejected by URL safety check", no source selected; seen once in an e2e run), and does
      // not try again by itself. In the page now: select the source again if none was.
      if (video && video.currentSrc === '') video.load();
      return;
    }
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
      <video ref={video} data-testid="vod-player" class={props.class ?? 'aspect-video w-full rounded bg-black'} controls preload="metadata" src={isHls(props.src) ? undefined : props.src} poster={props.poster ?? undefined} tabIndex={0} onKeyDown={onKey} />
      <label class={`mt-3 inline-flex items-center gap-2 text-sm ${props.speedClass ?? 'text-slate-700'}`}>
        Speed
        <select data-testid="vod-speed" class="rounded-md border-slate-300 py-1 text-sm text-slate-900" onChange={(e) => video && (video.playbackRate = Number(e.currentTarget.value))}>
          <For each={SPEEDS}>{(speed) => <option value={speed} selected={speed === 1}>{speed}×</option>}</For>
        </select>
      </label>
    </>
  );
}
