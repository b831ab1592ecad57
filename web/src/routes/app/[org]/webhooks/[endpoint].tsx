// /app/{org}/webhooks/{endpoint}: the endpoint's delivery log, newest first, with every attempt's
// response code, error and latency, and "redeliver" per event.
import { createAsync, useParams, useSubmission } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { Button, ButtonLink } from '~/components/Button';
import { Card } from '~/components/Card';
import { EmptyState } from '~/components/EmptyState';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { getOrganization } from '~/dashboard/organization';
import { getWebhookDeliveries, redeliverWebhookEventAction } from '~/dashboard/webhooks';

const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'medium' }) : '—');
const STATUS_TONES = { delivered: 'bg-emerald-50 text-emerald-700', pending: 'bg-amber-50 text-amber-700', failed: 'bg-red-50 text-red-700' } as const;

export default function WebhookDeliveries() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  const log = createAsync(() => getWebhookDeliveries(params.org!, params.endpoint!));
  const redelivered = useSubmission(redeliverWebhookEventAction);
  return (
    <Show when={ctx()} fallback={<Spinner />}>
      {(c) => (
        <>
          <PageHeader title="Delivery log" description={log()?.endpoint.url ?? ''} />
          <ButtonLink href={`/app/${c().organization.slug}/webhooks`} class="mb-4">
            All endpoints
          </ButtonLink>
          <FormError result={redelivered.result} />
          <Show when={(redelivered.result as { redelivered?: number } | undefined)?.redelivered}>
            <Alert tone="success" class="mb-3">Redelivery queued.</Alert>
          </Show>
          <Card>
            <Show when={log()} fallback={<Spinner label="Loading deliveries" />}>
              {(l) => (
                <Show when={l().deliveries.length > 0} fallback={<EmptyState title="Nothing sent yet">Events appear here as they are delivered.</EmptyState>}>
                  <ul class="divide-y divide-slate-100" aria-label="Deliveries">
                    <For each={l().deliveries}>
                      {(d) => (
                        <li class="space-y-1 py-3" data-delivery={d.eventId}>
                          <div class="flex flex-wrap items-center justify-between gap-2">
                            <p class="text-sm">
                              <span class="font-mono font-medium text-slate-900">{d.eventType}</span>{' '}
                              <span class="font-mono text-xs text-slate-500">{d.eventId}</span>
                            </p>
                            <span class={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_TONES[d.status]}`} data-testid="delivery-status">
                              {d.status}
                            </span>
                          </div>
                          <p class="text-xs text-slate-500">
                            created {time(d.createdAt)} · {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
                            <Show when={d.nextAttemptAt}> · next {time(d.nextAttemptAt)}</Show>
                          </p>
                          <table class="text-xs text-slate-600">
                            <tbody>
                              <For each={d.attemptLog}>
                                {(a) => (
                                  <tr data-testid="attempt">
                                    <td class="pr-3">{time(a.attemptedAt)}</td>
                                    <td class="pr-3 font-mono">{a.responseStatus ?? 'no answer'}</td>
                                    <td class="pr-3">{a.durationMs} ms</td>
                                    <td>{a.error ?? ''}</td>
                                  </tr>
                                )}
                              </For>
                            </tbody>
                          </table>
                          <form action={redeliverWebhookEventAction} method="post">
                            <input type="hidden" name="organizationId" value={c().organization.id} />
                            <input type="hidden" name="endpointId" value={d.endpointId} />
                            <input type="hidden" name="eventId" value={d.eventId} />
                            <Button type="submit" disabled={!l().endpoint.enabled}>Redeliver</Button>
                          </form>
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
              )}
            </Show>
          </Card>
        </>
      )}
    </Show>
  );
}
