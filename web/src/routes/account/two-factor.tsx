// /account/two-factor: the account's second factor (an authenticator app: enroll with the
// otpauth:// link or its secret, confirm with a code, keep the recovery codes) and its email
// address (a change is confirmed from the new address).
import { Title } from '@solidjs/meta';
import { createAsync, useSearchParams, useSubmission, type RouteDefinition } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { Alert, FormError, FormOutcome } from '~/components/Alert';
import { Button } from '~/components/Button';
import { CopyField } from '~/components/CopyButton';
import { Field } from '~/components/Field';
import {
  confirmTwoFactorAction,
  disableTwoFactorAction,
  enrollTwoFactorAction,
  getTwoFactorStatus,
  requestEmailChangeAction,
} from '~/account/two-factor';

export const route = { preload: () => getTwoFactorStatus() } satisfies RouteDefinition;

export default function AccountTwoFactor() {
  const [params] = useSearchParams();
  const status = createAsync(() => getTwoFactorStatus(), { deferStream: true });
  const enroll = useSubmission(enrollTwoFactorAction);
  const confirm = useSubmission(confirmTwoFactorAction);
  const disable = useSubmission(disableTwoFactorAction);
  const emailChange = useSubmission(requestEmailChangeAction);
  const enrollment = () => enroll.result as { ok?: boolean; secret?: string; otpauthUri?: string } | undefined;
  const codes = () => (confirm.result as { recoveryCodes?: string[] } | undefined)?.recoveryCodes;
  return (
    <main class="mx-auto max-w-3xl px-4 py-10">
      <Title>Two-factor authentication · Roomcast</Title>
      <p class="mb-6 text-sm">
        <a href="/app" class="font-semibold text-indigo-600 hover:text-indigo-500">
          &larr; Dashboard
        </a>
      </p>
      <h1 class="mb-2 text-2xl font-semibold text-slate-900">Two-factor authentication</h1>
      <Show when={params.required}>
        <Alert tone="warning" class="mb-4">
          Your organization requires two-factor authentication. Set it up here, then go back to the dashboard.
        </Alert>
      </Show>
      <Show when={codes()}>
        {(list) => (
          <Alert tone="success" class="mb-6" title="Two-factor authentication is on. Save your recovery codes now">
            <p class="mb-2">Each works once, when you cannot use your authenticator app. They are not shown again.</p>
            <ul class="grid grid-cols-2 gap-1 font-mono text-sm" data-testid="recovery-codes">
              <For each={list()}>{(c) => <li>{c}</li>}</For>
            </ul>
          </Alert>
        )}
      </Show>
      <Show when={status()}>
        {(s) => (
          <Show
            when={!s().enabled}
            fallback={
              <section class="mb-10 space-y-4">
                <p class="text-sm text-slate-700" data-testid="two-factor-status">
                  On: sign-in asks for a code from your authenticator app. {s().recoveryCodesLeft} recovery codes left.
                </p>
                <FormOutcome result={disable.result} />
                <form action={disableTwoFactorAction} method="post" class="max-w-md space-y-4">
                  <Field label="Password" name="password" type="password" autocomplete="current-password" required />
                  <Button type="submit" variant="danger" loading={disable.pending}>
                    Turn off two-factor authentication
                  </Button>
                </form>
              </section>
            }
          >
            <section class="mb-10 space-y-4">
              <p class="text-sm text-slate-600" data-testid="two-factor-status">
                Off. With it on, signing in also asks for a code from an authenticator app (1Password, Google Authenticator, Authy…).
              </p>
              <FormError result={enroll.result} />
              <Show
                when={enrollment()?.ok && enrollment()?.secret}
                fallback={
                  <form action={enrollTwoFactorAction} method="post">
                    <Button type="submit" variant="primary" loading={enroll.pending}>
                      Set up an authenticator app
                    </Button>
                  </form>
                }
              >
                <p class="text-sm text-slate-700">
                  Open this link on your phone, or add the secret in your app by hand:{' '}
                  <a class="font-medium text-indigo-600" href={enrollment()!.otpauthUri}>
                    add to authenticator
                  </a>
                </p>
                <CopyField label="Secret" value={enrollment()!.secret!} testId="totp-secret" />
                <FormError result={confirm.result} />
                <form action={confirmTwoFactorAction} method="post" class="max-w-md space-y-4">
                  <Field label="Code from the app" name="code" autocomplete="one-time-code" inputmode="numeric" required maxLength={6} />
                  <Button type="submit" variant="primary" loading={confirm.pending}>
                    Turn on
                  </Button>
                </form>
              </Show>
            </section>
          </Show>
        )}
      </Show>
      <h2 class="mb-2 text-lg font-semibold text-slate-900">Email address</h2>
      <p class="mb-4 text-sm text-slate-600">We send a link to the new address; the change happens when you open it, and your other sessions are signed out.</p>
      <FormOutcome result={emailChange.result} />
      <form action={requestEmailChangeAction} method="post" class="max-w-md space-y-4">
        <Field label="New email address" name="newEmail" type="email" autocomplete="email" required />
        <Field label="Current password" name="password" type="password" autocomplete="current-password" required />
        <Button type="submit" loading={emailChange.pending}>
          Change email address
        </Button>
      </form>
    </main>
  );
}
