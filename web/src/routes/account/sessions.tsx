// /account/sessions: where this account is signed in (device, region and address, last seen),
// with sign-out per session, "sign out everywhere else", and a password change (which also signs
// the other sessions out).
import { Title } from '@solidjs/meta';
import { createAsync, useSubmission, type RouteDefinition } from '@solidjs/router';
import { For, Show } from 'solid-js';
import { FormOutcome } from '~/components/Alert';
import { Button } from '~/components/Button';
import { Field } from '~/components/Field';
import { changePasswordAction, getSessions, revokeOtherSessionsAction, revokeSessionAction } from '~/account/account-links';
import type { FormFailure } from '~/server/forms';

export const route = { preload: () => getSessions() } satisfies RouteDefinition;

const when = (iso: string) => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';

export default function Sessions() {
  const sessions = createAsync(() => getSessions(), { deferStream: true });
  const revoke = useSubmission(revokeSessionAction);
  const revokeOthers = useSubmission(revokeOtherSessionsAction);
  const change = useSubmission(changePasswordAction);
  const errors = () => (change.result as FormFailure | undefined)?.fields ?? {};
  return (
    <main class="mx-auto max-w-3xl px-4 py-10">
      <Title>Sessions · Roomcast</Title>
      <p class="mb-6 text-sm">
        <a href="/app" class="font-semibold text-indigo-600 hover:text-indigo-500">
          &larr; Dashboard
        </a>
      </p>
      <h1 class="mb-2 text-2xl font-semibold text-slate-900">Sessions</h1>
      <p class="mb-6 text-sm text-slate-600">Everywhere your account is signed in. Sign out anything you do not recognise, then change your password.</p>
      <FormOutcome result={revoke.result} />
      <FormOutcome result={revokeOthers.result} />
      <ul class="mb-6 divide-y divide-slate-200 rounded-lg bg-white ring-1 ring-slate-200" aria-label="Sessions">
        <For each={sessions() ?? []}>
          {(s) => (
            <li class="flex flex-wrap items-center justify-between gap-3 px-4 py-3" data-testid="session">
              <div class="min-w-0">
                <p class="font-medium text-slate-900">
                  {s.device}
                  <Show when={s.current}>
                    <span class="ml-2 rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800">This browser</span>
                  </Show>
                </p>
                <p class="text-xs text-slate-500">
                  {s.region ?? 'Unknown region'} · {s.ip ?? 'unknown address'} · last seen {when(s.lastSeenAt)} · signed in {when(s.createdAt)}
                </p>
              </div>
              <Show when={!s.current}>
                <form action={revokeSessionAction} method="post">
                  <input type="hidden" name="session" value={s.id} />
                  <Button type="submit" variant="danger" aria-label={`Sign out ${s.device}`}>
                    Sign out
                  </Button>
                </form>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <form action={revokeOtherSessionsAction} method="post" class="mb-10">
        <Button type="submit" variant="secondary" loading={revokeOthers.pending}>
          Sign out everywhere else
        </Button>
      </form>

      <h2 class="mb-4 text-lg font-semibold text-slate-900">Change password</h2>
      <FormOutcome result={change.result} />
      <form action={changePasswordAction} method="post" class="max-w-md space-y-4">
        <Field label="Current password" name="currentPassword" type="password" autocomplete="current-password" required error={errors().currentPassword} />
        <Field label="New password" name="newPassword" type="password" autocomplete="new-password" required error={errors().newPassword} />
        <Button type="submit" loading={change.pending}>
          Change password
        </Button>
      </form>
    </main>
  );
}
