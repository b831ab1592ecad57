import { Navigate } from '@solidjs/router';
import { Show } from 'solid-js';
import { Alert } from './Alert';
import { Button } from './Button';

/** A redirect thrown by a loader (e.g. "not a member here") that reached an error boundary. */
const redirectTarget = (error: unknown) =>
  error instanceof Response && error.status >= 300 && error.status < 400 ? error.headers.get('Location') : null;

/** What a page shows when loading it failed: the API's message and a retry. Redirects still redirect. */
export function ErrorState(props: { error: unknown; reset?: () => void }) {
  const message = () => (props.error instanceof Error ? props.error.message : 'Something went wrong.');
  return (
    <Show when={redirectTarget(props.error)} fallback={
      <div class="mx-auto max-w-xl py-10">
        <Alert tone="error" title="This page could not be loaded">
          <p>{message()}</p>
          {props.reset ? (
            <Button variant="secondary" class="mt-3" onClick={() => props.reset?.()}>
              Try again
            </Button>
          ) : null}
        </Alert>
      </div>
    }>
      {(href) => <Navigate href={href()} />}
    </Show>
  );
}
