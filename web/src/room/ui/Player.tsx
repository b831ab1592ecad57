// The viewer's player: the on-stage people's tracks in the room's layout with its banner
// (StageView), the room's audio behind an explicit unmute (browsers refuse to autoplay sound),
// fullscreen, and the waiting / live / reconnecting / ended states over the picture. It falls
// back to the room's HLS (HlsPlayer) when WebRTC fails (no video arrives, or media reports an
// error) while HLS is live (and stays on that run across a node loss: playback-mode.ts), when the
// room is full (a broadcast to more viewers than WebRTC seats), or when asked (`?playback=hls`);
// a badge says which mode the viewer is in.
import { createEffect, createSignal, onCleanup, onMount, Show } from 'solid-js';
import type { RoomClient, RoomViewState } from '@roomcast/client';
import type { Brand } from '@roomcast/schema/api';
import { HlsPlayer } from './HlsPlayer';
import { fellBackTo, playbackMode } from './playback-mode';
import { StageView, stageTiles } from './StageView';
import { RecBadge, RoomBadge } from './RoomBadge';

const OVERLAY: Record<string, string> = {
  connecting: 'Connecting…',
  waiting: 'Waiting for the host to go live',
  reconnecting: 'Reconnecting…',
};

/** WebRTC that has not delivered the room's video for this long counts as failed. */
const WEBRTC_STALL_MS = 15_000;

export function Player(props: { state: RoomViewState; client: RoomClient; title: string; brand?: Brand | null | undefined; hlsUrl?: string | undefined; forceHls?: boolean }) {
  const [muted, setMuted] = createSignal(true);
  const [stalled, setStalled] = createSignal(false);
  createEffect(() => {
    const expecting = props.state.phase === 'live' && props.state.media.producers.some((p) => p.kind === 'video');
    const receiving = props.state.media.remote.some((r) => r.producer.kind === 'video');
    setStalled(false);
    if (!expecting || receiving) return;
    const timer = setTimeout(() => setStalled(true), WEBRTC_STALL_MS);
    onCleanup(() => clearTimeout(timer));
  });
  const [fallback, setFallback] = createSignal<string>();
  createEffect(() => setFallback((current) => fellBackTo(props.state.room?.hls, stalled() || Boolean(props.state.media.error), current)));
  const mode = () =>
    playbackMode({ hlsUrl: Boolean(props.hlsUrl), forced: Boolean(props.forceHls) || props.state.closed?.code === 'room_full', run: props.state.room?.hls, fellBackTo: fallback() });
  const [fullscreen, setFullscreen] = createSignal(false);
  let frame!: HTMLDivElement;
  let audio!: HTMLAudioElement;
  const studio = () => props.state.room?.studio;
  const audioTracks = () => props.state.media.remote.filter((r) => r.producer.kind === 'audio').map((r) => r.track);

  createEffect(() => {
    const tracks = audioTracks();
    audio.srcObject = tracks.length ? new MediaStream(tracks) : null;
    if (tracks.length) void audio.play().catch(() => setMuted(true));
  });
  createEffect(() => {
    // In HLS mode the sound comes with the HLS video.
    audio.muted = muted() || mode() === 'hls';
    if (!audio.muted) void audio.play().catch(() => setMuted(true));
  });
  const toggleFullscreen = async () => {
    if (document.fullscreenElement) await document.exitFullscreen();
    else await frame.requestFullscreen().catch(() => {});
  };
  onMount(() => {
    const sync = () => setFullscreen(Boolean(document.fullscreenElement));
    document.addEventListener('fullscreenchange', sync);
    onCleanup(() => document.removeEventListener('fullscreenchange', sync));
  });

  return (
    <div ref={frame} class="relative aspect-video w-full overflow-hidden rounded-lg bg-black" data-testid="player">
      <Show
        when={mode() === 'hls'}
        fallback={
          <StageView
            tiles={stageTiles(props.state).filter((t) => t.camera || t.screen)}
            layout={studio()?.layout ?? 'grid'}
            spotlight={studio()?.spotlight ?? null}
            banner={studio()?.banner ?? null}
            brand={props.brand}
            onLayer={(layer) => props.client.media?.setPreferredLayer('camera', layer)}
          />
        }
      >
        <HlsPlayer src={props.hlsUrl!} muted={muted()} />
      </Show>
      <audio ref={audio} autoplay data-testid="room-audio" />

      <Show when={props.state.phase !== 'live' && mode() === 'webrtc'}>
        <div class="absolute inset-0 flex flex-col items-center justify-center gap-2 bg-black/60 p-4 text-center text-white">
          <Show when={props.state.phase === 'ended'} fallback={<p class="text-lg font-semibold">{OVERLAY[props.state.phase]}</p>}>
            <p class="text-lg font-semibold" data-testid="ended-message">This room has ended</p>
            <p class="text-sm text-white/80">{props.state.closed?.message}</p>
          </Show>
          <Show when={props.state.media.error && props.state.phase !== 'ended'}>
            <p class="text-sm text-amber-200">{props.state.media.error}</p>
          </Show>
        </div>
      </Show>

      <div class="absolute inset-x-0 top-0 flex items-center gap-2 bg-gradient-to-b from-black/60 to-transparent p-3 text-white">
        <RoomBadge phase={props.state.phase} />
        <RecBadge recording={props.state.room?.recording} />
        <span
          data-testid="playback-mode"
          data-mode={mode()}
          title={mode() === 'hls' ? 'Watching the broadcast stream (HLS): a few seconds behind' : 'Watching in real time (WebRTC)'}
          class="rounded-full bg-white/20 px-2 py-0.5 text-xs font-semibold"
        >
          {mode() === 'hls' ? 'HLS' : 'WebRTC'}
        </span>
        <span class="truncate text-sm font-medium">{props.title}</span>
      </div>
      <div class="absolute inset-x-0 bottom-0 flex items-center justify-end gap-2 bg-gradient-to-t from-black/60 to-transparent p-3">
        <Show when={audioTracks().length > 0 || mode() === 'hls'}>
          <button
            type="button"
            data-testid="unmute"
            class="rounded-md bg-white/90 px-3 py-1.5 text-sm font-semibold text-slate-900 hover:bg-white"
            aria-pressed={!muted()}
            onClick={() => setMuted(!muted())}
          >
            {muted() ? 'Unmute' : 'Mute'}
          </button>
        </Show>
        <button type="button" class="rounded-md bg-white/90 px-3 py-1.5 text-sm font-semibold text-slate-900 hover:bg-white" onClick={() => void toggleFullscreen()}>
          {fullscreen() ? 'Exit fullscreen' : 'Fullscreen'}
        </button>
      </div>
    </div>
  );
}
