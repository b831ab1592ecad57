// Chat: plain text only. Solid renders text as text nodes, so a message is never HTML. A message
// may carry a shared file's reference: its Download button asks for a link valid a few minutes
// (the chat keeps no link). Hosts and moderators who are members pick a file of the organization.
import { createEffect, createSignal, For, Show } from 'solid-js';
import type { RoomClient, RoomViewState } from '@roomcast/client';
import { listRoomFiles, roomFileDownload, shareRoomFile, type RoomFileChoice } from '../queries';

const size = (bytes: number) => (bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

/** Host/moderator: pick one of the organization's files and post it into the chat. */
function ShareFile(props: { client: RoomClient; ids: { organizationId: string; roomId: string }; onError: (message: string) => void }) {
  const [files, setFiles] = createSignal<RoomFileChoice[] | null>(null);
  const open = async () => {
    const answer = await listRoomFiles(props.ids.organizationId);
    if (answer.ok) setFiles(answer.files);
    else props.onError(answer.message);
  };
  const share = async (fileId: string) => {
    const answer = await shareRoomFile(props.ids.roomId, props.client.signaling.token, fileId);
    if (answer.ok) setFiles(null);
    else props.onError(answer.message);
  };
  return (
    <Show
      when={files()}
      fallback={
        <button type="button" data-testid="share-file" class="rounded-md px-2 py-1.5 text-sm text-slate-600 ring-1 ring-inset ring-slate-300 hover:bg-slate-50" onClick={() => void open()}>
          File
        </button>
      }
    >
      {(list) => (
        <div class="absolute bottom-12 left-2 right-2 z-10 max-h-60 overflow-y-auto rounded-md bg-white p-2 shadow-lg ring-1 ring-slate-200" role="dialog" aria-label="Share a file">
          <Show when={list().length > 0} fallback={<p class="text-xs text-slate-500">No files yet: upload them on the dashboard's Files page.</p>}>
            <ul class="space-y-1">
              <For each={list()}>
                {(f) => (
                  <li>
                    <button type="button" data-testid="share-file-choice" class="w-full rounded px-2 py-1 text-left text-sm hover:bg-indigo-50" onClick={() => void share(f.id)}>
                      {f.name} <span class="text-xs text-slate-500">{size(f.sizeBytes)}</span>
                    </button>
                  </li>
                )}
              </For>
            </ul>
          </Show>
          <button type="button" class="mt-1 text-xs text-slate-500 hover:underline" onClick={() => setFiles(null)}>
            Cancel
          </button>
        </div>
      )}
    </Show>
  );
}

export function ChatPanel(props: { state: RoomViewState; client: RoomClient; ids: { organizationId: string; roomId: string } }) {
  const [text, setText] = createSignal('');
  const [fileError, setFileError] = createSignal<string>();
  const download = async (fileId: string) => {
    const answer = await roomFileDownload(props.ids.roomId, props.client.signaling.token, fileId);
    if (!answer.ok) return setFileError(answer.message);
    setFileError(undefined);
    window.location.assign(answer.url);
  };
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
                <Show when={m.file}>
                  {(f) => (
                    <button type="button" data-testid="chat-file" class="mt-1 block rounded bg-slate-50 px-2 py-1 text-left text-xs text-indigo-700 ring-1 ring-slate-200 hover:bg-indigo-50" onClick={() => void download(f().id)}>
                      Download {f().name} ({size(f().sizeBytes)})
                    </button>
                  )}
                </Show>
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
      <Show when={props.state.notice ?? fileError()}>
        {(notice) => <p role="alert" class="px-3 pb-1 text-xs text-red-700">{notice()}</p>}
      </Show>
      <form onSubmit={submit} class="relative flex gap-2 border-t border-slate-200 p-2">
        <Show when={moderate() && props.state.self?.identity.startsWith('user:')}>
          <ShareFile client={props.client} ids={props.ids} onError={setFileError} />
        </Show>
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
