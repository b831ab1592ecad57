import { For, Show, splitProps, type JSX } from 'solid-js';

let counter = 0;

type FieldProps = JSX.InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  name: string;
  error?: string | undefined;
  hint?: string;
};

/** A labelled input with its error text right under it (aria-invalid + aria-describedby). */
export function Field(props: FieldProps) {
  const [local, rest] = splitProps(props, ['label', 'error', 'hint', 'class', 'id']);
  const id = local.id ?? `field-${props.name}-${++counter}`;
  return (
    <div class={local.class}>
      <label for={id} class="block text-sm font-medium text-slate-700">
        {local.label}
      </label>
      <input
        id={id}
        class={`mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500 sm:text-sm ${
          local.error ? 'ring-red-400' : 'ring-slate-300'
        }`}
        aria-invalid={local.error ? 'true' : undefined}
        aria-describedby={local.error ? `${id}-error` : local.hint ? `${id}-hint` : undefined}
        {...rest}
      />
      <Show when={local.error} fallback={<Show when={local.hint}><p id={`${id}-hint`} class="mt-1 text-xs text-slate-500">{local.hint}</p></Show>}>
        <p id={`${id}-error`} class="mt-1 text-sm text-red-600" data-field-error={props.name}>
          {local.error}
        </p>
      </Show>
    </div>
  );
}

type SelectProps = JSX.SelectHTMLAttributes<HTMLSelectElement> & {
  label: string;
  name: string;
  options: readonly { value: string; label: string }[];
  error?: string | undefined;
};

export function SelectField(props: SelectProps) {
  // `value` becomes the `selected` attribute of the matching option: server-rendered HTML shows it,
  // and a form reset returns to it.
  const [local, rest] = splitProps(props, ['label', 'error', 'options', 'class', 'id', 'value']);
  const id = local.id ?? `field-${props.name}-${++counter}`;
  return (
    <div class={local.class}>
      <label for={id} class="block text-sm font-medium text-slate-700">
        {local.label}
      </label>
      <select
        id={id}
        class={`mt-1 block w-full rounded-md border-0 bg-white px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset focus:ring-2 focus:ring-indigo-500 sm:text-sm ${
          local.error ? 'ring-red-400' : 'ring-slate-300'
        }`}
        aria-invalid={local.error ? 'true' : undefined}
        aria-describedby={local.error ? `${id}-error` : undefined}
        {...rest}
      >
        <For each={local.options}>
          {(o) => (
            <option
              value={o.value}
              selected={o.value === local.value}
              ref={(el) => (el.defaultSelected = o.value === local.value)}
            >
              {o.label}
            </option>
          )}
        </For>
      </select>
      <Show when={local.error}>
        <p id={`${id}-error`} class="mt-1 text-sm text-red-600" data-field-error={props.name}>
          {local.error}
        </p>
      </Show>
    </div>
  );
}
