// /app/{org}/*: the signed-in shell around every dashboard page of one organization.
import { createAsync, useParams, type RouteDefinition, type RouteSectionProps } from '@solidjs/router';
import { ErrorBoundary, Show, Suspense } from 'solid-js';
import { ErrorState } from '~/components/ErrorState';
import { Layout } from '~/components/Layout';
import { Spinner } from '~/components/Spinner';
import { getOrganization } from '~/dashboard/organization';

export const route = { preload: ({ params }) => getOrganization(params.org!) } satisfies RouteDefinition;

export default function OrganizationShell(props: RouteSectionProps) {
  const params = useParams();
  const ctx = createAsync(() => getOrganization(params.org!), { deferStream: true });
  return (
    <Show
      when={ctx()}
      fallback={
        <div class="flex min-h-screen items-center justify-center">
          <Spinner label="Loading your organization" />
        </div>
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
  );
}
