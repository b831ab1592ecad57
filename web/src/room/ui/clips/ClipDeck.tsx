// The studio's clip deck: pre-recorded video played into the show, with its sound. The host picks
// clips from the organization's library (uploaded videos, recordings) or from this computer into a
// queue; Play puts the head on the air, Pause holds it, Next skips to the following clip, and a
// clip that ends gives way to the next. The queue lives in this page only: the room (and every
// viewer) sees just the clip on the air, as the 'video' and 'video_audio' producers.
import { createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import type { RoomClient } from '@roomcast/client';
import { clipPlaybackUrl, listClipLibrary, type ClipChoice } from '../../queries';
import { ClipPlayer } from './clip-player';
import { EMPTY_QUEUE, enqueue, next, onAir, remove, start, stop, type ClipQueue, type QueuedClip } from './clip-queue';

const button = 'rounded-md bg-white px-2 py-1 text-xs font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50 disabled:opacity-50';

/** A library URL that stops working mid-clip (presigned GETs expire) is asked for again at most this often. */
const REFRESH_AFTER_MS = 30_000;

const clock = (seconds: number) => (Number.isFinite(seconds) ? `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}` : '–:––');

export function ClipDeck(props: { client: RoomClient; organizationId: string }) {
  const [library, setLibrary] = createSignal<ClipChoice[]>([]);
  const [picked, setPicked] = createSignal('');
  const [queue, setQueue] = createSignal<ClipQueue>(EMPTY_QUEUE);
  const [state, setState] = createSignal<'idle' | 'loading' | 'playing' | 'paused'>('idle');
  const [progress, setProgress] = createSignal<{ at: number; duration: number }>({ at: 0, duration: NaN });
  const [problem, setProblem] = createSignal<string>();
  let refreshedAt = 0;

  const player = new ClipPlayer(
    {
      publish: async (source, track) => void (await props.client.publish(source, track)),
      unpublish: async (source) => void (await props.client.media?.unpublish(source)),
    },
    {
      ended: () => void advance(),
      failed: (error) => void recover(error),
      progress: (at, duration) => setProgress({ at, duration }),
    },
  );
  onCleanup(() => player.dispose());

  async function loadLibrary() {
    const listed = await listClipLibrary(props.organizationId);
    if (!listed.ok) return setProblem(`Could not list the library: ${listed.message}`);
    setLibrary(listed.clips);
    if (!listed.clips.some((c) => `${c.kind}:${c.id}` === picked())) setPicked(listed.clips[0] ? `${listed.clips[0].kind}:${listed.clips[0].id}` : '');
  }
  onMount(() => void loadLibrary());

  function add(clip: Omit<QueuedClip, 'key'>) {
    setProblem(undefined);
    setQueue(enqueue(queue(), clip));
  }
  function addPicked() {
    const clip = library().find((c) => `${c.kind}:${c.id}` === picked());
    if (clip) add({ name: clip.name, source: { kind: clip.kind, id: clip.id } });
  }

  /** A URL for the clip, just before it plays: library URLs are short-lived. */
  async function urlOf(clip: QueuedClip): Promise<string | File> {
    if (clip.source.kind === 'local') return clip.source.file;
    const got = await clipPlaybackUrl(props.organizationId, clip.source);
    if (!got.ok) throw new Error(got.message);
    refreshedAt = Date.now();
    return got.url;
  }

  /** Plays the clip now at the head (the queue is on the air), skipping any that cannot play. */
  async function playHead(): Promise<void> {
    for (let clip = onAir(queue()); clip; clip = onAir(queue())) {
      setState('loading');
      setProgress({ at: 0, duration: NaN });
      try {
        await player.play(await urlOf(clip));
        // Skipped or stopped while it loaded: whatever is on the air now decides.
        if (onAir(queue())?.key !== clip.key) return;
        setState('playing');
        return;
      } catch (error) {
        if (onAir(queue())?.key !== clip.key) return;
        setProblem(`Could not play ${clip.name}: ${(error as Error).message}`);
        setQueue(next(queue()));
      }
    }
    await offAir();
  }

  async function offAir() {
    setState('idle');
    setQueue(stop(queue()));
    await player.stop();
  }

  async function advance() {
    setQueue(next(queue()));
    await playHead();
  }

  /** The element failed mid-clip: a library URL may have expired; ask for a new one and carry on from there. */
  async function recover(error: MediaError | null) {
    const clip = onAir(queue());
    if (!clip || state() === 'loading') return;
    if (clip.source.kind !== 'local' && error?.code === MediaError.MEDIA_ERR_NETWORK && Date.now() - refreshedAt > REFRESH_AFTER_MS) {
      const at = player.position;
      try {
        await player.play(await urlOf(clip), at);
        return;
      } catch {
        // Falls through: the clip is skipped.
      }
    }
    setProblem(`${clip.name} stopped playing${error?.message ? `: ${error.message}` : ''}`);
    await advance();
  }

  async function playOrPause() {
    setProblem(undefined);
    if (state() === 'playing') {
      player.pause();
      setState('paused');
    } else if (state() === 'paused') {
      await player.resume().catch((error: Error) => setProblem(error.message));
      setState('playing');
    } else {
      setQueue(start(queue()));
      await playHead();
    }
  }

  const current = () => onAir(queue());

  return (
    <section class="flex flex-col gap-2" aria-label="Clips" data-testid="clip-deck" data-state={state()} data-current={current()?.name ?? ''}>
      <div class="flex flex-wrap items-center gap-2">
        <span class="font-semibold text-slate-900">Clips</span>
        <select data-testid="clip-library" aria-label="Video from the library" class="min-w-0 max-w-56 flex-1 rounded-md px-2 py-1 text-xs ring-1 ring-slate-300" value={picked()} onChange={(e) => setPicked(e.currentTarget.value)}>
          <For each={library()} fallback={<option value="">No videos in the library yet</option>}>
            {(c) => <option value={`${c.kind}:${c.id}`}>{c.kind === 'recording' ? '● ' : ''}{c.name}{c.durationMs ? ` (${clock(c.durationMs / 1000)})` : ''}</option>}
          </For>
        </select>
        <button type="button" data-testid="clip-add" class={button} disabled={!picked()} onClick={addPicked}>
          Add to queue
        </button>
        <button type="button" class={button} title="List the library again" onClick={() => void loadLibrary()}>
          Refresh
        </button>
        <label class={button}>
          From this computer…
          <input type="file" accept="video/*" class="sr-only" data-testid="clip-file" onChange={(e) => e.currentTarget.files?.[0] && add({ name: e.currentTarget.files[0].name, source: { kind: 'local', file: e.currentTarget.files[0] } })} />
        </label>
      </div>
      <Show when={queue().items.length > 0}>
        <ol class="flex flex-col gap-1 text-xs" data-testid="clip-queue">
          <For each={queue().items}>
            {(clip) => {
              const live = () => current()?.key === clip.key;
              return (
                <li class={`flex items-center gap-2 rounded px-1 ${live() ? 'bg-red-50' : ''}`} data-testid="clip-item" data-on-air={live() ? 'yes' : 'no'}>
                  <span class="mr-auto truncate">
                    <Show when={live()}>
                      <b class="text-red-700">{state() === 'paused' ? 'Paused' : 'On air'} </b>
                    </Show>
                    {clip.name}
                  </span>
                  <Show when={live()} fallback={<button type="button" class={button} data-testid="clip-remove" onClick={() => setQueue(remove(queue(), clip.key))}>Remove</button>}>
                    <span class="tabular-nums text-slate-600" data-testid="clip-progress">
                      {clock(progress().at)} / {clock(progress().duration)}
                    </span>
                  </Show>
                </li>
              );
            }}
          </For>
        </ol>
        <div class="flex flex-wrap gap-2">
          <button type="button" data-testid="clip-play" class={button} disabled={state() === 'loading'} onClick={() => void playOrPause()}>
            {state() === 'playing' ? 'Pause' : 'Play'}
          </button>
          <button type="button" data-testid="clip-next" class={button} disabled={!current()} onClick={() => void advance()}>
            Next
          </button>
          <button type="button" data-testid="clip-stop" class={button} disabled={!current()} onClick={() => void offAir()}>
            Stop
          </button>
        </div>
      </Show>
      <Show when={problem()}>
        <p role="alert" class="w-full text-xs text-red-700" data-testid="clip-problem">
          {problem()}
        </p>
      </Show>
    </section>
  );
}
