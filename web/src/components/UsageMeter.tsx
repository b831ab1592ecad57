import { Show } from 'solid-js';
import type { LimitUsage } from '~/server/api';

export const LIMIT_LABELS: Record<LimitUsage['limit'], string> = {
  workspaces: 'Workspaces',
  rooms: 'Rooms',
  hosts: 'Hosts (owners, admins, hosts, co-hosts)',
  viewers_per_room: 'Viewers per room',
  storage: 'Storage',
};

const formatBytes = (n: number) =>
  n >= 1024 ** 4 ? `${(n / 1024 ** 4).toFixed(0)} TB` : n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(n % 1024 ** 3 ? 1 : 0)} GB` : `${(n / 1024 ** 2).toFixed(1)} MB`;

export function formatLimitValue(limit: LimitUsage['limit'], value: number | null): string {
  if (value === null) return 'Unlimited';
  return limit === 'storage' ? formatBytes(value) : value.toLocaleString('en-US');
}

/** "2 of 3 rooms" with a bar that turns amber near the limit and red at it. */
export function UsageMeter(props: { usage: LimitUsage; label?: string }) {
  const ratio = () => (props.usage.max && props.usage.current !== null ? Math.min(1, props.usage.current / props.usage.max) : 0);
  const tone = () => (ratio() >= 1 ? 'bg-red-500' : ratio() >= 0.75 ? 'bg-amber-500' : 'bg-indigo-500');
  const text = () => {
    const { limit, max, current } = props.usage;
    if (current === null) return max === null ? 'Unlimited' : `Up to ${formatLimitValue(limit, max)}`;
    return max === null ? `${formatLimitValue(limit, current)} (unlimited)` : `${formatLimitValue(limit, current)} of ${formatLimitValue(limit, max)}`;
  };
  return (
    <div data-limit={props.usage.limit}>
      <div class="flex items-baseline justify-between gap-3 text-sm">
        <span class="font-medium text-slate-700">{props.label ?? LIMIT_LABELS[props.usage.limit]}</span>
        <span class="tabular-nums text-slate-600" data-testid={`usage-${props.usage.limit}`}>
          {text()}
        </span>
      </div>
      <Show when={props.usage.max !== null && props.usage.current !== null}>
        <div
          class="mt-1.5 h-2 overflow-hidden rounded-full bg-slate-100"
          role="meter"
          aria-label={props.label ?? LIMIT_LABELS[props.usage.limit]}
          aria-valuemin={0}
          aria-valuemax={props.usage.max ?? 0}
          aria-valuenow={props.usage.current ?? 0}
        >
          <div class={`h-full rounded-full ${tone()}`} style={{ width: `${Math.max(ratio() * 100, 2)}%` }} />
        </div>
      </Show>
    </div>
  );
}
