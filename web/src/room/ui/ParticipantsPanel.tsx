// Who is here, raised hands first; moderation actions for roles that hold the `moderate` grant.
import { For, Show } from 'solid-js';
import type { Participant } from '@roomcast/schema/protocol';
import type { RoomClient, RoomViewState } from '@roomcast/client';

export function ParticipantsPanel(props: { state: RoomViewState; client: RoomClient }) {
  const moderate = () => props.state.self?.grants.includes('moderate') ?? false;
  const sorted = () => [...props.state.participants].sort((a, b) => Number(b.handRaised) - Number(a.handRaised));
  const act = (p: Participant, action: 'mute' | 'unmute' | 'kick' | 'ban' | 'lower') => {
    if (action === 'mute' || action === 'unmute') props.client.send({ type: 'moderation.mute', identity: p.identity, muted: action === 'mute' });
    else if (action === 'lower') props.client.send({ type: 'hand.lower', identity: p.identity });
    else if (confirm(`${action === 'ban' ? 'Ban' : 'Remove'} ${p.name}?`)) props.client.send({ type: action === 'ban' ? 'moderation.ban' : 'moderation.kick', identity: p.identity });
  };
  return (
    <section aria-label="Participants" class="rounded-lg bg-white ring-1 ring-slate-200">
      <header class="border-b border-slate-200 px-3 py-2">
        <h2 class="text-sm font-semibold text-slate-800">
          People <span class="font-normal text-slate-500">({props.state.participantCount})</span>
        </h2>
      </header>
      <ul class="max-h-64 divide-y divide-slate-100 overflow-y-auto text-sm" data-testid="participants">
        <For each={sorted()}>
          {(p) => (
            <li class="flex flex-wrap items-center gap-2 px-3 py-1.5">
              <span class="min-w-0 flex-1 truncate">
                <Show when={p.handRaised}>
                  <span class="mr-1 rounded bg-amber-100 px-1 text-[10px] font-semibold uppercase text-amber-800">Hand up</span>
                </Show>
                {p.name}
                <Show when={p.identity === props.state.self?.identity}>
                  <span class="text-slate-400"> (you)</span>
                </Show>
                <Show when={p.mutedByModerator}>
                  <span class="ml-1 text-xs text-red-600">muted</span>
                </Show>
              </span>
              <span class="text-xs text-slate-500">{p.role}</span>
              <Show when={moderate() && p.identity !== props.state.self?.identity}>
                <span class="flex gap-1">
                  <Show when={p.handRaised}>
                    <button type="button" class="rounded px-1 text-xs text-slate-600 ring-1 ring-slate-200 hover:bg-slate-50" onClick={() => act(p, 'lower')}>Lower</button>
                  </Show>
                  <button type="button" class="rounded px-1 text-xs text-slate-600 ring-1 ring-slate-200 hover:bg-slate-50" onClick={() => act(p, p.mutedByModerator ? 'unmute' : 'mute')}>
                    {p.mutedByModerator ? 'Unmute' : 'Mute'}
                  </button>
                  <button type="button" class="rounded px-1 text-xs text-red-700 ring-1 ring-red-200 hover:bg-red-50" onClick={() => act(p, 'kick')}>Kick</button>
                  <button type="button" class="rounded px-1 text-xs text-red-700 ring-1 ring-red-200 hover:bg-red-50" onClick={() => act(p, 'ban')}>Ban</button>
                </span>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}
