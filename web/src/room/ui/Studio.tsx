// The host studio: camera, microphone and screen with device pickers and mute toggles, a local
// preview (then, once live, the program: the stage in the room's layout, as viewers see it), Go
// live (opens the session through the BFF and publishes: camera as 3-layer simulcast) and End,
// the connection status, the studio controls (guests, stage, layout, banner) and the room's panels.
import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show } from 'solid-js';
import { captureTrack } from '@roomcast/client';
import type { MediaSource } from '@roomcast/schema/protocol';
import { endRoom, rejoinRoom, startRoom } from '../queries';
import type { PublicRoom } from '../queries';
import { LocalRecordingControl } from './local-recording/LocalRecordingControl';
import { MediaView } from './MediaView';
import { RecBadge, RoomBadge } from './RoomBadge';
import { RoomSidebar } from './RoomSidebar';
import { StageAudio } from './StageAudio';
import { StageView, stageTiles } from './StageView';
import { PROGRAM_FPS, PROGRAM_SIZE } from './program/program-layout';
import { useProgramOut } from './program/use-program-out';
import { ClipDeck } from './clips/ClipDeck';
import { StudioControls } from './StudioControls';
import { useRoom } from './use-room';

type Device = { deviceId: string; label: string };

export function Studio(props: { room: PublicRoom }) {
  const room = useRoom();
  const ids = { organizationId: props.room.organizationId, roomId: props.room.roomId };
  const [cameras, setCameras] = createSignal<Device[]>([]);
  const [mics, setMics] = createSignal<Device[]>([]);
  const [cameraId, setCameraId] = createSignal<string>();
  const [micId, setMicId] = createSignal<string>();
  const [tracks, setTracks] = createSignal<Partial<Record<MediaSource, MediaStreamTrack>>>({});
  const [muted, setMuted] = createSignal<Partial<Record<MediaSource, boolean>>>({});
  const [busy, setBusy] = createSignal(false);
  const [problem, setProblem] = createSignal<string>();

  const state = () => room.state();
  const client = () => room.client();
  const connected = () => state() !== undefined && state()!.phase !== 'ended';

  const stopAll = () => Object.values(tracks()).forEach((t) => t?.stop());
  onCleanup(stopAll);

  async function capture(source: 'camera' | 'microphone', deviceId?: string) {
    const track = await captureTrack(source, { deviceId });
    tracks()[source]?.stop();
    track.enabled = !muted()[source];
    setTracks({ ...tracks(), [source]: track });
    if (client()?.media) await client()!.publish(source, track);
    return track;
  }

  async function listDevices() {
    const all = await navigator.mediaDevices.enumerateDevices();
    const pick = (kind: MediaDeviceKind) => all.filter((d) => d.kind === kind).map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${kind} ${i + 1}` }));
    setCameras(pick('videoinput'));
    setMics(pick('audioinput'));
    setCameraId(tracks().camera?.getSettings().deviceId);
    setMicId(tracks().microphone?.getSettings().deviceId);
  }

  onMount(async () => {
    try {
      await Promise.all([capture('camera'), capture('microphone')]);
      await listDevices();
    } catch (error) {
      setProblem(`Camera or microphone unavailable: ${(error as Error).message}`);
    }
    // Back in the studio of a room that is already live (a reload): pick the broadcast up again.
    if (props.room.status === 'live') void goLive();
  });

  // Publish what the studio captures as soon as the room has welcomed us (and after every
  // reconnect the media session re-produces them itself).
  // A memo, so the effect runs when the identity changes, not on every state update.
  const identity = createMemo(() => state()?.self?.identity);
  createEffect(
    on(
      identity,
      (identity) => {
        if (!identity) return;
        for (const [source, track] of Object.entries(tracks()) as [MediaSource, MediaStreamTrack][]) {
          void client()!.publish(source, track);
          if (muted()[source]) void client()!.media?.setPaused(source, true);
        }
      },
    ),
  );

  /** What this page publishes for `source` (the clip deck's picture and sound are not in `tracks`). */
  const localTrack = (source: MediaSource) => state()?.media.local.find((l) => l.source === source)?.track;

  // The composed program (recordings carry it): drawn and mixed here, published beside the camera.
  const program = useProgramOut({
    state,
    client,
    identity,
    own: () => ({ ...tracks(), video: localTrack('video'), videoAudio: localTrack('video_audio') }),
    brand: () => props.room.brand,
  });

  async function goLive() {
    setBusy(true);
    setProblem(undefined);
    try {
      const started = await startRoom(ids);
      if (!started.ok) throw new Error(started.message);
      await room.open({
        credentials: started.credentials,
        // The studio receives the guests on stage, to show the program as viewers see it.
        receive: true,
        refresh: async () => {
          const again = await rejoinRoom(ids);
          if (!again.ok) throw new Error(again.message);
          return again.credentials;
        },
      });
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function end() {
    if (!confirm('End the room for everyone?')) return;
    setBusy(true);
    const result = await endRoom(ids);
    setBusy(false);
    if (!result.ok) setProblem(result.message);
    stopAll();
  }

  async function toggle(source: MediaSource) {
    const next = !muted()[source];
    setMuted({ ...muted(), [source]: next });
    const track = tracks()[source];
    if (track) track.enabled = !next;
    await client()?.media?.setPaused(source, next);
  }

  async function toggleScreen() {
    const current = tracks().screen;
    if (current) {
      current.stop();
      const { screen: _screen, ...rest } = tracks();
      setTracks(rest);
      await client()?.media?.unpublish('screen');
      return;
    }
    try {
      const track = await captureTrack('screen');
      track.addEventListener('ended', () => void toggleScreen());
      setTracks({ ...tracks(), screen: track });
      if (client()?.media) await client()!.publish('screen', track);
    } catch (error) {
      setProblem(`Screen share: ${(error as Error).message}`);
    }
  }

  const published = (source: MediaSource) => state()?.media.local.find((l) => l.source === source)?.producerId !== undefined;
  // Local recording takes the program and its mix when the studio publishes them (what viewers and
  // server recordings get), else this host's camera and microphone.
  const recordedTracks = () => {
    const program = published('program') ? localTrack('program') : undefined;
    const mix = published('program_audio') ? localTrack('program_audio') : undefined;
    const chosen = program ? [program, mix ?? tracks().microphone] : [tracks().camera, tracks().microphone];
    return chosen.filter((t): t is MediaStreamTrack => t !== undefined);
  };

  return (
    <div class="grid gap-4 lg:h-[calc(100vh-6rem)] lg:grid-cols-[minmax(0,1fr)_22rem]">
      <div class="flex min-w-0 flex-col gap-3">
        <div class="flex flex-wrap items-center gap-2">
          <h1 class="mr-auto truncate text-lg font-semibold text-slate-900">{props.room.title}</h1>
          <RoomBadge phase={state()?.phase ?? 'waiting'} label={state() ? undefined : 'Off air'} />
          <RecBadge recording={state()?.room?.recording} />
          <span class="text-xs text-slate-600" data-testid="connection-status">
            Signal: {state()?.connection ?? 'not connected'} · Media: {state()?.media.status ?? '—'}
            <Show when={state()?.media.local.length}> · Publishing {state()!.media.local.filter((l) => l.producerId).map((l) => l.source).join(', ') || '…'}</Show>
          </span>
        </div>

        <div class="relative aspect-video w-full overflow-hidden rounded-lg bg-black" data-testid="program">
          <Show
            when={connected() && state()?.room?.studio}
            fallback={
              <>
                <MediaView track={tracks().screen ?? tracks().camera} label="Your preview" mirror={!tracks().screen} testId="studio-preview" />
                <Show when={tracks().screen && tracks().camera}>
                  <div class="absolute bottom-3 right-3 w-1/4 overflow-hidden rounded-md ring-2 ring-white/70">
                    <MediaView track={tracks().camera} label="Your camera" mirror />
                  </div>
                </Show>
              </>
            }
          >
            {(studio) => (
              <StageView tiles={stageTiles(state()!, { camera: tracks().camera, screen: tracks().screen, video: localTrack('video') })} layout={studio().layout} spotlight={studio().spotlight} banner={studio().banner} brand={props.room.brand} />
            )}
          </Show>
          <Show when={state()?.phase === 'ended'}>
            <div class="absolute inset-0 flex items-center justify-center bg-black/70 text-lg font-semibold text-white" data-testid="ended-message">The room has ended</div>
          </Show>
        </div>

        <Show when={state()}>{(s) => <StageAudio state={s()} />}</Show>
        <div class="flex flex-wrap items-end gap-3 rounded-lg bg-white p-3 ring-1 ring-slate-200">
          <div>
            <label for="camera-select" class="block text-xs font-medium text-slate-600">Camera</label>
            <select id="camera-select" class="mt-1 max-w-48 rounded-md px-2 py-1.5 text-sm ring-1 ring-slate-300" value={cameraId() ?? ''} onChange={(e) => { setCameraId(e.currentTarget.value); void capture('camera', e.currentTarget.value); }}>
              <For each={cameras()}>{(d) => <option value={d.deviceId}>{d.label}</option>}</For>
            </select>
          </div>
          <div>
            <label for="mic-select" class="block text-xs font-medium text-slate-600">Microphone</label>
            <select id="mic-select" class="mt-1 max-w-48 rounded-md px-2 py-1.5 text-sm ring-1 ring-slate-300" value={micId() ?? ''} onChange={(e) => { setMicId(e.currentTarget.value); void capture('microphone', e.currentTarget.value); }}>
              <For each={mics()}>{(d) => <option value={d.deviceId}>{d.label}</option>}</For>
            </select>
          </div>
          <button type="button" aria-pressed={!!muted().camera} class="rounded-md bg-white px-3 py-1.5 text-sm font-semibold ring-1 ring-slate-300 hover:bg-slate-50" onClick={() => void toggle('camera')}>
            {muted().camera ? 'Camera off' : 'Camera on'}
          </button>
          <button type="button" aria-pressed={!!muted().microphone} class="rounded-md bg-white px-3 py-1.5 text-sm font-semibold ring-1 ring-slate-300 hover:bg-slate-50" onClick={() => void toggle('microphone')}>
            {muted().microphone ? 'Mic muted' : 'Mic on'}
          </button>
          <button type="button" aria-pressed={!!tracks().screen} class="rounded-md bg-white px-3 py-1.5 text-sm font-semibold ring-1 ring-slate-300 hover:bg-slate-50" onClick={() => void toggleScreen()}>
            {tracks().screen ? 'Stop sharing' : 'Share screen'}
          </button>
          <span class="ml-auto flex gap-2">
            <Show
              when={connected()}
              fallback={
                <button type="button" data-testid="go-live" disabled={busy()} class="rounded-md bg-red-600 px-4 py-2 text-sm font-bold text-white hover:bg-red-500 disabled:bg-red-300" onClick={() => void goLive()}>
                  Go live
                </button>
              }
            >
              <button type="button" data-testid="end-room" disabled={busy()} class="rounded-md bg-slate-800 px-4 py-2 text-sm font-bold text-white hover:bg-slate-700 disabled:bg-slate-400" onClick={() => void end()}>
                End
              </button>
            </Show>
          </span>
        </div>
        <Show when={connected() || state()?.phase === 'ended'}>
          <LocalRecordingControl ids={ids} tracks={recordedTracks} ended={state()?.phase === 'ended'} />
        </Show>
        <Show when={problem() ?? state()?.media.error}>
          <p role="alert" class="text-sm text-red-700">{problem() ?? state()?.media.error}</p>
        </Show>
        <Show when={published('camera')}>
          <p class="text-xs text-slate-500">Camera sent as three simulcast layers (¼, ½ and full resolution); each viewer gets the one that fits.</p>
        </Show>
        <Show when={program.problem()}>
          <p role="alert" class="text-xs text-red-700" data-testid="program-problem">{program.problem()}</p>
        </Show>
        <Show when={program.running()}>
          <p
            class="text-xs text-slate-500"
            data-testid="program-status"
            data-published={published('program') && published('program_audio') ? 'yes' : 'no'}
            data-fps={program.rate()?.fps.toFixed(1)}
            data-ms-per-frame={program.rate()?.msPerFrame.toFixed(1)}
            data-audio={program.audio()}
          >
            Program out: {PROGRAM_SIZE.width}×{PROGRAM_SIZE.height} at up to {PROGRAM_FPS} fps, composed here with the stage's sound
            {published('program') ? ' · publishing (recordings carry it)' : ' · starting…'}
            {program.audio() === 'suspended' ? ' · sound waits for a click on the page' : ''}
          </p>
        </Show>
        <Show when={state() && client() && connected()}>
          <StudioControls state={state()!} client={client()!} room={ids} />
          <div class="rounded-lg bg-white p-3 text-sm ring-1 ring-slate-200">
            <ClipDeck client={client()!} organizationId={ids.organizationId} />
          </div>
        </Show>
      </div>
      <Show when={state() && client()} fallback={<aside class="rounded-lg bg-white p-4 text-sm text-slate-600 ring-1 ring-slate-200">Chat, alerts and people appear once you are live.</aside>}>
        <RoomSidebar state={state()!} client={client()!} ids={ids} />
      </Show>
    </div>
  );
}
