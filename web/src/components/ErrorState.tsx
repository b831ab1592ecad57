import { Alert } from './Alert';
import { Button } from './Button';

/** What a page shows when loading it failed: the API's message and a retry. */
export function ErrorState(props: { error: unknown; reset?: () => void }) {
  const message = () => (props.error instanceof Error ? props.error.message : 'Something went wrong.');
  return (
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
  );
}
