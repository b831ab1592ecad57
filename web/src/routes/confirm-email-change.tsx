// /confirm-email-change?token=...: the page the mail to the NEW address links to. The token is
// spent by the button (a POST), never by opening the page: mail scanners follow links.
import { useSearchParams, useSubmission } from '@solidjs/router';
import { Show } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { AuthLayout } from '~/components/AuthLayout';
import { Button, ButtonLink } from '~/components/Button';
import { confirmEmailChangeAction } from '~/account/two-factor';

export default function ConfirmEmailChange() {
  const [params] = useSearchParams();
  const submission = useSubmission(confirmEmailChangeAction);
  const done = () => (submission.result as { ok?: boolean } | undefined)?.ok === true;
  return (
    <AuthLayout title="Confirm your new email address">
      <Show
        when={done()}
        fallback={
          <>
            <FormError result={submission.result} />
            <form action={confirmEmailChangeAction} method="post">
              <input type="hidden" name="token" value={typeof params.token === 'string' ? params.token : ''} />
              <Button type="submit" class="w-full" loading={submission.pending}>
                Use this email address
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
