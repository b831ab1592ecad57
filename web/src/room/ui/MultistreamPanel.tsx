// The studio's Multistream panel: the destinations this room can push to (added on the room's
// dashboard page), each with Start / Stop and its live state as the media node reports it
// (connecting, live with bitrate and uptime, retrying, failed with the reason). The states come
// pushed over the room socket to hosts and co-hosts only (`egress.outputs`, on every change and
// every status report of the node), not in the room state every participant holds; the API is
// read when the panel opens and every 15 s, for destinations added on the room's page meanwhile.
import { createEffect, createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { loadDestinations, loadRoomOutputs, switchDestination, type EgressDestination, type RtmpOutputStatus } from '~/egress/multistream';

const POLL_MS = 15_000;
const button = 'rounded-md bg-white px-2 py-1 text-xs font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50 disabled:opacity-50';
const TONE: Record<RtmpOutputStatus['state'], string> = {
  connecting: 'bg-amber-100 text-amber-800',
  live: 'bg-red-100 text-red-700',
  retrying: 'bg-amber-100 text-amber-800',
  failed: 'bg-slate-200 text-slate-700',
  stopped: 'bg-slate-100 text-slate-600',
};

function uptime(ms: number | null): string {
  if (ms === null) return '';
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function MultistreamPanel(props: { room: { organizationId: string; roomId: string }; pushed?: RtmpOutputStatus[] | undefined }) {
  const [destinations, setDestinations] = createSignal<EgressDestination[]>([]);
  const [outputs, setOutputs] = createSignal<RtmpOutputStatus[]>([]);
  // The room's push is the latest word on the states.
  createEffect(() => {
    if (props.pushed) setOutputs(props.pushed);
  });
  const [problem, setProblem] = createSignal<string>();
  const [busy, setBusy] = createSignal<string>();

  /** Destinations too: one added on the room's page while live shows up here without a reload. */
  async function refresh() {
    const [listed, running] = await Promise.all([loadDestinations(props.room.organizationId, props.room.roomId), loadRoomOutputs(props.room)]);
    if (listed.ok) setDestinations(listed.destinations.filter((d) => d.enabled));
    else setProblem(listed.message);
    if (running.ok) setOutputs(running.outputs);
  }
  onMount(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    onCleanup(() => clearInterval(timer));
  });

  async function toggle(destinationId: string, action: 'start' | 'stop') {
    setProblem(undefined);
    setBusy(destinationId);
    const done = await switchDestination(props.room, destinationId, action);
    setBusy(undefined);
    if (!done.ok) setProblem(done.message);
    await refresh();
  }
  const outputOf = (id: string) => outputs().find((o) => o.destinationId === id);

  return (
    <div class="flex flex-col gap-1" data-testid="multistream-panel">
      <span class="font-semibold text-slate-900">Multistream</span>
      <Show when={destinations().length > 0} fallback={<p class="text-xs text-slate-500">No destinations: add YouTube, Twitch or an RTMP server on the room's page.</p>}>
        <ul class="flex flex-col gap-1 text-xs">
          <For each={destinations()}>
            {(d) => {
              const output = () => outputOf(d.id);
              const running = () => output() !== undefined && output()!.state !== 'failed';
              return (
                <li class="flex flex-wrap items-center gap-2" data-testid="multistream-destination" data-destination-id={d.id} data-state={output()?.state ?? 'off'}>
                  <span class="font-medium text-slate-800">{d.name}</span>
                  <Show when={output()} fallback={<span class="text-slate-400">off</span>}>
                    {(o) => (
                      <span class={`rounded-full px-2 py-0.5 font-semibold ${TONE[o().state]}`} title={o().reason ?? ''}>
                        {o().state}
                        {o().state === 'live' ? ` · ${Math.round(o().bitrateKbps)} kb/s · ${uptime(o().uptimeMs)}` : ''}
                      </span>
                    )}
                  </Show>
                  <Show when={output()?.reason}>{(reason) => <span class="text-slate-500">{reason()}</span>}</Show>
                  <button type="button" class={button} disabled={busy() === d.id} data-testid="multistream-toggle" onClick={() => void toggle(d.id, running() ? 'stop' : 'start')}>
                    {running() ? 'Stop' : 'Start'}
                  </button>
                </li>
              );
            }}
          </For>
        </ul>
      </Show>
      <Show when={problem()}>
        <p class="text-xs text-red-600">{problem()}</p>
      </Show>
    </div>
  );
}
