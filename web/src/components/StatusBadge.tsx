export function StatusBadge(props: { status: 'idle' | 'live' }) {
  return (
    <span
      class={`rounded-full px-2 py-0.5 text-xs font-semibold ${props.status === 'live' ? 'bg-red-100 text-red-700' : 'bg-slate-100 text-slate-600'}`}
      data-testid="room-status"
    >
      {props.status === 'live' ? 'LIVE' : 'Idle'}
    </span>
  );
}
