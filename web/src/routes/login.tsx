import { useSearchParams, useSubmission } from '@solidjs/router';
import { FormError } from '~/components/Alert';
import { AuthLayout } from '~/components/AuthLayout';
import { Button } from '~/components/Button';
import { Field } from '~/components/Field';
import { loginAction } from '~/account/session';
import type { FormFailure } from '~/server/forms';

export default function Login() {
  const [params] = useSearchParams();
  const submission = useSubmission(loginAction);
  const errors = () => (submission.result as FormFailure | undefined)?.fields ?? {};
  const next = () => (typeof params.next === 'string' ? params.next : '');
  return (
    <AuthLayout
      title="Sign in"
      footer={
        <>
          New to Roomcast?{' '}
          <a class="font-semibold text-indigo-600 hover:text-indigo-500" href={`/signup${next() ? `?next=${encodeURIComponent(next())}` : ''}`}>
            Create an account
          </a>
        </>
      }
    >
      <FormError result={submission.result} />
      <form action={loginAction} method="post" class="space-y-4">
        <input type="hidden" name="next" value={next()} />
        <Field label="Email" name="email" type="email" autocomplete="email" required error={errors().email} />
        <Field label="Password" name="password" type="password" autocomplete="current-password" required error={errors().password} />
        <Button type="submit" class="w-full" loading={submission.pending}>
          Sign in
        </Button>
      </form>
      <p class="mt-4 flex justify-between text-sm">
        <a class="font-medium text-indigo-600 hover:text-indigo-500" href="/sso">
          Sign in with SSO
        </a>
        <a class="font-medium text-indigo-600 hover:text-indigo-500" href="/forgot-password">
          Forgot your password?
        </a>
      </p>
    </AuthLayout>
  );
}
