// /app/{org}/*: the signed-in shell around every dashboard page of one organization.
import { createAsync, useParams, type RouteDefinition, type RouteSectionProps } from '@solidjs/router';
import { ErrorBoundary, Show, Suspense } from 'solid-js';
import { ErrorState } from '~/components/ErrorState';
import { AuthLayout } from '~/components/AuthLayout';
import { ButtonLink } from '~/components/Button';
import { EmptyState } from '~/components/EmptyState';
import { Layout } from '~/components/Layout';
import { Spinner } from '~/components/Spinner';
import { getOrganization } from '~/dashboard/organization';

export const route = { preload: ({ params }) => getOrganization(params.org!) } satisfies RouteDefinition;

export default function OrganizationShell(props: RouteSectionProps) {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  return (
    <Show
      when={ctx() !== undefined}
      fallback={
        <div class="flex min-h-screen items-center justify-center">
          <Spinner label="Loading your organization" />
        </div>
      }
    >
      <Show
        when={ctx()}
        fallback={
          <AuthLayout title="Not available">
            <EmptyState title="You are not a member of this organization" action={<ButtonLink href="/app">Go to your dashboard</ButtonLink>}>
              It may not exist, or you were removed from it.
            </EmptyState>
          </AuthLayout>
        }
      >
      {(c) => (
        <Layout user={c().user} organizations={c().organizations} slug={c().organization.slug} role={c().organization.role}>
          <ErrorBoundary fallback={(error, reset) => <ErrorState error={error} reset={reset} />}>
            <Suspense fallback={<div class="flex justify-center py-16"><Spinner /></div>}>{props.children}</Suspense>
          </ErrorBoundary>
        </Layout>
      )}
      </Show>
    </Show>
  );
}
