// "Record locally" in the studio: records the host's full-quality output in this browser (the
// program when the studio publishes one, else the camera and microphone) and uploads it in parts
// while recording (local-recorder.ts); on stop the recording lands in the organization's library.
// Shows the recording time, MB uploaded and parts pending, and any upload problem; the room ending
// stops it; leaving the page while parts are still here asks first.
import { createEffect, createSignal, onCleanup, Show } from 'solid-js';
import { completeLocalRecording, localRecordingPartUrls, startLocalRecording } from '../../local-recording.server';
import { LocalRecorder, type LocalRecordingProgress } from './local-recorder';

const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;
const clock = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}`;

export function LocalRecordingControl(props: {
  ids: { organizationId: string; roomId: string };
  /** What to record now: video and audio tracks (chosen at start). */
  tracks: () => MediaStreamTrack[];
  ended: boolean;
}) {
  const [recorder, setRecorder] = createSignal<LocalRecorder>();
  const [recordingId, setRecordingId] = createSignal<string>();
  const [progress, setProgress] = createSignal<LocalRecordingProgress>();
  const [problem, setProblem] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  const active = () => progress()?.state === 'recording' || progress()?.state === 'finishing';

  // The recording time moves between MediaRecorder's chunks too.
  const tick = setInterval(() => {
    const current = recorder();
    if (current && progress()?.state === 'recording') setProgress(current.progress);
  }, 500);
  const guard = (event: BeforeUnloadEvent) => {
    if (recorder() && progress()?.state !== 'done') event.preventDefault();
  };
  window.addEventListener('beforeunload', guard);
  onCleanup(() => {
    clearInterval(tick);
    window.removeEventListener('beforeunload', guard);
  });

  async function start() {
    setBusy(true);
    setProblem(undefined);
    try {
      const tracks = props.tracks().filter((t) => t.readyState === 'live');
      if (!tracks.some((t) => t.kind === 'video')) throw new Error('Nothing to record yet: no camera or program');
      const opened = await startLocalRecording(props.ids);
      if (!opened.ok) throw new Error(opened.message);
      const id = opened.recording.id;
      const ids = { organizationId: props.ids.organizationId, recordingId: id };
      const created = new LocalRecorder(
        new MediaStream(tracks),
        opened.partBytes,
        opened.partUrls,
        {
          async partUrls(fromPart, count) {
            const more = await localRecordingPartUrls({ ...ids, fromPart, count });
            if (!more.ok) throw new Error(more.message);
            return more.partUrls;
          },
          async complete(input) {
            const done = await completeLocalRecording({ ...ids, ...input });
            if (!done.ok) throw new Error(done.message);
          },
        },
        setProgress,
      );
      await created.start();
      setRecorder(created);
      setRecordingId(id);
      setProgress(created.progress);
    } catch (error) {
      setProblem(`Local recording: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  async function stop() {
    const current = recorder();
    if (!current) return;
    setBusy(true);
    setProblem(undefined);
    try {
      await (progress()?.state === 'failed' ? current.finish() : current.stop());
    } catch (error) {
      setProblem(`Local recording not saved yet: ${(error as Error).message}. Its data is kept in this tab: press Retry upload.`);
    } finally {
      setBusy(false);
    }
  }

  createEffect(() => {
    if (props.ended && progress()?.state === 'recording') void stop();
  });

  return (
    <div class="flex flex-wrap items-center gap-2 text-xs text-slate-600" data-testid="local-recording" data-state={progress()?.state ?? 'idle'} data-recording-id={recordingId() ?? ''}>
      <Show
        when={recorder() && progress() && progress()!.state !== 'done'}
        fallback={
          <button type="button" data-testid="local-record" disabled={busy() || props.ended} class="rounded-md bg-white px-3 py-1.5 text-sm font-semibold ring-1 ring-slate-300 hover:bg-slate-50 disabled:opacity-50" onClick={() => void start()}>
            Record locally
          </button>
        }
      >
        <button type="button" data-testid="local-record-stop" disabled={busy() && progress()?.state !== 'failed'} class="rounded-md bg-red-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-500 disabled:bg-red-300" onClick={() => void stop()}>
          {progress()?.state === 'failed' ? 'Retry upload' : progress()?.state === 'finishing' ? 'Saving…' : 'Stop local recording'}
        </button>
      </Show>
      <Show when={progress()}>
        {(p) => (
          <span data-testid="local-recording-status" data-uploaded-bytes={p().uploadedBytes} data-pending-parts={p().pendingParts} data-elapsed-ms={p().elapsedMs}>
            {p().state === 'done' ? 'Saved to Recordings' : active() ? <span class="font-semibold text-red-700">● Local {clock(p().elapsedMs)}</span> : 'Not saved'}
            {' · '}
            {mb(p().uploadedBytes)} of {mb(p().recordedBytes)} uploaded{p().pendingParts > 0 ? ` · ${p().pendingParts} part${p().pendingParts === 1 ? '' : 's'} pending` : ''}
          </span>
        )}
      </Show>
      <Show when={problem() ?? progress()?.error}>
        <span role="alert" class="w-full text-red-700" data-testid="local-recording-error">
          {problem() ?? progress()?.error}
        </span>
      </Show>
    </div>
  );
}
