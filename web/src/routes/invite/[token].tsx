// /invite/{token}: accept an invitation. Signed out, the visitor signs in or signs up first and
// comes back here; signed in, one button joins the organization.
import { createAsync, useParams, useSubmission } from '@solidjs/router';
import { Show } from 'solid-js';
import { FormError } from '~/components/Alert';
import { AuthLayout } from '~/components/AuthLayout';
import { Button, ButtonLink } from '~/components/Button';
import { Spinner } from '~/components/Spinner';
import { getMe } from '~/account/session';
import { acceptInvitationAction } from '~/dashboard/members';

export default function AcceptInvitation() {
  const params = useParams();
  const me = createAsync(() => getMe(), { deferStream: true });
  const accept = useSubmission(acceptInvitationAction);
  const here = () => `/invite/${encodeURIComponent(params.token!)}`;
  return (
    <AuthLayout title="Join an organization">
      <Show when={me() !== undefined} fallback={<Spinner />}>
        <Show
          when={me()}
          fallback={
            <div class="space-y-4">
              <p class="text-sm text-slate-600">You were invited to a Roomcast organization. Sign in, or create an account with the invited email, to accept.</p>
              <div class="flex flex-wrap gap-3">
                <ButtonLink variant="primary" href={`/signup?next=${encodeURIComponent(here())}`}>
                  Create account
                </ButtonLink>
                <ButtonLink href={`/login?next=${encodeURIComponent(here())}`}>Sign in</ButtonLink>
              </div>
            </div>
          }
        >
          {(m) => (
            <div class="space-y-4">
              <p class="text-sm text-slate-600">
                Accept this invitation as <strong class="font-medium text-slate-900">{m().user.email}</strong>?
              </p>
              <FormError result={accept.result} />
              <form action={acceptInvitationAction} method="post" class="flex flex-wrap gap-3">
                <input type="hidden" name="token" value={params.token} />
                <Button type="submit" loading={accept.pending}>
                  Accept invitation
                </Button>
                <ButtonLink href="/logout">Use another account</ButtonLink>
              </form>
            </div>
          )}
        </Show>
      </Show>
    </AuthLayout>
  );
}
