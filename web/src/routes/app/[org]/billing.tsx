// /app/{org}/billing: plan cards, the current plan, upgrade through Stripe Checkout, manage through
// the Billing Portal, usage this period, a past-due banner, the over-limit notice after a
// downgrade, and in LOCAL MODE (no Stripe keys) a clearly labelled direct plan switch.
import { createAsync, useParams, useSearchParams, useSubmission, type RouteDefinition } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { Button } from '~/components/Button';
import { Card } from '~/components/Card';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { checkoutAction, getBilling, localPlanAction, portalAction, type BillingPage, type BillingPlan } from '~/billing/billing';

export const route = { preload: ({ params }) => getBilling(params.org!) } satisfies RouteDefinition;

const LIMIT_LABELS: Record<string, string> = {
  workspaces: 'Workspaces',
  rooms: 'Rooms',
  hosts: 'Hosts',
  viewers_per_room: 'Viewers per room',
  storage: 'Storage',
};

const price = (p: BillingPlan) => (p.priceCents === null ? 'Custom' : `$${(p.priceCents / 100).toFixed(0)}/mo`);
const limit = (n: number | null) => (n === null ? 'Unlimited' : n.toLocaleString('en-US'));
const bytes = (n: number) => (n >= 1024 ** 4 ? `${n / 1024 ** 4} TB` : `${Math.round(n / 1024 ** 3)} GB`);
const day = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric' }) : '');

export default function Billing() {
  const params = useParams();
  const [search] = useSearchParams();
  const page = createAsync(() => getBilling(params.org!));
  return (
    // The organization shell (routes/app/[org].tsx) provides the page frame and navigation.
    <div>
      <PageHeader
        title="Billing"
        description={
          <Show when={page()} fallback="Plans, usage and payment">
            {(p) => <>Plan and usage of {p().organization.name}</>}
          </Show>
        }
      />
      <Show when={page()} fallback={<Spinner label="Loading billing" />}>
        {(p) => (
          <div class="space-y-6">
            <Show when={p().mode === 'local'}>
              <Alert tone="warning" title="LOCAL MODE">
                Billing runs without Stripe keys. The owner switches plans directly below; no payment is taken.
              </Alert>
            </Show>
            <Show when={search.checkout === 'success'}>
              <Alert tone="success">Thanks! Your plan changes as soon as Stripe confirms the payment.</Alert>
            </Show>
            <Show when={search.checkout === 'canceled'}>
              <Alert tone="info">Checkout was canceled; nothing changed.</Alert>
            </Show>
            <Show
              when={p().subscription}
              fallback={<Alert tone="info">Only owners and admins see this organization's subscription and usage.</Alert>}
            >
              {(s) => (
                <>
                  <StatusBanners subscription={s()} />
                  <CurrentPlan page={p()} />
                </>
              )}
            </Show>
            <PlanCards page={p()} />
            <Show when={p().usage}>{(u) => <Usage usage={u()} />}</Show>
          </div>
        )}
      </Show>
    </div>
  );
}

function StatusBanners(props: { subscription: NonNullable<BillingPage['subscription']> }) {
  const s = () => props.subscription;
  const fellBack = () => s().effectivePlan.id !== s().plan.id;
  return (
    <>
      <Show when={s().trialEndsAt}>
        {(ends) => (
          <Alert tone={s().trialExpired ? 'error' : 'info'} title={s().trialExpired ? 'Trial ended' : 'Trial'}>
            <Show when={s().trialExpired} fallback={<>Your free trial ends on {day(ends())}. Choose a plan below to keep going live after that.</>}>
              The free trial ended on {day(ends())}: rooms cannot go live until you choose a plan below. Nothing has been deleted.
            </Show>
          </Alert>
        )}
      </Show>
      <Show when={s().status === 'past_due'}>
        <Alert tone="error" title="Payment failed">
          <Show
            when={!fellBack()}
            fallback={<>The grace period is over: {s().effectivePlan.name} limits apply until the invoice is paid. Nothing has been deleted.</>}
          >
            Update your payment method by {day(s().graceEndsAt)} to keep the {s().plan.name} plan; after that Starter limits apply (nothing is deleted).
          </Show>
        </Alert>
      </Show>
      <Show when={s().status === 'canceled'}>
        <Alert tone="warning" title="Subscription canceled">
          {s().effectivePlan.name} limits apply. Choose a plan below to subscribe again.
        </Alert>
      </Show>
      <Show when={s().exceeded.length > 0}>
        <Alert tone="warning" title="Over your plan's limits">
          This organization has more {s().exceeded.map((l) => LIMIT_LABELS[l]?.toLowerCase() ?? l).join(', ')} than the {s().effectivePlan.name} plan
          allows. Everything you have keeps working, but nothing new can be added there until you upgrade or remove some.
        </Alert>
      </Show>
    </>
  );
}

function CurrentPlan(props: { page: BillingPage }) {
  const s = () => props.page.subscription!;
  const portal = useSubmission(portalAction);
  return (
    <Card
      title={`Current plan: ${s().plan.name}`}
      description={
        <>
          Status {s().status.replace('_', ' ')}
          <Show when={s().currentPeriodEnd}>
            {' · '}
            {s().cancelAtPeriodEnd ? 'ends' : 'renews'} {day(s().currentPeriodEnd)}
          </Show>
        </>
      }
      actions={
        <Show when={props.page.mode === 'stripe' && (s().stripeSubscription || s().status === 'canceled')}>
          <form action={portalAction} method="post">
            <input type="hidden" name="organizationId" value={props.page.organization.id} />
            <input type="hidden" name="orgSlug" value={props.page.organization.slug} />
            <Button type="submit" variant="secondary" loading={portal.pending}>
              Manage billing
            </Button>
          </form>
        </Show>
      }
    >
      <FormError result={portal.result} />
      <ul class="grid gap-3 sm:grid-cols-5">
        <For each={s().limits}>
          {(l) => (
            <li class={`rounded-md px-3 py-2 ring-1 ring-inset ${l.exceeded ? 'bg-amber-50 ring-amber-300' : 'ring-slate-200'}`}>
              <p class="text-xs text-slate-500">{LIMIT_LABELS[l.limit]}</p>
              <p class="text-sm font-semibold text-slate-900">
                <Show when={l.limit === 'storage'} fallback={<>{l.current === null ? '' : `${l.current} of `}{limit(l.max)}</>}>
                  {bytes(l.current ?? 0)} of {bytes(l.max ?? 0)}
                </Show>
              </p>
            </li>
          )}
        </For>
      </ul>
    </Card>
  );
}

function PlanCards(props: { page: BillingPage }) {
  const checkout = useSubmission(checkoutAction);
  const local = useSubmission(localPlanAction);
  const current = () => props.page.subscription?.plan.id;
  const canManage = () => props.page.organization.role === 'owner' || props.page.organization.role === 'admin';
  // A live Stripe subscription changes plans in the Billing Portal, not through a second Checkout.
  const hasStripeSubscription = () => props.page.subscription?.stripeSubscription === true;
  return (
    <Card title="Plans" description={props.page.mode === 'local' ? 'LOCAL MODE: switching takes effect at once' : 'Billed monthly through Stripe'}>
      <FormError result={checkout.result} />
      <FormError result={local.result} />
      <div class="grid gap-4 md:grid-cols-4">
        <For each={props.page.plans}>
          {(plan) => (
            <div class={`flex flex-col rounded-lg p-4 ring-1 ${plan.id === current() ? 'ring-2 ring-indigo-500' : 'ring-slate-200'}`}>
              <h3 class="text-base font-semibold text-slate-900">{plan.name}</h3>
              <p class="mt-1 text-2xl font-bold text-slate-900">{price(plan)}</p>
              <ul class="mt-3 flex-1 space-y-1 text-sm text-slate-600">
                <li>{limit(plan.limits.workspaces)} workspaces</li>
                <li>{limit(plan.limits.rooms)} rooms</li>
                <li>{limit(plan.limits.hosts)} hosts</li>
                <li>{limit(plan.limits.viewersPerRoom)} viewers per room</li>
                <li>{bytes(plan.limits.storageBytes)} storage</li>
                <li>Recording: {plan.features.recording ? 'yes' : 'no'}</li>
                <li>SSO: {plan.features.sso ? 'yes' : 'no'}</li>
                <li>API access: {plan.features.apiAccess ? 'yes' : 'no'}</li>
              </ul>
              <div class="mt-4">
                <Show when={plan.id !== current()} fallback={<p class="text-sm font-semibold text-indigo-700">Current plan</p>}>
                  <Show when={canManage()}>
                    <Show
                      when={props.page.mode === 'local'}
                      fallback={
                        <Show
                          when={plan.checkout && !hasStripeSubscription()}
                          fallback={<p class="text-sm text-slate-500">{plan.checkout ? 'Change it in Manage billing' : 'Contact sales'}</p>}
                        >
                          <form action={checkoutAction} method="post">
                            <input type="hidden" name="organizationId" value={props.page.organization.id} />
                            <input type="hidden" name="orgSlug" value={props.page.organization.slug} />
                            <input type="hidden" name="plan" value={plan.id} />
                            <Button type="submit" class="w-full" loading={checkout.pending}>
                              Upgrade to {plan.name}
                            </Button>
                          </form>
                        </Show>
                      }
                    >
                      <Show when={props.page.organization.role === 'owner'} fallback={<p class="text-sm text-slate-500">Only the owner switches plans</p>}>
                        <form action={localPlanAction} method="post">
                          <input type="hidden" name="organizationId" value={props.page.organization.id} />
                          <input type="hidden" name="plan" value={plan.id} />
                          <Button type="submit" variant="secondary" class="w-full" loading={local.pending}>
                            Switch to {plan.name} (local)
                          </Button>
                        </form>
                      </Show>
                    </Show>
                  </Show>
                </Show>
              </div>
            </div>
          )}
        </For>
      </div>
    </Card>
  );
}

function Usage(props: { usage: NonNullable<BillingPage['usage']> }) {
  const u = () => props.usage;
  return (
    <Card title="Usage this period" description={`${day(u().period.start)} to ${day(u().period.end)}`}>
      <dl class="grid gap-4 sm:grid-cols-2">
        <div>
          <dt class="text-sm text-slate-500">Participant minutes</dt>
          <dd class="text-2xl font-bold text-slate-900">{Math.round(u().participantMinutes).toLocaleString('en-US')}</dd>
        </div>
        <div>
          <dt class="text-sm text-slate-500">Stream hours</dt>
          <dd class="text-2xl font-bold text-slate-900">{u().streamHours.toFixed(1)}</dd>
        </div>
      </dl>
    </Card>
  );
}
