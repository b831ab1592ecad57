import { Show } from 'solid-js';
import type { RoomPhase } from '@roomcast/client';

const LOOK: Record<RoomPhase, { text: string; class: string }> = {
  connecting: { text: 'Connecting', class: 'bg-slate-200 text-slate-700' },
  waiting: { text: 'Waiting', class: 'bg-amber-100 text-amber-800' },
  live: { text: 'Live', class: 'bg-red-600 text-white' },
  reconnecting: { text: 'Reconnecting', class: 'bg-amber-500 text-white' },
  ended: { text: 'Ended', class: 'bg-slate-700 text-white' },
};

/** The room's state as a badge; screen readers hear changes (role=status). */
export function RoomBadge(props: { phase: RoomPhase | undefined; label?: string }) {
  const look = () => LOOK[props.phase ?? 'connecting'];
  return (
    <span role="status" data-testid="room-phase" data-phase={props.phase ?? 'connecting'} class={`inline-flex items-center rounded-full px-2.5 py-0.5 text-xs font-semibold uppercase tracking-wide ${look().class}`}>
      {props.label ?? look().text}
    </span>
  );
}

/** Shown to everyone in the room while a server recording runs (room state from the RoomDO). */
export function RecBadge(props: { recording: { id: string; startedAt: string } | null | undefined }) {
  return (
    <Show when={props.recording}>
      <span role="status" data-testid="rec-badge" title="This room is being recorded" class="inline-flex items-center gap-1 rounded-full bg-red-700 px-2.5 py-0.5 text-xs font-semibold uppercase tracking-wide text-white">
        <span aria-hidden="true" class="h-2 w-2 rounded-full bg-white" />
        Rec
      </span>
    </Show>
  );
}
