// Links between the pages of a newest-first list the API pages with cursors: back to the newest
// page, and on to older ones (`?before=` the page's nextCursor). Shown only where they lead somewhere.
import { A, useSearchParams } from '@solidjs/router';
import { Show } from 'solid-js';

/** The `before` cursor of the page being shown (undefined: the newest page). */
export function useBeforeCursor(): () => string | undefined {
  const [search] = useSearchParams();
  return () => (typeof search.before === 'string' && search.before ? search.before : undefined);
}

export function PageNav(props: { path: string; before: string | undefined; nextCursor: string | null; olderLabel: string }) {
  return (
    <nav class="mt-6 flex justify-between text-sm" aria-label="Pages">
      <Show when={props.before}>
        <A href={props.path} class="font-medium text-indigo-700 hover:underline">
          ← Newest
        </A>
      </Show>
      <Show when={props.nextCursor}>
        {(next) => (
          <A href={`${props.path}?before=${encodeURIComponent(next())}`} class="ml-auto font-medium text-indigo-700 hover:underline">
            {props.olderLabel} →
          </A>
        )}
      </Show>
    </nav>
  );
}
