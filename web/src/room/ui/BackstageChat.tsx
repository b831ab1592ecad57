// The studio's backstage chat: the host, co-hosts and guests talk before and between appearances;
// viewers never receive it (the room sends it only to those roles).
import { createSignal, For } from 'solid-js';
import type { RoomClient, RoomViewState } from '@roomcast/client';

export function BackstageChat(props: { state: RoomViewState; client: RoomClient }) {
  const [text, setText] = createSignal('');
  const send = (e: SubmitEvent) => {
    e.preventDefault();
    if (text().trim() && props.client.sendBackstage(text().trim())) setText('');
  };
  return (
    <div data-testid="backstage-chat">
      <h3 class="font-semibold text-slate-900">Backstage chat</h3>
      <p class="text-xs text-slate-500">Only the host, co-hosts and guests see this.</p>
      <ul class="mt-1 flex max-h-40 flex-col gap-1 overflow-y-auto text-xs" aria-live="polite">
        <For each={props.state.backstage} fallback={<li class="text-slate-500">No messages yet.</li>}>
          {(m) => (
            <li data-testid="backstage-message">
              <b>{m.name}</b>: {m.text}
            </li>
          )}
        </For>
      </ul>
      <form class="mt-1 flex gap-1" onSubmit={send}>
        <input
          data-testid="backstage-input"
          aria-label="Backstage message"
          maxLength={500}
          value={text()}
          onInput={(e) => setText(e.currentTarget.value)}
          class="min-w-0 flex-1 rounded-md px-2 py-1 text-xs ring-1 ring-slate-300"
        />
        <button type="submit" data-testid="backstage-send" class="rounded-md bg-white px-2 py-1 text-xs font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50">
          Send
        </button>
      </form>
    </div>
  );
}
