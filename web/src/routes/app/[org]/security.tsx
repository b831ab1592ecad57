// /app/{org}/security: single sign-on (OpenID Connect) for the organization's email domains, and
// the sign-in rules that come with it. Owners and admins; setting SSO up needs the Business plan.
import { createAsync, useParams, useSubmission, type RouteDefinition } from '@solidjs/router';
import { Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { Button, ButtonLink } from '~/components/Button';
import { Card } from '~/components/Card';
import { CopyField } from '~/components/CopyButton';
import { Field, SelectField } from '~/components/Field';
import { PageHeader } from '~/components/PageHeader';
import { Spinner } from '~/components/Spinner';
import { deleteSsoSettingsAction, getSsoSettings, saveSsoSettingsAction, saveTwoFactorRequirementAction } from '~/account/sso';
import { allowed, getOrganization } from '~/dashboard/organization';
import type { FormFailure } from '~/server/forms';

export const route = { preload: ({ params }) => getOrganization(params.org!) } satisfies RouteDefinition;

const ROLE_OPTIONS = [
  { value: 'viewer', label: 'Viewer' },
  { value: 'moderator', label: 'Moderator' },
  { value: 'cohost', label: 'Co-host' },
  { value: 'host', label: 'Host' },
  { value: 'admin', label: 'Admin' },
] as const;

export default function Security() {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  const settings = createAsync(() => getSsoSettings(params.org!));
  const saved = useSubmission(saveSsoSettingsAction);
  const removed = useSubmission(deleteSsoSettingsAction);
  const requirement = useSubmission(saveTwoFactorRequirementAction);
  const errors = () => (saved.result as FormFailure | undefined)?.fields ?? {};
  const savedOk = () => (saved.result as { ok?: boolean } | undefined)?.ok === true;

  return (
    <Show when={ctx()} fallback={<Spinner />}>
      {(c) => (
        <>
          <PageHeader title="Security" description="Single sign-on through your identity provider (OpenID Connect)." />
          <Show when={allowed(c(), 'security.manage')} fallback={<Alert tone="info">Only owners and admins manage sign-in settings.</Alert>}>
            <Show when={settings()} fallback={<Spinner label="Loading SSO settings" />}>
              {(s) => (
                <div class="grid gap-6 lg:grid-cols-3">
                  <Card title="Single sign-on (SSO)" class="lg:col-span-2">
                    <Show when={!s().planAllowsSso}>
                      <Alert tone="warning" class="mb-4" title="SSO is not included in your plan">
                        <p data-testid="sso-plan-reason">
                          The {c().plan.name} plan has no SSO; Business and Enterprise include it.
                          {s().connection ? ' Your settings are kept, but members cannot sign in through them until the plan includes SSO again.' : ''}
                        </p>
                        <Show when={allowed(c(), 'billing.manage')}>
                          <ButtonLink variant="primary" class="mt-3" href={`/app/${c().organization.slug}/billing`}>
                            See plans
                          </ButtonLink>
                        </Show>
                      </Alert>
                    </Show>
                    <Show when={savedOk()}>
                      <Alert tone="success" class="mb-4">
                        SSO settings saved.
                      </Alert>
                    </Show>
                    <FormError result={saved.result} />
                    <form action={saveSsoSettingsAction} method="post" class="space-y-4" aria-label="SSO settings">
                      <input type="hidden" name="organizationId" value={c().organization.id} />
                      <Field label="Issuer URL" name="issuer" type="url" required value={s().connection?.issuer ?? ''} hint="Your provider's issuer, e.g. https://login.example.com" error={errors().issuer} />
                      <Field label="Client ID" name="clientId" required value={s().connection?.clientId ?? ''} error={errors().clientId} />
                      <Field
                        label="Client secret"
                        name="clientSecret"
                        type="password"
                        autocomplete="off"
                        required={!s().connection}
                        placeholder={s().connection ? `${s().connection!.clientSecretHint} (leave empty to keep it)` : ''}
                        hint="Stored encrypted; never shown again."
                        error={errors().clientSecret}
                      />
                      <Field
                        label="Email domains"
                        name="domains"
                        required
                        value={s().connection?.domains.join(', ') ?? ''}
                        hint="Comma-separated. People with these addresses sign in through your provider."
                        error={errors().domains ?? errors()['domains.0']}
                      />
                      <SelectField label="Role of new members" name="defaultRole" options={ROLE_OPTIONS} value={s().connection?.defaultRole ?? 'viewer'} error={errors().defaultRole} />
                      <label class="flex items-start gap-2 text-sm text-slate-700">
                        <input type="checkbox" name="ssoRequired" class="mt-1" checked={s().connection?.ssoRequired ?? false} />
                        <span>
                          <span class="font-medium">Require SSO</span>: people with these addresses cannot sign in or sign up with a password (owners still can, in case
                          the provider is down).
                        </span>
                      </label>
                      <Button type="submit" variant="primary" loading={saved.pending} disabled={!s().planAllowsSso}>
                        Save SSO settings
                      </Button>
                    </form>
                  </Card>
                  <div class="space-y-6">
                    <Card title="Two-factor authentication">
                      <FormError result={requirement.result} />
                      <Show when={(requirement.result as { ok?: boolean } | undefined)?.ok}>
                        <Alert tone="success" class="mb-3">
                          {(requirement.result as { message: string }).message}
                        </Alert>
                      </Show>
                      <form action={saveTwoFactorRequirementAction} method="post" class="space-y-3">
                        <input type="hidden" name="organizationId" value={c().organization.id} />
                        <label class="flex items-start gap-2 text-sm text-slate-700">
                          <input type="checkbox" name="requireTwoFactor" class="mt-1" checked={s().requireTwoFactor} />
                          <span>Require two-factor authentication of every member (members without it are asked to set it up). Needs it on your own account first.</span>
                        </label>
                        <Button type="submit">Save</Button>
                      </form>
                    </Card>
                    <Card title="At your provider">
                      <p class="mb-3 text-sm text-slate-600">Register this redirect URI for the client, with the scopes openid, email and profile.</p>
                      <CopyField label="Redirect URI" value={s().redirectUri} testId="sso-redirect-uri" />
                    </Card>
                    <Show when={s().connection}>
                      <Card title="Remove SSO">
                        <FormError result={removed.result} />
                        <p class="mb-3 text-sm text-slate-600">Members keep their accounts and sign in with a password (or set one by reset link).</p>
                        <form action={deleteSsoSettingsAction} method="post">
                          <input type="hidden" name="organizationId" value={c().organization.id} />
                          <Button type="submit" variant="danger">
                            Remove SSO
                          </Button>
                        </form>
                      </Card>
                    </Show>
                  </div>
                </div>
              )}
            </Show>
          </Show>
        </>
      )}
    </Show>
  );
}
