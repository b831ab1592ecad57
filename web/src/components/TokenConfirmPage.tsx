// A page a mailed link opens (/verify-email, /confirm-email-change): the link's token is spent by
// the button (a POST), never by opening the page, because mail scanners follow links.
import { useSearchParams, useSubmission, type Action } from '@solidjs/router';
import { Show, type JSX } from 'solid-js';
import { Alert, FormError } from '~/components/Alert';
import { AuthLayout } from '~/components/AuthLayout';
import { Button, ButtonLink } from '~/components/Button';

export function TokenConfirmPage(props: {
  title: string;
  action: Action<[FormData], unknown>;
  submitLabel: string;
  intro?: JSX.Element;
}) {
  const [params] = useSearchParams();
  const submission = useSubmission(props.action);
  const done = () => (submission.result as { ok?: boolean } | undefined)?.ok === true;
  return (
    <AuthLayout title={props.title}>
      <Show
        when={done()}
        fallback={
          <>
            <FormError result={submission.result} />
            {props.intro}
            <form action={props.action} method="post">
              <input type="hidden" name="token" value={typeof params.token === 'string' ? params.token : ''} />
              <Button type="submit" class="w-full" loading={submission.pending}>
                {props.submitLabel}
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
