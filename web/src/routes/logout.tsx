import { useSubmission } from '@solidjs/router';
import { AuthLayout } from '~/components/AuthLayout';
import { Button, ButtonLink } from '~/components/Button';
import { logoutAction } from '~/account/session';

// Signing out is a POST (a GET link must not change state); this page offers the button.
export default function Logout() {
  const submission = useSubmission(logoutAction);
  return (
    <AuthLayout title="Sign out">
      <p class="mb-6 text-sm text-slate-600">Sign out of Roomcast on this browser?</p>
      <form action={logoutAction} method="post" class="flex gap-3">
        <Button type="submit" loading={submission.pending}>
          Sign out
        </Button>
        <ButtonLink href="/app">Cancel</ButtonLink>
      </form>
    </AuthLayout>
  );
}
