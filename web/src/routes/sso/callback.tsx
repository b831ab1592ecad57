// /sso/callback?code&state: where the identity provider sends the browser back. The page posts the
// code and state to its server action (at once; the button is there if that failed), which
// finishes the sign-in and goes to the organization's dashboard.
import { useAction, useSearchParams, useSubmission } from '@solidjs/router';
import { onMount, Show } from 'solid-js';
import { FormError } from '~/components/Alert';
import { AuthLayout } from '~/components/AuthLayout';
import { Button, ButtonLink } from '~/components/Button';
import { finishSsoAction } from '~/account/sso';

export default function SsoCallback() {
  const [params] = useSearchParams();
  const submission = useSubmission(finishSsoAction);
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const providerError = () => text(params.error_description) || text(params.error);
  const finish = useAction(finishSsoAction);
  let form: HTMLFormElement | undefined;
  // Called through the router once the page runs (a form submitted before hydration would go
  // without JavaScript, where the session cookie cannot ride on the redirect).
  onMount(() => {
    if (!providerError() && text(params.code) && form) void finish(new FormData(form));
  });
  return (
    <AuthLayout title="Signing you in">
      <Show
        when={!providerError()}
        fallback={
          <>
            <p role="alert" class="mb-4 text-sm text-red-700">
              Your identity provider did not sign you in: {providerError()}
            </p>
            <ButtonLink href="/sso">Try again</ButtonLink>
          </>
        }
      >
        <FormError result={submission.result} />
        <form ref={form} action={finishSsoAction} method="post" class="space-y-4">
          <input type="hidden" name="code" value={text(params.code)} />
          <input type="hidden" name="state" value={text(params.state)} />
          <Button type="submit" class="w-full" loading={submission.pending}>
            Continue
          </Button>
        </form>
        <p class="mt-4 text-center text-sm">
          <a class="font-medium text-indigo-600 hover:text-indigo-500" href="/sso">
            Start again
          </a>
        </p>
      </Show>
    </AuthLayout>
  );
}
