// /app/{org}/plan: the plan that applies now, each limit with its usage, and what the plan includes.
import { createAsync, useParams, type RouteDefinition } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { ButtonLink } from '~/components/Button';
import { Card } from '~/components/Card';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { UsageMeter } from '~/components/UsageMeter';
import { allowed, getOrganization } from '~/dashboard/organization';

export const route = { preload: ({ params }) => getOrganization(params.org!) } satisfies RouteDefinition;

const price = (cents: number | null) => (cents === null ? 'Custom pricing' : `$${(cents / 100).toFixed(0)} / month`);

export default function PlanPage() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  return (
    <Show when={ctx()} fallback={<Spinner />}>
      {(c) => (
        <>
          <PageHeader
            title="Plan & usage"
            description="Limits apply to the whole organization. Nothing is ever deleted when you reach one; new items are refused."
            actions={
              <Show when={allowed(c(), 'billing.manage')}>
                <ButtonLink variant="primary" href={`/app/${c().organization.slug}/billing`}>
                  Change plan
                </ButtonLink>
              </Show>
            }
          />
          <div class="grid gap-6 lg:grid-cols-3">
            <Card title={`${c().plan.name} plan`} description={price(c().plan.priceCents)}>
              <ul class="space-y-2 text-sm" aria-label="Features">
                <For
                  each={[
                    ['API access', c().plan.features.apiAccess],
                    ['Recording', c().plan.features.recording],
                    ['Single sign-on (SSO)', c().plan.features.sso],
                  ] as const}
                >
                  {([label, on]) => (
                    <li class="flex items-center justify-between">
                      <span>{label}</span>
                      <span class={on ? 'font-medium text-emerald-700' : 'text-slate-400'}>{on ? 'Included' : 'Not included'}</span>
                    </li>
                  )}
                </For>
              </ul>
              <Show when={!allowed(c(), 'billing.manage')}>
                <p class="mt-4 text-xs text-slate-500">Owners and admins can change the plan.</p>
              </Show>
            </Card>
            <Card title="Limits" class="lg:col-span-2">
              <div class="space-y-5">
                <For each={c().limits}>{(usage) => <UsageMeter usage={usage} />}</For>
              </div>
            </Card>
          </div>
        </>
      )}
    </Show>
  );
}
