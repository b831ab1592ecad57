// /sso: "Sign in with SSO". The address's domain decides which organization's identity provider
// the browser goes to.
import { useSearchParams, useSubmission } from '@solidjs/router';
import { FormError } from '~/components/Alert';
import { AuthLayout } from '~/components/AuthLayout';
import { Button } from '~/components/Button';
import { Field } from '~/components/Field';
import { startSsoAction } from '~/account/sso';
import type { FormFailure } from '~/server/forms';

export default function SignInWithSso() {
  const [params] = useSearchParams();
  const submission = useSubmission(startSsoAction);
  const errors = () => (submission.result as FormFailure | undefined)?.fields ?? {};
  return (
    <AuthLayout
      title="Sign in with SSO"
      footer={
        <a class="font-semibold text-indigo-600 hover:text-indigo-500" href="/login">
          Sign in with a password instead
        </a>
      }
    >
      <FormError result={submission.result} />
      <p class="mb-4 text-sm text-slate-600">Use your work email: we send you to your organization's identity provider.</p>
      <form action={startSsoAction} method="post" class="space-y-4">
        <Field label="Work email" name="email" type="email" autocomplete="email" required value={typeof params.email === 'string' ? params.email : ''} error={errors().email} />
        <Button type="submit" class="w-full" loading={submission.pending}>
          Continue with SSO
        </Button>
      </form>
    </AuthLayout>
  );
}
