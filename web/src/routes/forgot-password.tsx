// /forgot-password: ask for a reset link. The answer is the same whether the address has an account.
import { useSubmission } from '@solidjs/router';
import { Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { AuthLayout } from '~/components/AuthLayout';
import { Button } from '~/components/Button';
import { Field } from '~/components/Field';
import { requestPasswordResetAction } from '~/account/account-links';
import type { FormFailure } from '~/server/forms';

export default function ForgotPassword() {
  const submission = useSubmission(requestPasswordResetAction);
  const result = () => submission.result as { ok: true; message: string } | FormFailure | undefined;
  const errors = () => (result() as FormFailure | undefined)?.fields ?? {};
  return (
    <AuthLayout
      title="Reset your password"
      footer={
        <a class="font-semibold text-indigo-600 hover:text-indigo-500" href="/login">
          Back to sign in
        </a>
      }
    >
      <Show
        when={result()?.ok}
        fallback={
          <>
            <FormError result={submission.result} />
            <p class="mb-4 text-sm text-slate-600">Enter your account's email address and we will mail you a link to choose a new password.</p>
            <form action={requestPasswordResetAction} method="post" class="space-y-4">
              <Field label="Email" name="email" type="email" autocomplete="email" required error={errors().email} />
              <Button type="submit" class="w-full" loading={submission.pending}>
                Send reset link
              </Button>
            </form>
          </>
        }
      >
        <Alert tone="success">{(result() as { message: string }).message}</Alert>
      </Show>
    </AuthLayout>
  );
}
