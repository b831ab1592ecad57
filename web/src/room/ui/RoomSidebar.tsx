// The panels beside the video: alerts, raise hand, room moderation (slow mode, chat off), people, chat.
import { For, Show } from 'solid-js';
import type { RoomClient, RoomViewState } from '@roomcast/client';
import { AlertsPanel } from './AlertsPanel';
import { ChatPanel } from './ChatPanel';
import { ParticipantsPanel } from './ParticipantsPanel';

const SLOW_MODE_CHOICES = [0, 5, 30, 60];

export function RoomSidebar(props: { state: RoomViewState; client: RoomClient; ids: { organizationId: string; roomId: string } }) {
  const moderate = () => props.state.self?.grants.includes('moderate') ?? false;
  const handRaised = () => props.state.participants.find((p) => p.identity === props.state.self?.identity)?.handRaised ?? false;
  return (
    <aside class="flex min-h-0 flex-col gap-3 lg:h-full" aria-label="Room">
      <AlertsPanel state={props.state} client={props.client} />
      <div class="flex flex-wrap items-center gap-2">
        <button
          type="button"
          data-testid="raise-hand"
          aria-pressed={handRaised()}
          class="rounded-md bg-white px-3 py-1.5 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
          onClick={() => props.client.send(handRaised() ? { type: 'hand.lower' } : { type: 'hand.raise' })}
        >
          {handRaised() ? 'Lower hand' : 'Raise hand'}
        </button>
        <Show when={moderate()}>
          <label class="text-xs text-slate-600" for="slow-mode">Slow mode</label>
          <select
            id="slow-mode"
            class="rounded-md px-1 py-1 text-sm ring-1 ring-slate-300"
            value={String(props.state.room?.slowModeSeconds ?? 0)}
            onChange={(e) => props.client.send({ type: 'moderation.slow_mode', seconds: Number(e.currentTarget.value) })}
          >
            <For each={SLOW_MODE_CHOICES}>{(s) => <option value={s}>{s ? `${s} s` : 'off'}</option>}</For>
          </select>
          <button
            type="button"
            class="rounded-md bg-white px-2 py-1 text-xs font-semibold text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
            onClick={() => props.client.send({ type: 'moderation.chat', enabled: !(props.state.room?.chatEnabled ?? true) })}
          >
            {props.state.room?.chatEnabled === false ? 'Turn chat on' : 'Turn chat off'}
          </button>
        </Show>
      </div>
      <ParticipantsPanel state={props.state} client={props.client} />
      <ChatPanel state={props.state} client={props.client} ids={props.ids} />
    </aside>
  );
}
