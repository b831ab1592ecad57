import { Show, type JSX } from 'solid-js';

export type AlertTone = 'error' | 'success' | 'info' | 'warning';

const TONES: Record<AlertTone, string> = {
  error: 'bg-red-50 text-red-800 ring-red-200',
  success: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  info: 'bg-sky-50 text-sky-800 ring-sky-200',
  warning: 'bg-amber-50 text-amber-900 ring-amber-200',
};

/** Inline message. Errors are announced at once (role=alert); the rest politely (role=status). */
export function Alert(props: { tone?: AlertTone; title?: string; children?: JSX.Element; class?: string }) {
  const tone = () => props.tone ?? 'info';
  return (
    <div role={tone() === 'error' ? 'alert' : 'status'} class={`rounded-md px-4 py-3 text-sm ring-1 ring-inset ${TONES[tone()]} ${props.class ?? ''}`}>
      <Show when={props.title}>
        <p class="font-semibold">{props.title}</p>
      </Show>
      <div>{props.children}</div>
    </div>
  );
}

/** The outcome of a form action: an error with the API's message, or nothing. */
export function FormError(props: { result: { ok: false; message: string } | { ok: true } | undefined | unknown }) {
  const message = () => {
    const r = props.result as { ok?: boolean; message?: string } | undefined;
    return r && r.ok === false ? r.message : undefined;
  };
  return (
    <Show when={message()}>
      <Alert tone="error" class="mb-4">
        {message()}
      </Alert>
    </Show>
  );
}

/** The outcome of a form action either way: its error, or the success message it carries. */
export function FormOutcome(props: { result: unknown }) {
  const success = () => {
    const r = props.result as { ok?: boolean; message?: string } | undefined;
    return r?.ok === true ? r.message : undefined;
  };
  return (
    <>
      <FormError result={props.result} />
      <Show when={success()}>
        <Alert tone="success" class="mb-4">
          {success()}
        </Alert>
      </Show>
    </>
  );
}
