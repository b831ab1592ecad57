import { createSignal } from 'solid-js';
import { Button } from './Button';

/** Copies `text` to the clipboard and says so (announced to screen readers). */
export function CopyButton(props: { text: string; label?: string }) {
  const [copied, setCopied] = createSignal(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };
  return (
    <Button variant="secondary" onClick={copy} aria-live="polite">
      {copied() ? 'Copied' : (props.label ?? 'Copy')}
    </Button>
  );
}

/** A read-only value with a copy button: links, snippets, secrets shown once. */
export function CopyField(props: { label: string; value: string; multiline?: boolean; testId?: string }) {
  return (
    <div>
      <p class="text-sm font-medium text-slate-700">{props.label}</p>
      <div class="mt-1 flex flex-wrap items-start gap-2">
        <code
          class={`block min-w-[min(100%,16rem)] flex-1 rounded-md bg-slate-900 px-3 py-2 font-mono text-xs text-slate-100 ${props.multiline ? 'whitespace-pre-wrap break-all' : 'overflow-x-auto whitespace-nowrap'}`}
          data-testid={props.testId}
        >
          {props.value}
        </code>
        <CopyButton text={props.value} label={`Copy ${props.label.toLowerCase()}`} />
      </div>
    </div>
  );
}
