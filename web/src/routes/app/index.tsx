import { createAsync, Navigate } from '@solidjs/router';
import { Show } from 'solid-js';
import { AuthLayout } from '~/components/AuthLayout';
import { EmptyState } from '~/components/EmptyState';
import { requireMe } from '~/account/session';

export const route = { preload: () => requireMe('/app') };

/** /app: straight to the first organization. */
export default function AppIndex() {
  const me = createAsync(() => requireMe('/app'), { deferStream: true });
  return (
    <Show when={me()}>
      {(m) => (
        <Show
          when={m().organizations[0]}
          fallback={
            <AuthLayout title="No organization">
              <EmptyState title="You are not a member of any organization">Ask an admin for an invitation link.</EmptyState>
            </AuthLayout>
          }
        >
          {(org) => <Navigate href={`/app/${org().slug}`} />}
        </Show>
      )}
    </Show>
  );
}
