// The studio's program out while live: a compositor drawing the room's stage (what StageView shows)
// and mixing the stage's microphones (and a clip's sound), published as `program` + `program_audio` once the room has
// welcomed the host (and again after a reconnect), stopped when the room ends or the studio closes.
import { createEffect, createSignal, on, onCleanup, onMount, type Accessor } from 'solid-js';
import type { RoomClient, RoomViewState } from '@roomcast/client';
import type { Brand } from '@roomcast/schema/api';
import { stageTiles } from '../StageView';
import { programAudio } from './program-audio';
import { ProgramCompositor, type ProgramScene } from './program-compositor';

export interface OwnTracks {
  camera?: MediaStreamTrack | undefined;
  screen?: MediaStreamTrack | undefined;
  microphone?: MediaStreamTrack | undefined;
  video?: MediaStreamTrack | undefined;
  /** The sound of the clip this studio plays into the show. */
  videoAudio?: MediaStreamTrack | undefined;
}

const EMPTY: ProgramScene = { tiles: [], layout: 'grid', spotlight: null, banner: null, brand: null, audio: [] };

/** What the program shows now: read on every frame, so it follows the room state without effects. */
export function programScene(state: RoomViewState | undefined, own: OwnTracks, brand: Brand | null): ProgramScene {
  const studio = state?.room?.studio;
  if (!state || !studio) return { ...EMPTY, brand };
  return {
    tiles: stageTiles(state, own),
    layout: studio.layout,
    spotlight: studio.spotlight,
    banner: studio.banner,
    brand,
    audio: programAudio(state, new Set(studio.stage), own),
  };
}

export function useProgramOut(o: { state: Accessor<RoomViewState | undefined>; client: Accessor<RoomClient | undefined>; identity: Accessor<string | undefined>; own: Accessor<OwnTracks>; brand: Accessor<Brand | null> }) {
  let compositor: ProgramCompositor | undefined;
  const [running, setRunning] = createSignal(false);
  const [problem, setProblem] = createSignal<string>();
  /** Frames per second drawn and milliseconds per frame, over the last few seconds. */
  const [rate, setRate] = createSignal<{ fps: number; msPerFrame: number }>();
  const [audio, setAudio] = createSignal<AudioContextState>();
  let last = { frames: 0, drawMs: 0, at: 0 };
  const measure = () => {
    if (!compositor) return;
    const now = performance.now();
    const { frames, drawMs } = compositor.stats();
    if (last.at > 0 && frames > last.frames) {
      setRate({ fps: ((frames - last.frames) * 1000) / (now - last.at), msPerFrame: (drawMs - last.drawMs) / (frames - last.frames) });
    }
    last = { frames, drawMs, at: now };
    setAudio(compositor.audioState);
  };
  // A studio reopened while live (a reload) starts without a click, and browsers keep its audio
  // mix suspended until one: the host's next click anywhere starts it.
  const resume = () => compositor?.resumeAudio();
  onMount(() => {
    const meter = setInterval(measure, 2000);
    document.addEventListener('pointerdown', resume, true);
    onCleanup(() => {
      clearInterval(meter);
      document.removeEventListener('pointerdown', resume, true);
    });
  });
  const stop = () => {
    compositor?.stop();
    compositor = undefined;
    setRunning(false);
  };
  onCleanup(stop);

  createEffect(
    on([o.identity, o.client], ([identity, client]) => {
      if (!identity || !client) return;
      try {
        compositor ??= new ProgramCompositor(() => programScene(o.state(), o.own(), o.brand()));
      } catch (error) {
        // The show goes on without a program (recordings fall back to the host's camera).
        console.error('[program] could not start the program', error);
        setProblem(`No program out: ${(error as Error).message}`);
        return;
      }
      compositor.resumeAudio();
      setRunning(true);
      void client.publish('program', compositor.video);
      void client.publish('program_audio', compositor.audio);
    }),
  );
  createEffect(() => {
    if (o.state()?.phase === 'ended') stop();
  });


  return { running, problem, rate, audio };
}
