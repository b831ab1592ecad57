// Chat: plain text only. Solid renders text as text nodes, so a message is never HTML.
import { createEffect, createSignal, For, Show } from 'solid-js';
import type { RoomClient, RoomViewState } from '@roomcast/client';

export function ChatPanel(props: { state: RoomViewState; client: RoomClient }) {
  const [text, setText] = createSignal('');
  let list!: HTMLOListElement;
  const moderate = () => props.state.self?.grants.includes('moderate') ?? false;
  const chatOpen = () => props.state.room?.chatEnabled !== false || moderate();
  createEffect(() => {
    void props.state.chat.length;
    list.scrollTop = list.scrollHeight;
  });
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    if (text().trim() && props.client.sendChat(text())) setText('');
  };
  return (
    <section aria-label="Chat" class="flex min-h-0 flex-1 flex-col rounded-lg bg-white ring-1 ring-slate-200">
      <header class="flex items-center justify-between border-b border-slate-200 px-3 py-2">
        <h2 class="text-sm font-semibold text-slate-800">Chat</h2>
        <Show when={props.state.room?.slowModeSeconds}>
          {(s) => <span class="text-xs text-slate-500">Slow mode: {s()} s</span>}
        </Show>
      </header>
      <ol ref={list} data-testid="chat-messages" class="min-h-32 flex-1 space-y-1 overflow-y-auto px-3 py-2 text-sm" aria-live="polite">
        <For each={props.state.chat}>
          {(m) => (
            <li class="group flex items-start gap-2" data-testid="chat-message">
              <p class="min-w-0 flex-1 break-words">
                <span class="font-semibold text-slate-800">{m.author.name}</span>
                <Show when={m.role !== 'viewer'}>
                  <span class="ml-1 rounded bg-indigo-50 px-1 text-[10px] uppercase text-indigo-700">{m.role}</span>
                </Show>{' '}
                <span class="text-slate-700">{m.text}</span>
              </p>
              <Show when={moderate()}>
                <button
                  type="button"
                  class="rounded px-1 text-xs text-slate-400 hover:text-red-600 focus:text-red-600"
                  aria-label={`Delete message from ${m.author.name}`}
                  onClick={() => props.client.send({ type: 'chat.delete', messageId: m.id })}
                >
                  Delete
                </button>
              </Show>
            </li>
          )}
        </For>
      </ol>
      <Show when={props.state.notice}>
        <p role="alert" class="px-3 pb-1 text-xs text-red-700">{props.state.notice}</p>
      </Show>
      <form onSubmit={submit} class="flex gap-2 border-t border-slate-200 p-2">
        <label class="sr-only" for="chat-input">Message</label>
        <input
          id="chat-input"
          data-testid="chat-input"
          class="min-w-0 flex-1 rounded-md border-0 px-2 py-1.5 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-500"
          placeholder={chatOpen() ? 'Say something' : 'Chat is off'}
          maxLength={1000}
          disabled={!chatOpen() || props.state.phase === 'ended'}
          value={text()}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="submit" class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white disabled:bg-indigo-300" disabled={!chatOpen() || !text().trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
