import { Show, type JSX } from 'solid-js';

export function Card(props: { title?: string; description?: JSX.Element; actions?: JSX.Element; children?: JSX.Element; class?: string }) {
  return (
    <section class={`rounded-lg bg-white shadow-sm ring-1 ring-slate-200 ${props.class ?? ''}`}>
      <Show when={props.title || props.actions}>
        <header class="flex flex-wrap items-start justify-between gap-3 border-b border-slate-100 px-4 py-3 sm:px-6">
          <div>
            <Show when={props.title}>
              <h2 class="text-base font-semibold text-slate-900">{props.title}</h2>
            </Show>
            <Show when={props.description}>
              <p class="mt-0.5 text-sm text-slate-500">{props.description}</p>
            </Show>
          </div>
          <Show when={props.actions}>
            <div class="flex flex-wrap gap-2">{props.actions}</div>
          </Show>
        </header>
      </Show>
      <div class="px-4 py-4 sm:px-6">{props.children}</div>
    </section>
  );
}
