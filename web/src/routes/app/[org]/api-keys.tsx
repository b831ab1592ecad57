// /app/{org}/api-keys: keys for developers' servers. Owners and admins only, on plans with API
// access; the secret is shown once, right after creation.
import { createAsync, useParams, useSubmission, type RouteDefinition } from '@solidjs/router';
import { createEffect, For, Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { Button, ButtonLink } from '~/components/Button';
import { Card } from '~/components/Card';
import { CopyField } from '~/components/CopyButton';
import { EmptyState } from '~/components/EmptyState';
import { Field } from '~/components/Field';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { createApiKeyAction, getApiKeys, revokeApiKeyAction } from '~/dashboard/api-keys';
import { allowed, getOrganization } from '~/dashboard/organization';
import type { FormFailure } from '~/server/forms';

export const route = { preload: ({ params }) => getOrganization(params.org!) } satisfies RouteDefinition;

const day = (iso: string | null) => (iso ? new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' }) : 'never');

export default function ApiKeys() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  const created = useSubmission(createApiKeyAction);
  const revoked = useSubmission(revokeApiKeyAction);
  const secret = () => (created.result as { secret?: string } | undefined)?.secret;
  const errors = () => (created.result as FormFailure | undefined)?.fields ?? {};
  let form: HTMLFormElement | undefined;
  createEffect(() => {
    if (secret()) form?.reset();
  });

  return (
    <Show when={ctx()} fallback={<Spinner />}>
      {(c) => (
        <>
          <PageHeader title="API keys" description="Provision rooms and mint room tokens from your own servers (Authorization: Bearer rck_…)." />
          <Show
            when={allowed(c(), 'apikey.manage')}
            fallback={<Alert tone="info">Only owners and admins manage API keys.</Alert>}
          >
            <Show when={!c().plan.features.apiAccess}>
              <Card title="API access is not included in your plan" class="mb-6">
                <p class="text-sm text-slate-600" data-testid="api-access-reason">
                  The {c().plan.name} plan has no API access. Professional and higher plans include it.
                </p>
                <Show when={allowed(c(), 'billing.manage')}>
                  <ButtonLink variant="primary" class="mt-4" href={`/app/${c().organization.slug}/billing`}>
                    See plans
                  </ButtonLink>
                </Show>
              </Card>
            </Show>
            <KeyManager orgId={c().organization.id} slug={c().organization.slug} canCreate={c().plan.features.apiAccess} />
          </Show>
        </>
      )}
    </Show>
  );

  /**
   * After a downgrade the API refuses existing keys but they still exist: they stay listed (and
   * revocable) so nothing is hidden from the owner, while creating new ones needs API access.
   */
  function KeyManager(props: { orgId: string; slug: string; canCreate: boolean }) {
    const keys = createAsync(() => getApiKeys(props.slug));
    return (
      <Show when={props.canCreate || (keys()?.some((k) => !k.revokedAt) ?? false)}>
        <div class="grid gap-6 lg:grid-cols-3">
          <Card title="Keys" class="lg:col-span-2">
            <FormError result={revoked.result} />
            <Show when={keys()} fallback={<Spinner label="Loading keys" />}>
              {(list) => (
                <Show when={list().length > 0} fallback={<EmptyState title="No API keys yet">Create one for each server or environment.</EmptyState>}>
                  <ul class="divide-y divide-slate-100" aria-label="API keys">
                    <For each={list()}>
                      {(k) => (
                        <li class="flex flex-wrap items-center justify-between gap-2 py-3" data-key={k.name}>
                          <div>
                            <p class="font-medium text-slate-900">
                              {k.name}{' '}
                              <Show when={k.revokedAt}>
                                <span class="ml-1 rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-500">Revoked</span>
                              </Show>
                            </p>
                            <p class="font-mono text-xs text-slate-500">
                              {k.prefix}… · created {day(k.createdAt)} · last used {day(k.lastUsedAt)}
                            </p>
                          </div>
                          <Show when={!k.revokedAt}>
                            <form action={revokeApiKeyAction} method="post">
                              <input type="hidden" name="organizationId" value={props.orgId} />
                              <input type="hidden" name="keyId" value={k.id} />
                              <Button type="submit" variant="danger" aria-label={`Revoke ${k.name}`}>
                                Revoke
                              </Button>
                            </form>
                          </Show>
                        </li>
                      )}
                    </For>
                  </ul>
                </Show>
              )}
            </Show>
          </Card>
          <Show when={props.canCreate} fallback={<p class="text-sm text-slate-600">These keys are refused by the API until the plan includes API access again.</p>}>
            <Card title="New key">
              <Show when={secret()}>
                {(s) => (
                  <Alert tone="success" class="mb-4" title="Copy your key now">
                    <p class="mb-2">This is the only time the secret is shown.</p>
                    <CopyField label="Secret" value={s()} multiline testId="api-key-secret" />
                  </Alert>
                )}
              </Show>
              <FormError result={created.result} />
              <form ref={form} action={createApiKeyAction} method="post" class="space-y-4">
                <input type="hidden" name="organizationId" value={props.orgId} />
                <Field label="Key name" name="name" required maxLength={120} hint="e.g. production backend" error={errors().name} />
                <Button type="submit" loading={created.pending} class="w-full">
                  Create key
                </Button>
              </form>
            </Card>
          </Show>
        </div>
      </Show>
    );
  }
}
