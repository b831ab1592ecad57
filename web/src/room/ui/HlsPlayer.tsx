// The room over HLS (its egress playlist, served by the Worker at /hls/{room}/...): hls.js where
// Media Source Extensions exist, the browser's own HLS otherwise (Safari on iOS). hls.js loads
// only when a viewer needs it, so WebRTC viewers never download it.
import { createSignal, onCleanup, onMount, Show } from 'solid-js';
import { LIVE_HLS_CONFIG, LIVE_NETWORK_RETRIES } from './hls-live-config';

export function HlsPlayer(props: { src: string; muted: boolean }) {
  let video!: HTMLVideoElement;
  const [problem, setProblem] = createSignal<string>();
  onMount(() => {
    let destroy = () => {};
    onCleanup(() => destroy());
    void (async () => {
      const { default: Hls } = await import('hls.js');
      if (!Hls.isSupported()) {
        if (!video.canPlayType('application/vnd.apple.mpegurl')) return setProblem('This browser cannot play HLS');
        video.src = props.src;
        return void video.play().catch(() => {});
      }
      const hls = new Hls(LIVE_HLS_CONFIG);
      // A live stream outlives a bad answer: one unparsable or failed playlist load (a store or CDN
      // hiccup) is fatal to hls.js, so loading starts again a second later, a few times in a row
      // (once the stream was found: a playlist that never came has had its own 30 retries).
      let found = false;
      let networkRetries = 0;
      let retry: ReturnType<typeof setTimeout> | undefined;
      destroy = () => (clearTimeout(retry), hls.destroy());
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) return hls.recoverMediaError();
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR && found && networkRetries++ < LIVE_NETWORK_RETRIES) {
          retry = setTimeout(() => hls.startLoad(), 1000);
          return;
        }
        setProblem('The broadcast stream is not available');
      });
      hls.on(Hls.Events.FRAG_LOADED, () => (networkRetries = 0));
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        found = true;
        setProblem(undefined);
      });
      hls.loadSource(props.src);
      hls.attachMedia(video);
      void video.play().catch(() => {});
    })();
  });
  return (
    <>
      <video ref={video} data-testid="hls-video" aria-label="Broadcast" class="h-full w-full bg-black object-contain" autoplay playsinline muted={props.muted} />
      <Show when={problem()}>
        <p role="alert" class="absolute inset-x-0 bottom-14 text-center text-sm text-amber-200">{problem()}</p>
      </Show>
    </>
  );
}
