// Trade alerts: pinned first. Posting and pinning for roles with `alerts.post`.
import { createSignal, For, Show } from 'solid-js';
import { ALERT_KINDS } from '@roomcast/schema/protocol';

type AlertKind = (typeof ALERT_KINDS)[number];
import type { RoomClient, RoomViewState } from '@roomcast/client';

const KIND_CLASS: Record<AlertKind, string> = {
  info: 'bg-sky-50 text-sky-800 ring-sky-200',
  buy: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  sell: 'bg-rose-50 text-rose-800 ring-rose-200',
  warning: 'bg-amber-50 text-amber-800 ring-amber-200',
};

export function AlertsPanel(props: { state: RoomViewState; client: RoomClient }) {
  const [kind, setKind] = createSignal<AlertKind>('info');
  const [text, setText] = createSignal('');
  const [symbol, setSymbol] = createSignal('');
  const canPost = () => props.state.self?.grants.includes('alerts.post') ?? false;
  const sorted = () => [...props.state.alerts].sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.id - a.id);
  const post = (event: SubmitEvent) => {
    event.preventDefault();
    const sent = props.client.send({ type: 'alert.post', kind: kind(), text: text(), ...(symbol().trim() ? { symbol: symbol().trim() } : {}) });
    if (sent) {
      setText('');
      setSymbol('');
    }
  };
  return (
    <section aria-label="Alerts" class="rounded-lg bg-white ring-1 ring-slate-200">
      <header class="border-b border-slate-200 px-3 py-2">
        <h2 class="text-sm font-semibold text-slate-800">Alerts</h2>
      </header>
      <ul class="max-h-48 space-y-1 overflow-y-auto p-2 text-sm" aria-live="polite">
        <For each={sorted()} fallback={<li class="px-1 text-xs text-slate-500">No alerts yet</li>}>
          {(a) => (
            <li class={`flex items-start gap-2 rounded px-2 py-1 ring-1 ${KIND_CLASS[a.kind]}`}>
              <span class="text-xs font-bold uppercase">{a.kind}</span>
              <span class="min-w-0 flex-1 break-words">
                <Show when={a.symbol}>{(s) => <b>{s()} </b>}</Show>
                {a.text}
                <Show when={a.price !== null}> @ {a.price}</Show>
              </span>
              <Show when={canPost()}>
                <button type="button" class="text-xs underline" onClick={() => props.client.send(a.pinned ? { type: 'alert.unpin', alertId: a.id } : { type: 'alert.pin', alertId: a.id })}>
                  {a.pinned ? 'Unpin' : 'Pin'}
                </button>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <Show when={canPost()}>
        <form onSubmit={post} class="flex flex-wrap gap-2 border-t border-slate-200 p-2">
          <label class="sr-only" for="alert-kind">Kind</label>
          <select id="alert-kind" class="rounded-md px-1 py-1 text-sm ring-1 ring-slate-300" value={kind()} onChange={(e) => setKind(e.currentTarget.value as AlertKind)}>
            <For each={ALERT_KINDS}>{(k) => <option value={k}>{k}</option>}</For>
          </select>
          <label class="sr-only" for="alert-symbol">Symbol</label>
          <input id="alert-symbol" class="w-20 rounded-md px-2 py-1 text-sm ring-1 ring-slate-300" placeholder="Symbol" maxLength={20} value={symbol()} onInput={(e) => setSymbol(e.currentTarget.value)} />
          <label class="sr-only" for="alert-text">Alert</label>
          <input id="alert-text" class="min-w-0 flex-1 rounded-md px-2 py-1 text-sm ring-1 ring-slate-300" placeholder="Alert text" maxLength={500} value={text()} onInput={(e) => setText(e.currentTarget.value)} />
          <button type="submit" class="rounded-md bg-slate-800 px-3 py-1 text-sm font-semibold text-white disabled:bg-slate-400" disabled={!text().trim()}>
            Post
          </button>
        </form>
      </Show>
    </section>
  );
}
