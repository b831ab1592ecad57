// /verify-email?token=...: the page a verification mail links to. The token is spent by the
// button (a POST), never by opening the page: mail scanners follow links.
import { useSearchParams, useSubmission } from '@solidjs/router';
import { Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { AuthLayout } from '~/components/AuthLayout';
import { Button, ButtonLink } from '~/components/Button';
import { verifyEmailAction } from '~/account/account-links';

export default function VerifyEmail() {
  const [params] = useSearchParams();
  const submission = useSubmission(verifyEmailAction);
  const done = () => (submission.result as { ok?: boolean; message?: string } | undefined)?.ok === true;
  return (
    <AuthLayout title="Verify your email address">
      <Show
        when={done()}
        fallback={
          <>
            <FormError result={submission.result} />
            <p class="mb-6 text-sm text-slate-600">Confirm that this address is yours. You can then go live, create API keys and accept invitations.</p>
            <form action={verifyEmailAction} method="post">
              <input type="hidden" name="token" value={typeof params.token === 'string' ? params.token : ''} />
              <Button type="submit" class="w-full" loading={submission.pending}>
                Verify my email address
              </Button>
            </form>
          </>
        }
      >
        <Alert tone="success" class="mb-6">
          {(submission.result as { message: string }).message}
        </Alert>
        <ButtonLink href="/app">Go to your dashboard</ButtonLink>
      </Show>
    </AuthLayout>
  );
}
