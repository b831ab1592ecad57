// /two-factor: the second sign-in step, after a right password on an account with an
// authenticator app. The challenge waits in an httpOnly cookie; the page asks for the code.
import { useSearchParams, useSubmission } from '@solidjs/router';
import { FormError } from '~/components/Alert';
import { AuthLayout } from '~/components/AuthLayout';
import { Button } from '~/components/Button';
import { Field } from '~/components/Field';
import { verifyTwoFactorAction } from '~/account/two-factor';

export default function TwoFactorStep() {
  const [params] = useSearchParams();
  const submission = useSubmission(verifyTwoFactorAction);
  return (
    <AuthLayout title="Two-factor authentication" footer={<a class="font-semibold text-indigo-600 hover:text-indigo-500" href="/login">Back to sign in</a>}>
      <FormError result={submission.result} />
      <p class="mb-4 text-sm text-slate-600">Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
      <form action={verifyTwoFactorAction} method="post" class="space-y-4">
        <input type="hidden" name="next" value={typeof params.next === 'string' ? params.next : ''} />
        <Field label="Code" name="code" autocomplete="one-time-code" inputmode="text" required maxLength={11} />
        <Button type="submit" class="w-full" loading={submission.pending}>
          Verify
        </Button>
      </form>
    </AuthLayout>
  );
}
