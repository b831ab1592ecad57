import { useSearchParams, useSubmission } from '@solidjs/router';
import { FormError } from '~/components/Alert';
import { AuthLayout } from '~/components/AuthLayout';
import { Button } from '~/components/Button';
import { Field } from '~/components/Field';
import { signupAction } from '~/account/session';
import type { FormFailure } from '~/server/forms';

export default function Signup() {
  const [params] = useSearchParams();
  const submission = useSubmission(signupAction);
  const errors = () => (submission.result as FormFailure | undefined)?.fields ?? {};
  const next = () => (typeof params.next === 'string' ? params.next : '');
  return (
    <AuthLayout
      title="Create your account"
      footer={
        <>
          Already have an account?{' '}
          <a class="font-semibold text-indigo-600 hover:text-indigo-500" href={`/login${next() ? `?next=${encodeURIComponent(next())}` : ''}`}>
            Sign in
          </a>
        </>
      }
    >
      <p class="-mt-3 mb-5 text-sm text-slate-500">Starts on the Starter plan: 3 rooms, 50 viewers per room.</p>
      <FormError result={submission.result} />
      <form action={signupAction} method="post" class="space-y-4">
        <input type="hidden" name="next" value={next()} />
        <Field label="Your name" name="name" autocomplete="name" required maxLength={120} error={errors().name} />
        <Field
          label="Email"
          name="email"
          type="email"
          autocomplete="email"
          required
          value={typeof params.email === 'string' ? params.email : ''}
          error={errors().email}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          minLength={10}
          hint="At least 10 characters."
          error={errors().password}
        />
        <Field label="Organization name" name="organizationName" autocomplete="organization" required maxLength={120} error={errors().organizationName} />
        <Button type="submit" class="w-full" loading={submission.pending}>
          Create account
        </Button>
      </form>
    </AuthLayout>
  );
}
