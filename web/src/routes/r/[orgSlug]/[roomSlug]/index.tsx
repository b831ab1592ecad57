// The viewer page: /r/{organization-slug}/{room-slug}.
import { Title } from '@solidjs/meta';
import { createAsync, useParams, useSearchParams, type RouteDefinition } from '@solidjs/router';
import { clientOnly } from '@solidjs/start';
import { createEffect, Show } from 'solid-js';
import { isServer } from 'solid-js/web';
import { automaticGuestName, autoJoinRequest } from '~/room/auto-join';
import { startJoin } from '~/room/early-join';
import { EarlySocket } from '~/room/early-socket';
import { getRoomPage } from '~/room/queries';

// Browser-only (WebRTC, WebSocket, devices): rendered on the client; the server sends the shell.
// Its code starts loading as soon as this route module runs, not after hydration.
const loadViewerRoom = import.meta.env.SSR ? undefined : import('~/room/ui/ViewerRoom');
const ViewerRoom = clientOnly(() => (loadViewerRoom ?? import('~/room/ui/ViewerRoom')).then((m) => ({ default: m.ViewerRoom })));

export const route = {
  // The page comes with the visitor's room token when they join without asking (room.server.ts);
  // not for a link hovered elsewhere (intent "preload"): that visitor may never open the room.
  preload: ({ params, location, intent }) =>
    intent === 'preload' ? getRoomPage({ orgSlug: params.orgSlug!, roomSlug: params.roomSlug! }) : getRoomPage({ orgSlug: params.orgSlug!, roomSlug: params.roomSlug! }, autoJoinRequest(location.query.name, false)),
} satisfies RouteDefinition;

export default function ViewerPage() {
  const params = useParams();
  const [search] = useSearchParams();
  const page = createAsync(() => getRoomPage({ orgSlug: params.orgSlug!, roomSlug: params.roomSlug! }, autoJoinRequest(search.name, false)));
  // Hand the room token to the room UI: fetched with the page, or asked for now (see early-join.ts).
  createEffect(() => {
    const p = page();
    if (isServer || !p?.room) return;
    performance.mark('room:hydrated');
    const auto = automaticGuestName(Boolean(p.viewer), search.name, false);
    if (auto.join) startJoin(p.room, auto.guestName, p.join);
  });
  return (
    <main class="mx-auto max-w-7xl p-3 sm:p-4">
      <Show when={page()}>
        {(p) => (
          <Show
            when={p().room}
            fallback={
              <div class="mx-auto mt-24 max-w-md text-center">
                <Title>Room not found · Roomcast</Title>
                <h1 class="text-xl font-semibold text-slate-900">Room not found</h1>
                <p class="mt-2 text-slate-600">This room does not exist, or you need to sign in to see it.</p>
                <a class="mt-4 inline-block text-indigo-600 underline" href={`/login?next=${encodeURIComponent(`/r/${params.orgSlug}/${params.roomSlug}`)}`}>Sign in</a>
              </div>
            }
          >
            {(room) => (
              <>
                <Title>{room().title} · Roomcast</Title>
                <EarlySocket join={p().join} />
                <ViewerRoom fallback={<p class="p-6 text-center text-slate-500">Loading the room…</p>} room={room()} signedInName={p().viewer?.name ?? null} />
              </>
            )}
          </Show>
        )}
      </Show>
    </main>
  );
}
