import { Show, type JSX } from 'solid-js';

export function EmptyState(props: { title: string; children?: JSX.Element; action?: JSX.Element }) {
  return (
    <div class="rounded-lg border-2 border-dashed border-slate-200 px-6 py-10 text-center">
      <h3 class="text-sm font-semibold text-slate-900">{props.title}</h3>
      <Show when={props.children}>
        <div class="mt-1 text-sm text-slate-500">{props.children}</div>
      </Show>
      <Show when={props.action}>
        <div class="mt-4">{props.action}</div>
      </Show>
    </div>
  );
}
