export function Spinner(props: { label?: string; class?: string }) {
  return (
    <span role="status" class={`inline-flex items-center gap-2 text-sm text-slate-500 ${props.class ?? ''}`}>
      <svg class="h-4 w-4 animate-spin" viewBox="0 0 24 24" fill="none" aria-hidden="true">
        <circle cx="12" cy="12" r="10" stroke="currentColor" stroke-width="4" class="opacity-25" />
        <path d="M22 12a10 10 0 0 1-10 10" stroke="currentColor" stroke-width="4" stroke-linecap="round" />
      </svg>
      {props.label ?? 'Loading…'}
    </span>
  );
}
