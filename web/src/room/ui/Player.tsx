// The viewer's player: the on-stage people's tracks in the room's layout with its banner
// (StageView), the room's audio behind an explicit unmute (browsers refuse to autoplay sound),
// fullscreen, and the waiting / live / reconnecting / ended states over the picture.
import { createEffect, createSignal, onCleanup, onMount, Show } from 'solid-js';
import type { RoomClient, RoomViewState } from '@roomcast/client';
import type { Brand } from '@roomcast/schema/api';
import { StageView, stageTiles } from './StageView';
import { RecBadge, RoomBadge } from './RoomBadge';

const OVERLAY: Record<string, string> = {
  connecting: 'Connecting…',
  waiting: 'Waiting for the host to go live',
  reconnecting: 'Reconnecting…',
};

export function Player(props: { state: RoomViewState; client: RoomClient; title: string; brand?: Brand | null | undefined }) {
  const [muted, setMuted] = createSignal(true);
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
    audio.muted = muted();
    if (!muted()) void audio.play().catch(() => setMuted(true));
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
      <StageView
        tiles={stageTiles(props.state).filter((t) => t.camera || t.screen)}
        layout={studio()?.layout ?? 'grid'}
        spotlight={studio()?.spotlight ?? null}
        banner={studio()?.banner ?? null}
        brand={props.brand}
        onLayer={(layer) => props.client.media?.setPreferredLayer('camera', layer)}
      />
      <audio ref={audio} autoplay data-testid="room-audio" />

      <Show when={props.state.phase !== 'live'}>
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
        <span class="truncate text-sm font-medium">{props.title}</span>
      </div>
      <div class="absolute inset-x-0 bottom-0 flex items-center justify-end gap-2 bg-gradient-to-t from-black/60 to-transparent p-3">
        <Show when={audioTracks().length > 0}>
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
