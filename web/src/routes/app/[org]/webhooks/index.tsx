// /app/{org}/webhooks: the organization's webhook endpoints (owners and admins, plans with API
// access): add one (the signing secret is shown once), enable/disable, rotate the secret, send a
// test event, delete; each links to its delivery log.
import { createAsync, useParams, useSubmission, type RouteDefinition } from '@solidjs/router';
import { createEffect, For, Show } from 'solid-js';
// Only the names: the REST shapes stay out of the browser bundle.
import { NOT_SENT_YET, SUBSCRIBABLE_EVENT_TYPES } from '@roomcast/schema/webhook-events';
import { Alert, FormError } from '~/components/Alert';
import { Button, ButtonLink } from '~/components/Button';
import { Card } from '~/components/Card';
import { CopyField } from '~/components/CopyButton';
import { EmptyState } from '~/components/EmptyState';
import { Field } from '~/components/Field';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { allowed, getOrganization } from '~/dashboard/organization';
import {
  createWebhookEndpointAction,
  deleteWebhookEndpointAction,
  getWebhookEndpoints,
  rotateWebhookSecretAction,
  sendWebhookTestAction,
  setWebhookEndpointEnabledAction,
} from '~/dashboard/webhooks';
import type { FormFailure } from '~/server/forms';

export const route = { preload: ({ params }) => getOrganization(params.org!) } satisfies RouteDefinition;

const DISABLED_REASONS: Record<string, string> = {
  manual: 'disabled',
  gone: 'disabled: the endpoint answered 410 Gone',
  failing: 'disabled: it failed for days',
};

export default function Webhooks() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  return (
    <Show when={ctx()} fallback={<Spinner />}>
      {(c) => (
        <>
          <PageHeader title="Webhooks" description="Signed HTTP callbacks (Standard Webhooks) when rooms start and end, people join and leave, and your plan changes." />
          <Show when={allowed(c(), 'webhook.manage')} fallback={<Alert tone="info">Only owners and admins manage webhooks.</Alert>}>
            <Show
              when={c().plan.features.apiAccess}
              fallback={
                <Card title="Webhooks are not included in your plan">
                  <p class="text-sm text-slate-600">The {c().plan.name} plan has no API access. Professional and higher plans include webhooks.</p>
                </Card>
              }
            >
              <EndpointManager orgId={c().organization.id} slug={c().organization.slug} />
            </Show>
          </Show>
        </>
      )}
    </Show>
  );
}

function EndpointManager(props: { orgId: string; slug: string }) {
  const endpoints = createAsync(() => getWebhookEndpoints(props.slug));
  const created = useSubmission(createWebhookEndpointAction);
  const rotated = useSubmission(rotateWebhookSecretAction);
  const tested = useSubmission(sendWebhookTestAction);
  const toggled = useSubmission(setWebhookEndpointEnabledAction);
  const deleted = useSubmission(deleteWebhookEndpointAction);
  const newSecret = () => (created.result as { secret?: string } | undefined)?.secret;
  const rotatedSecret = () => (rotated.result as { secret?: string } | undefined)?.secret;
  const errors = () => (created.result as FormFailure | undefined)?.fields ?? {};
  let form: HTMLFormElement | undefined;
  createEffect(() => {
    if (newSecret()) form?.reset();
  });
  const hidden = (endpointId: string) => (
    <>
      <input type="hidden" name="organizationId" value={props.orgId} />
      <input type="hidden" name="endpointId" value={endpointId} />
    </>
  );

  return (
    <div class="grid gap-6 lg:grid-cols-3">
      <Card title="Endpoints" class="lg:col-span-2">
        <FormError result={toggled.result} />
        <FormError result={deleted.result} />
        <FormError result={tested.result} />
        <Show when={(tested.result as { eventId?: string } | undefined)?.eventId}>
          <Alert tone="success" class="mb-3">Test event queued; see the delivery log.</Alert>
        </Show>
        <Show when={rotatedSecret()}>
          {(s) => (
            <Alert tone="success" class="mb-4" title="New signing secret">
              <p class="mb-2">The previous secret keeps signing beside this one for 24 hours. This is the only time it is shown.</p>
              <CopyField label="Secret" value={s()} multiline testId="webhook-rotated-secret" />
            </Alert>
          )}
        </Show>
        <Show when={endpoints()} fallback={<Spinner label="Loading endpoints" />}>
          {(list) => (
            <Show when={list().length > 0} fallback={<EmptyState title="No webhook endpoints yet">Add the URL of a receiver on your server.</EmptyState>}>
              <ul class="divide-y divide-slate-100" aria-label="Webhook endpoints">
                <For each={list()}>
                  {(e) => (
                    <li class="space-y-2 py-3" data-endpoint={e.url}>
                      <div class="flex flex-wrap items-center justify-between gap-2">
                        <p class="break-all font-mono text-sm text-slate-900">{e.url}</p>
                        <span class={`rounded-full px-2 py-0.5 text-xs font-medium ${e.enabled ? 'bg-emerald-50 text-emerald-700' : 'bg-slate-100 text-slate-500'}`} data-testid="endpoint-state">
                          {e.enabled ? 'enabled' : (DISABLED_REASONS[e.disabledReason ?? 'manual'] ?? 'disabled')}
                        </span>
                      </div>
                      <p class="text-xs text-slate-500">{e.events.join(', ')}</p>
                      <div class="flex flex-wrap gap-2">
                        <ButtonLink href={`/app/${props.slug}/webhooks/${e.id}`}>Delivery log</ButtonLink>
                        <form action={sendWebhookTestAction} method="post">
                          {hidden(e.id)}
                          <Button type="submit" disabled={!e.enabled}>Send test event</Button>
                        </form>
                        <form action={setWebhookEndpointEnabledAction} method="post">
                          {hidden(e.id)}
                          <input type="hidden" name="enabled" value={String(!e.enabled)} />
                          <Button type="submit">{e.enabled ? 'Disable' : 'Enable'}</Button>
                        </form>
                        <form action={rotateWebhookSecretAction} method="post">
                          {hidden(e.id)}
                          <Button type="submit">Rotate secret</Button>
                        </form>
                        <form action={deleteWebhookEndpointAction} method="post">
                          {hidden(e.id)}
                          <Button type="submit" variant="danger" aria-label={`Delete ${e.url}`}>
                            Delete
                          </Button>
                        </form>
                      </div>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          )}
        </Show>
      </Card>
      <Card title="New endpoint">
        <Show when={newSecret()}>
          {(s) => (
            <Alert tone="success" class="mb-4" title="Copy your signing secret now">
              <p class="mb-2">Verify deliveries with it (any Standard Webhooks library). This is the only time it is shown.</p>
              <CopyField label="Secret" value={s()} multiline testId="webhook-secret" />
            </Alert>
          )}
        </Show>
        <FormError result={created.result} />
        <form ref={form} action={createWebhookEndpointAction} method="post" class="space-y-4">
          <input type="hidden" name="organizationId" value={props.orgId} />
          <Field label="URL" name="url" type="url" required maxLength={2048} hint="https://… on your server" error={errors().url} />
          <Field label="Description" name="description" maxLength={200} error={errors().description} />
          <fieldset>
            <legend class="text-sm font-medium text-slate-700">Events</legend>
            <For each={SUBSCRIBABLE_EVENT_TYPES}>
              {(type) => (
                <label class="mt-1 flex items-center gap-2 text-sm text-slate-700">
                  <input type="checkbox" name="events" value={type} checked={!NOT_SENT_YET.has(type)} />
                  <span class="font-mono">{type}</span>
                  <Show when={NOT_SENT_YET.has(type)}>
                    <span class="text-xs text-slate-400">(not sent yet)</span>
                  </Show>
                </label>
              )}
            </For>
            <Show when={errors().events}>
              <p class="mt-1 text-sm text-red-600">{errors().events}</p>
            </Show>
          </fieldset>
          <Button type="submit" loading={created.pending} class="w-full">
            Add endpoint
          </Button>
        </form>
        <p class="mt-4 text-xs text-slate-500">Every event's payload is documented in the API's OpenAPI document (the webhooks section).</p>
      </Card>
    </div>
  );
}
