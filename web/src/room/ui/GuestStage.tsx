// A studio guest's page: a camera preview and device check (camera and microphone pickers, a
// microphone level), a name, then backstage: waiting until the host brings them on stage. On
// stage the page publishes camera and microphone and shows the program as viewers see it; sent
// back, it stops (the room has already closed its producers). Backstage, it sends the hosts a live
// thumbnail of the camera, and the backstage chat talks with the host. On a narrow screen (a phone) the
// camera is captured at 640x360.
import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show } from 'solid-js';
import { captureTrack } from '@roomcast/client';
import { joinAsStudioGuest } from '../queries';
import { BackstageChat } from './BackstageChat';
import { sendBackstagePreviews } from './backstage-preview';
import { MediaView } from './MediaView';
import { RoomBadge } from './RoomBadge';
import { StageAudio } from './StageAudio';
import { StageView, stageTiles } from './StageView';
import { useRoom } from './use-room';

type Device = { deviceId: string; label: string };
const NAME_KEY = 'roomcast:name';

export function GuestStage(props: { roomId: string }) {
  const room = useRoom();
  const [name, setName] = createSignal('');
  const [camera, setCamera] = createSignal<MediaStreamTrack>();
  const [mic, setMic] = createSignal<MediaStreamTrack>();
  const [cameras, setCameras] = createSignal<Device[]>([]);
  const [mics, setMics] = createSignal<Device[]>([]);
  const [level, setLevel] = createSignal(0);
  const [problem, setProblem] = createSignal<string>();
  const [joining, setJoining] = createSignal(false);
  const invite = () => (typeof location === 'undefined' ? '' : decodeURIComponent(location.hash.slice(1)));
  const low = () => typeof window !== 'undefined' && window.innerWidth < 640;

  const state = () => room.state();
  const studio = () => state()?.room?.studio;
  // A memo: the effect below must run when the answer changes, not on every state update (a
  // publish updates the state, which would run it again, and again).
  const onStage = createMemo(() => {
    const self = state()?.self?.identity;
    return Boolean(self && studio()?.stage.includes(self));
  });

  async function capture(kind: 'camera' | 'microphone', deviceId?: string) {
    try {
      const track = await captureTrack(kind, { deviceId, low: low() });
      if (kind === 'camera') {
        camera()?.stop();
        setCamera(track);
      } else {
        mic()?.stop();
        setMic(track);
        meter(track);
      }
      if (onStage()) await room.client()?.publish(kind, track);
    } catch (error) {
      setProblem(`Your ${kind} is not available: ${(error as Error).message}`);
    }
  }

  let audioContext: AudioContext | undefined;
  function meter(track: MediaStreamTrack) {
    audioContext?.close().catch(() => {});
    audioContext = new AudioContext();
    const analyser = audioContext.createAnalyser();
    audioContext.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const data = new Uint8Array(analyser.fftSize);
    const tick = () => {
      if (!audioContext || audioContext.state === 'closed') return;
      analyser.getByteTimeDomainData(data);
      let peak = 0;
      for (const v of data) peak = Math.max(peak, Math.abs(v - 128));
      setLevel(Math.min(1, peak / 64));
      requestAnimationFrame(tick);
    };
    tick();
  }

  onMount(async () => {
    setName(localStorage.getItem(NAME_KEY) ?? '');
    await Promise.all([capture('camera'), capture('microphone')]);
    const all = await navigator.mediaDevices.enumerateDevices();
    const pick = (kind: MediaDeviceKind) => all.filter((d) => d.kind === kind).map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${kind} ${i + 1}` }));
    setCameras(pick('videoinput'));
    setMics(pick('audioinput'));
  });
  onCleanup(() => {
    camera()?.stop();
    mic()?.stop();
    audioContext?.close().catch(() => {});
  });

  async function join(event: SubmitEvent) {
    event.preventDefault();
    const n = name().trim();
    if (!n) return;
    if (!invite()) return setProblem('This link has no guest invite in it; ask the host for the full link');
    setJoining(true);
    setProblem(undefined);
    localStorage.setItem(NAME_KEY, n);
    const joined = await joinAsStudioGuest(props.roomId, invite(), n);
    setJoining(false);
    if (!joined.ok) return setProblem(joined.message);
    await room.open({ credentials: joined.credentials });
  }

  // The room decides who is on stage; the page follows: publish on stage, stop backstage.
  createEffect(
    on(onStage, (staged) => {
      const client = room.client();
      if (!client?.media) return;
      const tracks = { camera: camera(), microphone: mic() };
      for (const [source, track] of Object.entries(tracks) as ['camera' | 'microphone', MediaStreamTrack | undefined][]) {
        if (!track) continue;
        if (staged) void client.publish(source, track);
        else void client.media.unpublish(source);
      }
    }),
  );

  // Backstage, the hosts see a live thumbnail of this camera (never the viewers).
  const backstage = createMemo(() => Boolean(state()?.self) && state()?.phase !== 'ended' && !onStage());
  createEffect(
    on(backstage, (waiting) => {
      const client = room.client();
      if (!waiting || !client) return;
      onCleanup(sendBackstagePreviews(client, camera));
    }),
  );

  return (
    <div class="mx-auto flex w-full max-w-3xl flex-col gap-3">
      <div class="flex flex-wrap items-center gap-2">
        <h1 class="mr-auto text-lg font-semibold text-slate-900">Studio guest</h1>
        <Show when={state()}>
          <RoomBadge phase={state()!.phase} label={onStage() ? 'On stage' : 'Backstage'} />
        </Show>
      </div>
      <div class="relative aspect-video w-full overflow-hidden rounded-lg bg-black">
        <Show
          when={onStage() && studio()}
          fallback={<MediaView track={camera()} label="Your camera" mirror testId="guest-preview" />}
        >
          {(s) => <StageView tiles={stageTiles(state()!, { camera: camera() })} layout={s().layout} spotlight={s().spotlight} banner={s().banner} />}
        </Show>
      </div>
      <Show when={onStage() && state()}>{(s) => <StageAudio state={s()} />}</Show>
      <Show
        when={state()}
        fallback={
          <form onSubmit={(e) => void join(e)} class="flex flex-col gap-3 rounded-lg bg-white p-3 ring-1 ring-slate-200">
            <div class="grid gap-3 sm:grid-cols-2">
              <label class="text-xs font-medium text-slate-600">
                Camera
                <select class="mt-1 block w-full rounded-md px-2 py-1.5 text-sm ring-1 ring-slate-300" onChange={(e) => void capture('camera', e.currentTarget.value)}>
                  <For each={cameras()}>{(d) => <option value={d.deviceId}>{d.label}</option>}</For>
                </select>
              </label>
              <label class="text-xs font-medium text-slate-600">
                Microphone
                <select class="mt-1 block w-full rounded-md px-2 py-1.5 text-sm ring-1 ring-slate-300" onChange={(e) => void capture('microphone', e.currentTarget.value)}>
                  <For each={mics()}>{(d) => <option value={d.deviceId}>{d.label}</option>}</For>
                </select>
              </label>
            </div>
            <div class="h-2 w-full overflow-hidden rounded bg-slate-200" aria-label="Microphone level" data-testid="mic-level">
              <div class="h-full bg-emerald-500 transition-[width]" style={{ width: `${Math.round(level() * 100)}%` }} />
            </div>
            <div class="flex flex-col gap-2 sm:flex-row">
              <label for="guest-stage-name" class="sr-only">Your name</label>
              <input
                id="guest-stage-name"
                data-testid="guest-stage-name"
                class="min-w-0 flex-1 rounded-md px-3 py-2 ring-1 ring-slate-300"
                placeholder="Your name, as viewers will see it"
                maxLength={60}
                required
                value={name()}
                onInput={(e) => setName(e.currentTarget.value)}
              />
              <button type="submit" data-testid="join-backstage" disabled={joining()} class="rounded-md bg-indigo-600 px-4 py-2 font-semibold text-white hover:bg-indigo-500 disabled:bg-indigo-300">
                Join backstage
              </button>
            </div>
          </form>
        }
      >
        <p role="status" data-testid="guest-status" data-stage={!state()!.self ? 'joining' : onStage() ? 'stage' : 'backstage'} class="rounded-lg bg-white p-3 text-sm text-slate-700 ring-1 ring-slate-200">
          <Show when={state()!.phase !== 'ended'} fallback={state()!.closed?.message ?? 'You left the studio.'}>
            {!state()!.self
              ? 'Joining…'
              : onStage()
                ? 'You are on stage: viewers see and hear you.'
                : 'You are backstage. The host will bring you on stage; viewers cannot see or hear you yet.'}
          </Show>
        </p>
      </Show>
      <Show when={onStage()}>
        <div class="flex gap-2">
          <For each={['microphone', 'camera'] as const}>
            {(source) => {
              const paused = () => state()?.media.local.find((l) => l.source === source)?.paused ?? false;
              return (
                <button
                  type="button"
                  aria-pressed={paused()}
                  class="rounded-md bg-white px-3 py-1.5 text-sm font-semibold ring-1 ring-slate-300 hover:bg-slate-50"
                  onClick={() => void room.client()?.media?.setPaused(source, !paused())}
                >
                  {source === 'microphone' ? (paused() ? 'Unmute mic' : 'Mute mic') : paused() ? 'Camera on' : 'Camera off'}
                </button>
              );
            }}
          </For>
        </div>
      </Show>
      <Show when={state()?.self && state()!.phase !== 'ended' && room.client()}>
        <div class="rounded-lg bg-white p-3 text-sm ring-1 ring-slate-200">
          <BackstageChat state={state()!} client={room.client()!} />
        </div>
      </Show>
      <Show when={problem()}>
        <p role="alert" class="text-sm text-red-700">{problem()}</p>
      </Show>
    </div>
  );
}
