// /reset-password?token=...: choose a new password from the mailed link. Success signs this
// browser in and every other session of the account out.
import { useSearchParams, useSubmission } from '@solidjs/router';
import { FormError } from '~/components/Alert';
import { AuthLayout } from '~/components/AuthLayout';
import { Button } from '~/components/Button';
import { Field } from '~/components/Field';
import { resetPasswordAction } from '~/account/account-links';
import type { FormFailure } from '~/server/forms';

export default function ResetPassword() {
  const [params] = useSearchParams();
  const submission = useSubmission(resetPasswordAction);
  const errors = () => (submission.result as FormFailure | undefined)?.fields ?? {};
  return (
    <AuthLayout title="Choose a new password">
      <FormError result={submission.result} />
      <form action={resetPasswordAction} method="post" class="space-y-4">
        <input type="hidden" name="token" value={typeof params.token === 'string' ? params.token : ''} />
        <Field label="New password" name="password" type="password" autocomplete="new-password" required error={errors().password} />
        <p class="text-xs text-slate-500">At least 10 characters. Every other session of your account will be signed out.</p>
        <Button type="submit" class="w-full" loading={submission.pending}>
          Set new password
        </Button>
      </form>
    </AuthLayout>
  );
}
