import { Title } from '@solidjs/meta';
import { Show, type JSX } from 'solid-js';

export function PageHeader(props: { title: string; description?: JSX.Element; actions?: JSX.Element }) {
  return (
    <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
      <Title>{`${props.title} · Roomcast`}</Title>
      <div>
        <h1 class="text-2xl font-bold tracking-tight text-slate-900">{props.title}</h1>
        <Show when={props.description}>
          <p class="mt-1 text-sm text-slate-500">{props.description}</p>
        </Show>
      </div>
      <Show when={props.actions}>
        <div class="flex flex-wrap gap-2">{props.actions}</div>
      </Show>
    </div>
  );
}
